"""Digests on Slack: the outlet through which `recommender.delivery.Deliverer` posts them.

A digest becomes Block Kit messages (`bot.blocks`) posted to the target's channel or to the
direct message with the person: the header top-level, then each pick in the header's thread
(not broadcast), at most one a second per channel and five a second per workspace (`Pacer`),
counted across every process that posts. Each pick's message is recorded as naming its
paper (`paper_message`), so that reactions on it teach the reactor. With OAuth installs,
each team's messages go with that team's bot token.

A message whose outcome is unknown (the connection dropped before Slack's reply came, or
the process died mid-post) may have gone out: before it is posted again it is looked up in
the channel's history (a pick: in the header's thread) by the `metadata` every digest
message carries (its target, day and part), and not posted again if it is there. So
slack_sdk's connection-error retry, which re-sends at once without looking, is not used for
posts.

Errors after which no retry can help until someone acts (`PERMANENT`: the app is not in the
channel, the channel is archived, the token was revoked) are told apart from the others
(rate limits, Slack's 5xx, timeouts), so that the deliverer pauses such a digest after a few
tries and its owner hears of it by direct message (`tell_owner`).
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.oauth.installation_store import InstallationStore
from slack_sdk.web import SlackResponse

from bot.blocks import BlockKitDigests
from bot.client import web_client
from bot.config import Settings
from bot.control_blocks import unreachable_message
from bot.errors import NotInstalled
from bot.oauth import installation_store, oauth_enabled
from bot.subscriptions import ACCESS_LOST_ERRORS
from bot.targets import Target, parse_target
from recommender.delivery import failure_reason
from recommender.digest import Digest
from recommender.store import Store
from recommender.store.messages import PaperMessage

log = logging.getLogger(__name__)

# Slack allows about one message a second per channel, and several hundred a minute per
# workspace (docs.slack.dev/apis/web-api/rate-limits): 300 a minute, in bursts of up to 10.
PACE_SECONDS = 1.0
WORKSPACE_RATE = 5.0
WORKSPACE_BURST = 10
# The `metadata.event_type` of digest messages, by which a post of unknown outcome is found.
DIGEST_EVENT = "papers_digest"
# How often a post whose reply was lost is tried (each time after looking it up).
POST_TRIES = 3
# How many pages of a channel's history (200 messages each) a lookup reads at most.
HISTORY_PAGES = 5
# Errors after which a post may or may not have reached Slack.
UNKNOWN_OUTCOME = (OSError, http.client.HTTPException)
# Slack's errors that no retry cures: the app was removed from the channel or never added,
# the channel is gone or archived, the workspace's token is dead.
PERMANENT = frozenset({"not_in_channel", "channel_not_found", "is_archived"}) | ACCESS_LOST_ERRORS


class Buckets(Protocol):
    """Where a `Pacer` keeps its workspaces' buckets: this process's memory
    (`LocalBuckets`), or the store (`recommender.store.pacing.Pacing`), shared by every
    process that posts."""

    def advance(self, bucket: str, earliest: float, step: float) -> float:
        """Move `bucket`'s due time to `step` after the later of itself and `earliest`, at
        once for every thread (and process) sharing it; the new due time."""
        ...


class LocalBuckets:
    """Buckets in this process's memory, for the threads of one process."""

    def __init__(self) -> None:
        self._due: dict[str, float] = {}
        self._lock = threading.Lock()

    def advance(self, bucket: str, earliest: float, step: float) -> float:
        with self._lock:
            due = self._due[bucket] = max(self._due.get(bucket, earliest), earliest) + step
        return due


