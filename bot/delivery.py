"""Digest delivery: each due digest is planned once, posted part by part, and recorded.

`LedgerDeliverer.deliver_due` is the scheduler's delivery tick (`recommender.pipeline.
Deliverer`). For each (target, local date) the ledger (`store.deliveries`) says is due:

1. No ledger row yet: the Matcher picks the papers, and `begin` stores the plan (pick ids,
   explanations, how the picks split into messages). A retry reads the plan back and so
   posts the very digest the first try meant to, even if new papers arrived since.
2. Each message is posted, then recorded with `posted`, before the next one: after a crash
   the next tick posts only the messages that did not go out.
3. `record_digest` writes the picks to the sent ledger, then `finish` closes the row. In
   this order a crash between the two leaves a row that the next tick finishes without
   posting again (recording is idempotent); the other order could lose the sent record
   and repeat the picks in the next digest.

A target that fails is marked `fail` and retried on the next tick; the others go on.
`SlackDeliverer` posts to Slack; `bot.console.ConsoleDeliverer` prints the same messages.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import InstallationStore

from bot.blocks import digest_messages, digest_sizes
from bot.client import web_client
from bot.config import Settings
from bot.errors import NotInstalled
from bot.oauth import installation_store, oauth_enabled
from bot.targets import is_channel_target, parse_target
from recommender.digest import Digest, record_digest
from recommender.errors import PapersError, ProfileNotFound
from recommender.matching import Matcher
from recommender.models import Paper
from recommender.store import Store

log = logging.getLogger(__name__)

GRACE = timedelta(hours=12)
# Slack allows about one message a second per channel (docs.slack.dev/apis/web-api/rate-limits).
PACE_SECONDS = 1.0
# How far back the App Home looks for the latest digest, and how many of its picks it shows.
RECENT_DAYS = 14
RECENT_SHOWN = 10

Clock = Callable[[], datetime]


class Outlet(Protocol):
    """Where a run's messages go: Slack, or the console."""

    def post(self, target: str, message: dict) -> dict:
        """Send one message to `target`; return what the ledger keeps of it."""
        ...


class LedgerDeliverer:
    """Delivers every due digest through an outlet, keeping the delivery ledger."""

    def __init__(self, store: Store, matcher: Matcher, clock: Clock, *, grace: timedelta = GRACE):
        self.store = store
        self.matcher = matcher
        self.clock = clock
        self.grace = grace

    def outlet(self) -> Outlet:
        """A fresh outlet for one run (subclasses say where messages go)."""
        raise NotImplementedError

    def deliver_due(self, now: datetime) -> dict[str, Any]:
        """Deliver what is due at `now`; counts of due, delivered and failed digests, messages."""
        due = self.store.deliveries.due(now, grace=self.grace)
        fresh = self.fresh_digests(due, now)
        outlet = self.outlet()
        counts = Counter(due=len(due), delivered=0, failed=0, messages=0)
        for target, day in due:
            try:
                # A batch digest serves a target's first due day only: a later day's digest
                # must be matched after the earlier one is recorded as sent.
                digest = fresh.pop(target, None)
                counts["messages"] += self._deliver(outlet, target, day, digest, now)
                counts["delivered"] += 1
            except Exception as error:  # one target's failure must not stop the others
                log.exception("digest of %s for %s failed", target, day)
                self.store.deliveries.fail(target, day, _reason(error), now=self.clock())
                counts["failed"] += 1
        return dict(counts)

    def fresh_digests(self, due: list[tuple[str, date]], now: datetime) -> dict[str, Digest]:
        """Digests of the targets that have no ledger row yet, matched in one batch."""
        ledger = self.store.deliveries
        targets = {target for target, day in due if ledger.get(target, day) is None}
        profiles = {}
        for target in sorted(targets):
            try:
                profiles[target] = self.store.get_profile(target)
            except PapersError:
                log.exception("the stored profile of %s is unusable", target)
        try:
            return self.matcher.digests({t: p for t, p in profiles.items() if p}, now=now)
        except PapersError:  # each target is then matched (and fails) on its own
            log.exception("matching the due digests failed")
            return {}

    def _deliver(
        self, outlet: Outlet, target: str, day: date, fresh: Digest | None, now: datetime
    ) -> int:
        """Post what of one digest has not gone out yet; the number of messages posted."""
        ledger = self.store.deliveries
        delivery = ledger.begin(target, day, self.plan(target, day, fresh, now), now=self.clock())
        if delivery.done:
            return 0
        digest, messages = self.render(target, day, delivery.plan)
        left = messages[len(delivery.posted) :]
        for message in left:
            ledger.posted(target, day, outlet.post(target, message), now=self.clock())
        record_digest(self.store, digest)
        ledger.finish(target, day, now=self.clock())
        return len(left)

    def plan(self, target: str, day: date, fresh: Digest | None, now: datetime) -> dict[str, Any]:
        """The digest's plan: the one an earlier try stored, else a new one."""
        delivery = self.store.deliveries.get(target, day)
        if delivery is not None and delivery.plan is not None:
            return delivery.plan
        digest = fresh if fresh is not None else self._digest(target, now)
        sizes = digest_sizes(digest, day=day, channel=is_channel_target(target))
        return {**digest.to_dict(), "sizes": sizes}

    def render(self, target: str, day: date, plan: dict[str, Any]) -> tuple[Digest, list[dict]]:
        """The digest a plan describes, and its messages."""
        # Plans of version 1 do not name their target.
        digest = Digest.from_dict({"target": target, **plan}, self.store)
        channel = is_channel_target(target)
        return digest, digest_messages(digest, plan["sizes"], day=day, channel=channel)

    def _digest(self, target: str, now: datetime) -> Digest:
        profile = self.store.get_profile(target)
        if profile is None:
            raise ProfileNotFound(f"{target} is subscribed but has no profile")
        return self.matcher.digest(target, profile, now=now)


