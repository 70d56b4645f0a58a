"""Digest delivery: each due digest is planned once, posted part by part, and recorded.

`Deliverer.deliver_due` is the scheduler's delivery tick (`Pipeline.deliver`). For each
(target, local date) the ledger (`store.deliveries`) says is due:

1. No ledger row yet: the Matcher picks the papers, and `begin` stores the plan (the
   digest's `to_dict`, and how the outlet splits it into messages). A retry reads the plan
   back and so posts the very digest the first try meant to, even if new papers arrived
   since.
2. Each message is claimed (`claim`, which checks that this process still holds the
   delivery lease: `fence`; LeaseLost stops the whole run at once), posted, then recorded
   with `posted`, before the next one: after a crash the next tick posts only the messages
   that did not go out. A message claimed but not recorded may have gone out: the outlet
   looks it up (`find`) and it is posted again only if it is not there.
3. `record_digest` writes the picks to the sent ledger, then `finish` closes the row. In
   this order a crash between the two leaves a row that the next tick finishes without
   posting again (recording is idempotent); the other order could lose the sent record
   and repeat the picks in the next digest.

A target that fails is marked `fail` and retried on the next tick; the others go on.
Where the messages go is an `Outlet`'s: `bot.delivery.SlackOutlet` posts to Slack,
`bot.console.ConsoleOutlet` prints the same messages.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Protocol, TypeVar

from recommender.digest import Digest, record_digest
from recommender.errors import PapersError, ProfileNotFound
from recommender.matching import Matcher
from recommender.models import Paper
from recommender.store import Store
from recommender.store.deliveries import Delivery
from recommender.store.jobs import Fence, LeaseLost

log = logging.getLogger(__name__)

# How long after its time a digest may still go out (after downtime, say); later, that
# day's digest is skipped rather than sent late.
GRACE = timedelta(hours=12)
# How far back the App Home looks for the latest digest, and how many of its picks it shows.
RECENT_DAYS = 14
RECENT_SHOWN = 10
# How far the outlet's clock may lag ours: a message of unknown outcome is looked for from
# this long before it was claimed.
CLOCK_SKEW = timedelta(minutes=5)

Clock = Callable[[], datetime]
Message = TypeVar("Message")


class Outlet(Protocol[Message]):
    """Where digests go (Slack, the console, e-mail): their messages, and how to send one."""

    def sizes(self, digest: Digest, day: date, target: str) -> list[int]:
        """How many picks each message of `target`'s digest for `day` holds, in order."""
        ...

    def render(self, digest: Digest, sizes: list[int], day: date, target: str) -> list[Message]:
        """The digest as messages of `sizes` picks each."""
        ...

    def post(self, target: str, message: Message) -> dict[str, Any]:
        """Send one message to `target`; return what the ledger keeps of it (JSON-able)."""
        ...

    def find(self, target: str, message: Message, since: datetime) -> dict[str, Any] | None:
        """The message if it reached `target` at or after `since` (what `post` returns)."""
        ...

    def reason(self, error: Exception) -> str:
        """A short reason for the ledger why a delivery failed (see `failure_reason`)."""
        ...


def failure_reason(error: Exception) -> str:
    """The ledger's reason for an error no outlet knows better: its class and message."""
    return f"{error.__class__.__name__}: {error}"


def planned_digest(store: Store, target: str, plan: dict[str, Any]) -> Digest:
    """The digest a delivery's plan describes, its times in the zone of `target`'s schedule
    (UTC without one), as its reader sees them."""
    # Plans of version 1 do not name their target.
    digest = Digest.from_dict({"target": target, **plan}, store)
    schedule = store.subscriptions.get(target)
    return digest.in_zone(schedule.zone) if schedule is not None else digest