class Pacer:
    """Slack's rate limits as token buckets, one per channel (one message every `interval`
    seconds) and one per workspace (`rate` a second, `burst` at once), shared by the
    threads that post through it. The workspaces' buckets are shared by other processes
    too when they are the store's (`slack_outlet` does so, on the wall clock, since each
    process's monotonic clock starts anew); a channel's is this process's, since one
    delivery at a time posts to a conversation.

    Each bucket is kept as the time its next message may go (the generic cell rate
    algorithm, ITU-T I.371): a post reserves its slot and sleeps after, so posts to other
    channels do not wait for each other.
    """

    def __init__(
        self,
        sleep: Callable[[float], None],
        interval: float = PACE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        *,
        rate: float = WORKSPACE_RATE,
        burst: int = WORKSPACE_BURST,
        buckets: Buckets | None = None,
    ) -> None:
        self.sleep = sleep
        self.interval = interval
        self.clock = clock
        self.rate = rate
        self.burst = burst
        self.buckets = buckets or LocalBuckets()
        self._channels: dict[str, float] = {}  # when each channel's next message is due
        self._lock = threading.Lock()

    def wait(self, channel: str, team: str = "") -> None:
        """Sleep until `channel` and its workspace `team` may get their next message."""
        step = 1 / self.rate
        now = self.clock()
        with self._lock:
            earliest = max(now, self._channels.get(channel, now))
            self._channels[channel] = earliest + self.interval
        due = self.buckets.advance(f"team:{team}", earliest, step)
        # A bucket of `burst` lets a message go up to burst - 1 steps before its slot.
        at = max(earliest, due - self.burst * step)
        with self._lock:
            self._channels[channel] = max(self._channels[channel], at + self.interval)
        if at > now:
            self.sleep(at - now)


class SlackOutlet(BlockKitDigests):
    """Posts to the channel of a channel target, or the direct message with a person.

    `client` is the app's Web API client (base URL, RateLimitErrorRetryHandler); with
    `installations` (multi-workspace installs), each team's bot token comes from there.
    `sleep` and `clock` pace the posts (`Pacer`) in `buckets` (this process's own when
    None); tests pass a no-op and its clock.
    """

    def __init__(
        self,
        client: WebClient,
        *,
        installations: InstallationStore | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        buckets: Buckets | None = None,
    ) -> None:
        self.client = client
        self.installations = installations
        self.pacer = Pacer(sleep, clock=clock, buckets=buckets)
        # Each person's direct message channel, opened once (its id never changes).
        self._directs: dict[tuple[str, str], str] = {}

    def render(self, digest: Digest, sizes: list[int], day: date, target: str) -> list[dict]:
        """The Block Kit messages, each with the metadata that finds it again (`find`)."""
        messages = super().render(digest, sizes, day, target)
        return [
            {**message, "metadata": digest_metadata(target, day, part, len(messages))}
            for part, message in enumerate(messages, 1)
        ]

    def post(self, target: str, message: dict, head: dict | None) -> dict:
        """Post it, into the thread of `head` (the header's post) if given; if the reply is
        lost, look it up before posting it again."""
        where = parse_target(target)
        client = self.client_for(where.team)
        channel = self._channel(client, where)
        thread = _thread(head)
        for _ in range(POST_TRIES - 1):
            sent = time.time()
            try:
                return self._post(client, channel, {**message, **thread}, where.team)
            except UNKNOWN_OUTCOME:
                log.warning("no reply to a post to %s; looking it up before a retry", channel)
            # From a minute before the post: Slack's clock may lag ours.
            found = self._lookup(client, channel, message, oldest=sent - 60, head=head)
            if found is not None:
                return found
        # The last try: its error is the target's.
        return self._post(client, channel, {**message, **thread}, where.team)

    def _post(self, client: WebClient, channel: str, message: dict, team: str) -> dict:
        self.pacer.wait(channel, team)
        # No unfurls: a digest of five links would otherwise grow five previews.
        posted = client.chat_postMessage(
            channel=channel, **message, unfurl_links=False, unfurl_media=False
        )
        return {"channel": posted["channel"], "ts": posted["ts"]}

    def find(self, target: str, message: dict, since: datetime, head: dict | None) -> dict | None:
        """The message as posted to `target` (in `head`'s thread) at or after `since`, if
        it is there."""
        where = parse_target(target)
        client = self.client_for(where.team)
        channel = self._channel(client, where)
        return self._lookup(client, channel, message, oldest=since.timestamp(), head=head)

    def paper_message(self, target: str, post: dict, paper_id: str) -> PaperMessage:
        """A pick's message: reactions on it teach whoever reacts in a channel's digest, and
        only its reader in a person's (no one else is in that conversation)."""
        where = parse_target(target)
        owner = None if where.is_channel else target
        return PaperMessage(where.team, post["channel"], post["ts"], paper_id, "digest", owner)

    @staticmethod
    def _lookup(
        client: WebClient, channel: str, message: dict, oldest: float, head: dict | None
    ) -> dict | None:
        """Find `message` in `channel`'s history (or `head`'s thread) since `oldest` by its
        metadata; None also when the history cannot be read."""
        wanted = message.get("metadata")
        cursor = None
        for _ in range(HISTORY_PAGES):
            try:
                page = _history(client, channel, oldest, cursor, head)
            except SlackApiError as error:
                # An install without the history scopes: better twice than never.
                log.warning("cannot look a post up in %s (%s); posting it again", channel, error)
                return None
            for seen in page.get("messages", []):
                if wanted is not None and seen.get("metadata") == wanted:
                    return {"channel": channel, "ts": seen["ts"]}
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return None

    def reason(self, error: Exception) -> str:
        """Slack's error code, or the error's class and message."""
        if isinstance(error, SlackApiError):
            return f"slack: {error.response.get('error', 'error')}"
        return failure_reason(error)

    def permanent(self, error: Exception) -> bool:
        """Slack's `PERMANENT` errors, and a workspace the app is no longer installed in."""
        if isinstance(error, SlackApiError):
            return error.response.get("error") in PERMANENT
        return isinstance(error, NotInstalled)

    def tell_owner(self, owner: str, target: str, reason: str) -> None:
        """A direct message to `owner` saying why `target`'s digest cannot be posted, with
        Pause and Resume buttons; if even that fails, the log says so."""
        who = parse_target(owner)
        try:
            client = self.client_for(who.team)
            channel = self._channel(client, who)
            client.chat_postMessage(channel=channel, **unreachable_message(target, reason))
        except (SlackApiError, NotInstalled, *UNKNOWN_OUTCOME) as error:
            log.warning("could not tell %s that %s is unreachable: %s", owner, target, error)

    def client_for(self, team: str) -> WebClient:
        """The client with the bot token of `team`'s install (or the app's), without
        slack_sdk's connection-error retry: `post` looks a message up before a retry."""
        token = self.client.token
        if self.installations is not None:
            bot = self.installations.find_bot(enterprise_id=None, team_id=team)
            if bot is None:
                raise NotInstalled(f"the app is not installed in team {team}")
            token = bot.bot_token
        handlers = [
            handler
            for handler in self.client.retry_handlers
            if not isinstance(handler, ConnectionErrorRetryHandler)
        ]
        return WebClient(token=token, base_url=self.client.base_url, retry_handlers=handlers)

    def _channel(self, client: WebClient, where: Target) -> str:
        """The channel of a channel target; a person's direct message channel, opened once."""
        if where.is_channel:
            return where.id
        key = (where.team, where.id)
        if key not in self._directs:
            self._directs[key] = client.conversations_open(users=where.id)["channel"]["id"]
        return self._directs[key]


