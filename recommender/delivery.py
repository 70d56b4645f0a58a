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

A target that fails is marked `fail` and retried on the next tick; the others go on. A
failure the outlet calls permanent (`Outlet.permanent`: Slack's `not_in_channel`, say) is
counted on the subscription: at the first one of a run of them, whoever set the target up is
told (`Outlet.tell_owner`); after `PAUSE_AFTER` in a row the subscription is paused until
someone resumes it. A delivery that goes out ends the run.

On PostgreSQL the posting can be spread over workers (`DeliveryWorker`: threads of the
clock, and `papers worker` processes): the clock's tick plans each due digest and queues
it (`queue_due`); each worker claims queued deliveries one at a time, each claim the fence
of its posts, and posts them as above (`deliver_claimed`). A target's later due days wait
for its earlier one to go out, since a digest is matched after the one before is recorded.

Where the messages go is an `Outlet`'s: `bot.delivery.SlackOutlet` posts to Slack,
`bot.console.ConsoleOutlet` prints the same messages. Every message after the first goes
under it (`head`: in Slack, into its thread), and the first's post comes from the ledger,
so a message posted after a crash still finds its place. A message that holds exactly one
pick is recorded as naming that paper (`Outlet.paper_message`), so that a reaction on it
teaches the reactor (`recommender.reactions`).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Protocol, TypeVar

from recommender.digest import Digest, record_digest
from recommender.errors import PapersError, ProfileNotFound
from recommender.matching import Matcher
from recommender.models import Paper
from recommender.store import Store
from recommender.store.deliveries import Delivery, DeliveryClaim
from recommender.store.jobs import Fence, LeaseLost
from recommender.store.messages import PaperMessage

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
# Failed tries in a row, each permanent, after which a subscription is paused. Not 1: a
# failure can race a fix (someone is inviting the app right now, a channel is being moved),
# and its owner, told at the first, gets two more ticks (ten minutes at the scheduler's
# five) to fix it unseen. Not more: every try is a failed call and a ledger row to read,
# where before this a dead channel was retried every tick for the whole 12-hour grace.
PAUSE_AFTER = 3
# How far apart the queue times of two digests queued in one run are at least.
QUEUE_STEP = timedelta(microseconds=1)

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

    def post(self, target: str, message: Message, head: dict[str, Any] | None) -> dict[str, Any]:
        """Send one message to `target`, under `head` (what `post` returned for the digest's
        first message; None for the first itself); return what the ledger keeps of it
        (JSON-able)."""
        ...

    def find(
        self, target: str, message: Message, since: datetime, head: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        """The message if it reached `target` (under `head`) at or after `since` (what
        `post` returns)."""
        ...

    def paper_message(
        self, target: str, post: dict[str, Any], paper_id: str
    ) -> PaperMessage | None:
        """The posted message `post` of `target`'s digest that holds the one pick `paper_id`,
        as the store records it for reactions; None where no one can react to it."""
        ...

    def reason(self, error: Exception) -> str:
        """A short reason for the ledger why a delivery failed (see `failure_reason`)."""
        ...

    def permanent(self, error: Exception) -> bool:
        """Whether trying again cannot help until someone acts (the app removed from the
        channel, its token revoked); rate limits, server errors and timeouts are not."""
        ...

    def tell_owner(self, owner: str, target: str, reason: str) -> None:
        """Tell `owner`, who set `target` up, that its digests cannot be delivered, and why."""
        ...


def spread(due: tuple[str, date]) -> tuple[bytes, date]:
    """The order in which due digests are queued: targets shuffled (the same way every
    time), each one's days oldest first. In name order one workspace's targets (names
    that share a prefix) would be claimed together, and its rate limit would hold every
    worker while the other workspaces wait."""
    target, day = due
    return hashlib.blake2b(target.encode(), digest_size=8).digest(), day


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
        pause_after: int = PAUSE_AFTER,
    ) -> None:
        self.store = store
        self.matcher = matcher
        self.outlet = outlet
        self.clock = clock
        self.grace = grace
        self.pause_after = pause_after

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
        paused: set[str] = set()
        for target, day in due:
            if progress is not None:
                progress(dict(counts))
            if target in paused:
                continue  # paused by an earlier day's failure in this run
            try:
                # A batch digest serves a target's first due day only: a later day's digest
                # must be matched after the earlier one is recorded as sent.
                digest = fresh.pop(target, None)
                counts["messages"] += self._deliver(target, day, digest, now, fence)
                counts["delivered"] += 1
            except LeaseLost:
                raise  # another process delivers now: not one more post from here
            except Exception as error:  # one target's failure must not stop the others
                counts["failed"] += 1
                if self._failed(target, day, error):
                    paused.add(target)
        return dict(counts)

    def _unreachable(self, target: str, reason: str) -> bool:
        """Count a permanent failure of `target`; tell its owner at the first one of a run.
        Whether the subscription is now paused."""
        state = self.store.subscriptions.failed(
            target, reason, pause_after=self.pause_after, now=self.clock()
        )
        if state is None:
            return False
        if state.paused is not None:
            log.warning(
                "paused the digests of %s after %d failures: %s", target, state.failures, reason
            )
        if state.failures == 1 and state.owner not in (None, target):
            self.outlet.tell_owner(state.owner, target, reason)
        return state.paused is not None

    def queue_due(self, now: datetime) -> dict[str, Any]:
        """Plan what is due at `now` and queue it for the workers; counts of due digests,
        queued ones, ones already queued, and failed ones (no plan could be made)."""
        ledger = self.store.deliveries
        due = ledger.due(now, grace=self.grace)
        fresh = self.fresh_digests(due, now)
        counts = Counter(due=len(due), queued=0, waiting=0, failed=0)
        first: set[str] = set()
        last: datetime | None = None
        for target, day in sorted(due, key=spread):
            if target in first:
                continue  # matched once its earlier day is recorded as sent
            first.add(target)
            if (earlier := ledger.get(target, day)) is not None and earlier.queued:
                counts["waiting"] += 1
                continue
            try:
                plan = self.plan(target, day, fresh.pop(target, None), now)
                ledger.begin(target, day, plan, now=self.clock())
                # A microsecond after the one queued before it: workers claim the oldest
                # first, and so in this order even where the clock did not move between two.
                at = self.clock() if last is None else max(self.clock(), last + QUEUE_STEP)
                ledger.queue(target, day, now=at)
                last = at
                counts["queued"] += 1
            except Exception as error:  # one target's failure must not stop the others
                self._failed(target, day, error)
                counts["failed"] += 1
        return dict(counts)

    def deliver_claimed(self, claim: DeliveryClaim) -> int:
        """Post what of a claimed delivery has not gone out; the number of messages posted.

        A failure is recorded and the delivery given back for the next tick; a claim lost
        to another worker (LeaseLost) leaves it to that one.
        """
        delivery = self.store.deliveries.get(claim.target, claim.day)
        try:
            return self._post_rest(delivery, claim)
        except LeaseLost:
            log.warning("%s lost %s %s to another worker", claim.worker, claim.target, claim.day)
            return 0
        except Exception as error:  # one target's failure must not stop the worker
            self._failed(claim.target, claim.day, error)
            self.store.deliveries.unqueue(claim)
            return 0

    def _failed(self, target: str, day: date, error: Exception) -> bool:
        """Record a failed try; whether it was permanent and paused the subscription."""
        log.exception("digest of %s for %s failed", target, day)
        reason = self.outlet.reason(error)
        self.store.deliveries.fail(target, day, reason, now=self.clock())
        return self.outlet.permanent(error) and self._unreachable(target, reason)

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
        plan = self.plan(target, day, fresh, now)
        delivery = self.store.deliveries.begin(target, day, plan, now=self.clock())
        return self._post_rest(delivery, fence)

    def _post_rest(self, delivery: Delivery, fence: Fence | DeliveryClaim | None) -> int:
        """Post the messages of a begun delivery that have not gone out, then record it."""
        if delivery.done:
            return 0
        ledger = self.store.deliveries
        target, day = delivery.target, delivery.day
        digest, messages = self.render(target, day, delivery.plan)
        posts = list(delivery.posted)
        for part, post in enumerate(posts):  # a crash may have come before it was named
            self._name(target, digest, delivery.plan["sizes"], part, post)
        if delivery.unknown and (found := self._find(target, messages, posts, delivery)):
            self._posted(delivery, digest, posts, found)
        left = messages[len(posts) :]
        for message in left:
            ledger.claim(target, day, fence, now=self.clock())
            head = posts[0] if posts else None
            self._posted(delivery, digest, posts, self.outlet.post(target, message, head))
        record_digest(self.store, digest)
        ledger.finish(target, day, now=self.clock())
        self.store.subscriptions.reached(target)
        return len(left)

    def _find(
        self, target: str, messages: list[Any], posts: list[dict[str, Any]], delivery: Delivery
    ) -> dict[str, Any] | None:
        """The message after `posts`, whose post's outcome is unknown, if it went out after
        its claim."""
        since, head = delivery.updated - CLOCK_SKEW, posts[0] if posts else None
        found = self.outlet.find(target, messages[len(posts)], since, head)
        log.info("a post to %s of unknown outcome was %s", target, "found" if found else "absent")
        return found

    def _posted(
        self, delivery: Delivery, digest: Digest, posts: list[dict[str, Any]], post: dict[str, Any]
    ) -> None:
        """Record that the next message went out as `post`, and name its paper if it has one."""
        self.store.deliveries.posted(delivery.target, delivery.day, post, now=self.clock())
        self._name(delivery.target, digest, delivery.plan["sizes"], len(posts), post)
        posts.append(post)

    def _name(
        self, target: str, digest: Digest, sizes: list[int], part: int, post: dict[str, Any]
    ) -> None:
        """Record message `part` (from 0) as naming its paper, if it holds just one pick."""
        if sizes[part] != 1:
            return
        pick = digest.picks[sum(sizes[:part])]
        named = self.outlet.paper_message(target, post, pick.paper.id)
        if named is not None:
            self.store.messages.record(named, now=self.clock())

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


# How long a worker with nothing to claim waits before it looks again.
POLL = timedelta(seconds=2)


@dataclass(frozen=True)
class DeliveryWorker:
    """One sender of queued deliveries: claims them one at a time and posts them.

    `ttl` is how long a claim holds without a post (each post renews it): a worker dead
    or stalled for longer is taken over by another, which finds its last post by looking
    it up (`Deliverer._find`). Several run side by side, as threads and as processes.
    """

    deliverer: Deliverer
    name: str
    ttl: timedelta

    def drain(self) -> Counter:
        """Deliver queued deliveries until none is left to claim; counts."""
        counts: Counter = Counter()
        while self.step(counts):
            pass
        return counts

    def run(self, stop: threading.Event, poll: timedelta = POLL) -> Counter:
        """Deliver queued deliveries as they come, until `stop` is set; counts."""
        counts: Counter = Counter()
        while not stop.is_set():
            if not self.step(counts):
                stop.wait(poll.total_seconds())
        return counts

    def step(self, counts: Counter) -> bool:
        """Claim one queued delivery and post it; False when there was none to claim."""
        ledger = self.deliverer.store.deliveries
        now = self.deliverer.clock()
        claims = ledger.claim_queued(self.name, now=now, ttl=self.ttl, limit=1)
        for claim in claims:
            counts["messages"] += self.deliverer.deliver_claimed(claim)
            done = ledger.get(claim.target, claim.day).done
            counts["delivered" if done else "failed"] += 1
        return bool(claims)


def drain_with_threads(workers: list[DeliveryWorker]) -> Counter:
    """Run `workers` on a thread each until the queue is empty; their counts summed."""
    results: list[Counter] = [Counter() for _ in workers]
    threads = [
        threading.Thread(target=lambda i=i, w=w: results[i].update(w.drain()), name=w.name)
        for i, w in enumerate(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(results, Counter())


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
            head = None
            for message in messages:
                posted = self.outlet.post(target, message, head)
                head = posted if head is None else head
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