class Deliverer:
    """Delivers every due digest through an outlet, keeping the delivery ledger."""

    def __init__(
        self,
        store: Store,
        matcher: Matcher,
        outlet: Outlet[Any],
        clock: Clock,
        *,
        grace: timedelta = GRACE,
    ) -> None:
        self.store = store
        self.matcher = matcher
        self.outlet = outlet
        self.clock = clock
        self.grace = grace

    def deliver_due(
        self,
        now: datetime,
        *,
        fence: Fence | None = None,
        progress: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Deliver what is due at `now`; counts of due, delivered and failed digests, messages.

        Each post is fenced by `fence` (the delivery lease; LeaseLost once it is lost);
        `progress` gets the counts so far before each target.
        """
        due = self.store.deliveries.due(now, grace=self.grace)
        fresh = self.fresh_digests(due, now)
        counts = Counter(due=len(due), delivered=0, failed=0, messages=0)
        for target, day in due:
            if progress is not None:
                progress(dict(counts))
            try:
                # A batch digest serves a target's first due day only: a later day's digest
                # must be matched after the earlier one is recorded as sent.
                digest = fresh.pop(target, None)
                counts["messages"] += self._deliver(target, day, digest, now, fence)
                counts["delivered"] += 1
            except LeaseLost:
                raise  # another process delivers now: not one more post from here
            except Exception as error:  # one target's failure must not stop the others
                log.exception("digest of %s for %s failed", target, day)
                reason = self.outlet.reason(error)
                self.store.deliveries.fail(target, day, reason, now=self.clock())
                counts["failed"] += 1
        return dict(counts)

    def fresh_digests(self, due: list[tuple[str, date]], now: datetime) -> dict[str, Digest]:
        """Digests of the targets that have no ledger row yet, matched in one batch."""
        ledger = self.store.deliveries
        targets = {target for target, day in due if ledger.get(target, day) is None}
        profiles = {}
        for target in sorted(targets):
            try:
                profiles[target] = self.store.profiles.get(target)
            except PapersError:
                log.exception("the stored profile of %s is unusable", target)
        try:
            return self.matcher.digests({t: p for t, p in profiles.items() if p}, now=now)
        except PapersError:  # each target is then matched (and fails) on its own
            log.exception("matching the due digests failed")
            return {}

    def _deliver(
        self, target: str, day: date, fresh: Digest | None, now: datetime, fence: Fence | None
    ) -> int:
        """Post what of one digest has not gone out yet; the number of messages posted."""
        ledger = self.store.deliveries
        delivery = ledger.begin(target, day, self.plan(target, day, fresh, now), now=self.clock())
        if delivery.done:
            return 0
        digest, messages = self.render(target, day, delivery.plan)
        done = len(delivery.posted)
        if delivery.unknown and (found := self._find(target, messages[done], delivery)):
            ledger.posted(target, day, found, now=self.clock())
            done += 1
        left = messages[done:]
        for message in left:
            ledger.claim(target, day, fence, now=self.clock())
            ledger.posted(target, day, self.outlet.post(target, message), now=self.clock())
        record_digest(self.store, digest)
        ledger.finish(target, day, now=self.clock())
        return len(left)

    def _find(self, target: str, message: Any, delivery: Delivery) -> dict[str, Any] | None:
        """The message whose post's outcome is unknown, if it went out after its claim."""
        found = self.outlet.find(target, message, since=delivery.updated - CLOCK_SKEW)
        log.info("a post to %s of unknown outcome was %s", target, "found" if found else "absent")
        return found

    def plan(self, target: str, day: date, fresh: Digest | None, now: datetime) -> dict[str, Any]:
        """The digest's plan: the one an earlier try stored, else a new one."""
        delivery = self.store.deliveries.get(target, day)
        if delivery is not None and delivery.plan is not None:
            return delivery.plan
        digest = fresh if fresh is not None else self._digest(target, now)
        return {**digest.to_dict(), "sizes": self.outlet.sizes(digest, day, target)}

    def render(self, target: str, day: date, plan: dict[str, Any]) -> tuple[Digest, list[Any]]:
        """The digest a plan describes, and its messages (times in the target's zone)."""
        digest = planned_digest(self.store, target, plan)
        return digest, self.outlet.render(digest, plan["sizes"], day, target)

    def _digest(self, target: str, now: datetime) -> Digest:
        profile = self.store.profiles.get(target)
        if profile is None:
            raise ProfileNotFound(f"{target} is subscribed but has no profile")
        return self.matcher.digest(target, profile, now=now)


class DryRun(Deliverer):
    """Sends what is due through the outlet and writes nothing: no ledger row, no sent
    record, so the real delivery still happens later (`papers run-once --dry-run`)."""

    def deliver_due(self, now: datetime, **unused: Any) -> dict[str, Any]:
        """Preview what is due; no fence, since nothing is posted for real."""
        due = self.store.deliveries.due(now, grace=self.grace)
        fresh = self.fresh_digests(due, now)
        for target, day in due:
            plan = self.plan(target, day, fresh.pop(target, None), now)
            _, messages = self.render(target, day, plan)
            for message in messages:
                self.outlet.post(target, message)
        return {"due": len(due), "previewed": len(due)}


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