def _thread(head: dict | None) -> dict:
    """The fields that put a message into `head`'s thread, without showing it in the
    channel too: the channel keeps one line a digest."""
    return {} if head is None else {"thread_ts": head["ts"], "reply_broadcast": False}


def _history(
    client: WebClient, channel: str, oldest: float, cursor: str | None, head: dict | None
) -> SlackResponse:
    """A page of the channel's messages since `oldest` (its history lists no thread's
    replies), or of the replies in `head`'s thread."""
    common = {"channel": channel, "oldest": f"{oldest:.6f}", "include_all_metadata": True,
              "limit": 200, "cursor": cursor}  # fmt: skip
    if head is None:
        return client.conversations_history(**common)
    return client.conversations_replies(ts=head["ts"], **common)


def digest_metadata(target: str, day: date, part: int, parts: int) -> dict:
    """Slack message metadata naming a digest message: whose, which day, which part."""
    payload = {"target": target, "day": day.isoformat(), "part": part, "parts": parts}
    return {"event_type": DIGEST_EVENT, "event_payload": payload}


def slack_outlet(settings: Settings, store: Store) -> SlackOutlet:
    """The outlet of `settings`: the bot token's workspace, or every OAuth install.

    Its rate buckets are the store's, on the wall clock: the clock's delivery threads and
    every `papers worker` together keep to one workspace's and one channel's limits.
    """
    installs = installation_store(settings, store.engine) if oauth_enabled(settings) else None
    return SlackOutlet(
        web_client(settings), installations=installs, clock=time.time, buckets=store.pacing
    )