class SlackDeliverer(LedgerDeliverer):
    """Posts digests to Slack: a direct message to a person, a post to a channel.

    `client` is the app's Web API client (base URL, RateLimitErrorRetryHandler); with
    `installations` (multi-workspace installs), each team's bot token comes from there.
    `sleep` paces the posts to one a second per channel; tests pass a no-op.
    """

    def __init__(
        self,
        store: Store,
        matcher: Matcher,
        client: WebClient,
        clock: Clock,
        *,
        grace: timedelta = GRACE,
        sleep: Callable[[float], None] = time.sleep,
        installations: InstallationStore | None = None,
    ) -> None:
        super().__init__(store, matcher, clock, grace=grace)
        self.client = client
        self.sleep = sleep
        self.installations = installations

    def outlet(self) -> SlackOutlet:
        return SlackOutlet(self.client_for, Pacer(self.sleep))

    def client_for(self, team: str) -> WebClient:
        """The client with the bot token of `team`'s install."""
        if self.installations is None:
            return self.client
        bot = self.installations.find_bot(enterprise_id=None, team_id=team)
        if bot is None:
            raise NotInstalled(f"the app is not installed in team {team}")
        template = self.client
        return WebClient(
            token=bot.bot_token,
            base_url=template.base_url,
            retry_handlers=list(template.retry_handlers),
        )


class Pacer:
    """At most one message every `interval` seconds to each channel."""

    def __init__(
        self,
        sleep: Callable[[float], None],
        interval: float = PACE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sleep = sleep
        self.interval = interval
        self.monotonic = monotonic
        self._last: dict[str, float] = {}

    def wait(self, channel: str) -> None:
        """Sleep until `channel` may get its next message."""
        last = self._last.get(channel)
        if last is not None:
            left = self.interval - (self.monotonic() - last)
            if left > 0:
                self.sleep(left)
        self._last[channel] = self.monotonic()


class SlackOutlet:
    """Posts to the channel of a channel target, or the direct message with a person."""

    def __init__(self, client_for: Callable[[str], WebClient], pacer: Pacer) -> None:
        self.client_for = client_for
        self.pacer = pacer

    def post(self, target: str, message: dict) -> dict:
        where = parse_target(target)
        client = self.client_for(where.team)
        channel = where.id if where.is_channel else self._direct(client, where.id)
        self.pacer.wait(channel)
        # No unfurls: a digest of five links would otherwise grow five previews.
        posted = client.chat_postMessage(
            channel=channel, **message, unfurl_links=False, unfurl_media=False
        )
        return {"channel": posted["channel"], "ts": posted["ts"]}

    @staticmethod
    def _direct(client: WebClient, user: str) -> str:
        """The direct message channel with `user` (the same one each time)."""
        return client.conversations_open(users=user)["channel"]["id"]


def _reason(error: Exception) -> str:
    """A short reason for the ledger: Slack's error code, or the error's message."""
    if isinstance(error, SlackApiError):
        return f"slack: {error.response.get('error', 'error')}"
    return f"{error.__class__.__name__}: {error}"


def slack_deliverer(
    settings: Settings, store: Store, matcher: Matcher, clock: Clock, *, grace: timedelta = GRACE
) -> SlackDeliverer:
    """The deliverer of `settings`: the bot token's workspace, or every OAuth install."""
    installs = installation_store(settings, store.engine) if oauth_enabled(settings) else None
    client = web_client(settings)
    return SlackDeliverer(store, matcher, client, clock, grace=grace, installations=installs)


def recent_picks(
    store: Store, target: str, zone: tzinfo, *, now: datetime, limit: int = RECENT_SHOWN
) -> list[Paper]:
    """The papers of `target`'s latest digest delivered in the last two weeks (local dates)."""
    today = now.astimezone(zone).date()
    for back in range(RECENT_DAYS):
        delivery = store.deliveries.get(target, today - timedelta(days=back))
        if delivery is not None and delivery.done:
            keys = [pick["key"] for pick in delivery.plan["picks"]][:limit]
            papers = store.by_keys(keys)
            return [papers[key] for key in keys if key in papers]
    return []
