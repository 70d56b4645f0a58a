"""The delivery core (recommender/delivery.py) through a recording outlet: planned once,
posted part by part, resumed after a crash, recorded; the Slack outlet is in tests/slack."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from recommender import SAMPLES_DIR
from recommender.delivery import Deliverer, DryRun, failure_reason, recent_picks
from recommender.digest import Digest
from recommender.embed import HashEmbedder
from recommender.engine import Engine
from recommender.indexes import Indexer
from recommender.ingest import IngestReport, ingest_file
from recommender.lease import Lease, LeaseLost
from recommender.matching import Matcher
from recommender.models import Paper
from recommender.profiles import Profile
from recommender.schedule import Schedule
from recommender.store import Store
from recommender.store.messages import PaperMessage

NOW = datetime(2025, 12, 10, 12, 0, tzinfo=UTC)
DAY = NOW.date()
ALICE, BOB = "user:T1:U0ALICE", "user:T1:U0BOB"


class PostFailed(Exception):
    """The fake outlet's transport error."""


class Gone(Exception):
    """The fake outlet's error that no retry cures (the app was removed from a channel)."""


class Recorder:
    """An outlet that posts messages of at most `per_message` pick ids into a list."""

    def __init__(self, per_message: int = 3) -> None:
        self.per_message = per_message
        self.posted: list[tuple[str, list[str]]] = []
        self.calls = 0
        self.failing_calls: set[int] = set()  # which posts (the 1st, 2nd, ...) fail
        self.refused: set[str] = set()  # targets every post to fails
        self.gone: set[str] = set()  # targets every post to fails for good
        self.told: list[tuple[str, str, str]] = []  # (owner, target, reason) of tell_owner
        self.heads: list[dict | None] = []  # the `head` each post went under

    def sizes(self, digest: Digest, day: date, target: str) -> list[int]:
        left, sizes = len(digest.picks), []
        while left > 0:
            sizes.append(min(self.per_message, left))
            left -= sizes[-1]
        return sizes or [0]

    def render(self, digest: Digest, sizes: list[int], day: date, target: str) -> list[list[str]]:
        ids = [pick.paper.id for pick in digest.picks]
        starts = [sum(sizes[:n]) for n in range(len(sizes))]
        return [ids[start : start + size] for start, size in zip(starts, sizes, strict=True)]

    def post(self, target: str, message: list[str], head: dict | None) -> dict:
        self.calls += 1
        if self.calls in self.failing_calls or target in self.refused:
            raise PostFailed("connection reset")
        if target in self.gone:
            raise Gone("not_in_channel")
        self.posted.append((target, message))
        self.heads.append(head)
        return {"n": len(self.posted)}

    def find(self, target: str, message: list[str], since: datetime, head: dict | None
             ) -> dict | None:  # fmt: skip
        for n, posted in enumerate(self.posted, 1):
            if posted == (target, message):
                return {"n": n}
        return None

    def paper_message(self, target: str, post: dict, paper_id: str) -> PaperMessage:
        return PaperMessage("T1", "C1", f"{post['n']}.000100", paper_id, "digest", owner=target)

    def reason(self, error: Exception) -> str:
        return f"fake: {error}" if isinstance(error, PostFailed) else failure_reason(error)

    def permanent(self, error: Exception) -> bool:
        return isinstance(error, Gone)

    def tell_owner(self, owner: str, target: str, reason: str) -> None:
        self.told.append((owner, target, reason))


@pytest.fixture
def store(sqlite_store: Store, tmp_path: Path) -> Store:
    """The bundled samples, first seen at NOW, indexed with the hashing embedder."""
    report = IngestReport()
    for path in sorted(SAMPLES_DIR.glob("*.txt")):
        ingest_file(sqlite_store, path, report, now=NOW)
    Indexer(sqlite_store, tmp_path / "index", HashEmbedder()).update()
    return sqlite_store


@pytest.fixture
def matcher(store: Store, tmp_path: Path) -> Matcher:
    return Matcher(Engine(store, tmp_path / "index", HashEmbedder()))


@pytest.fixture
def outlet() -> Recorder:
    return Recorder()


@pytest.fixture
def deliverer(store: Store, matcher: Matcher, outlet: Recorder) -> Deliverer:
    return Deliverer(store, matcher, outlet, lambda: NOW)


def subscribe(store: Store, target: str, **profile) -> None:
    """A subscribed target whose 09:00 UTC digest is due at NOW."""
    profile.setdefault("description", "speculative decoding and quantization for LLM inference")
    store.profiles.save(target, Profile(**profile), now=NOW)
    store.subscriptions.save(target, Schedule(at="09:00", tz="UTC"), now=NOW)


def posted_ids(outlet: Recorder, target: str) -> list[str]:
    return [paper for to, message in outlet.posted if to == target for paper in message]


def test_a_due_digest_is_planned_posted_in_parts_and_recorded(
    deliverer: Deliverer, store: Store, outlet: Recorder
) -> None:
    subscribe(store, ALICE)
    assert deliverer.deliver_due(NOW) == {"due": 1, "delivered": 1, "failed": 0, "messages": 2}
    delivery = store.deliveries.get(ALICE, DAY)
    assert delivery.done and delivery.posted == ({"n": 1}, {"n": 2})
    assert (delivery.plan["v"], delivery.plan["target"], delivery.plan["sizes"]) == (
        2, ALICE, [3, 2],
    )  # fmt: skip
    planned = [pick["id"] for pick in delivery.plan["picks"]]
    assert posted_ids(outlet, ALICE) == planned and len(planned) == 5
    assert store.sent.papers([ALICE], planned)[ALICE] == set(planned)


def test_a_digest_run_twice_posts_once(deliverer: Deliverer, store: Store, outlet: Recorder):
    subscribe(store, ALICE)
    deliverer.deliver_due(NOW)
    again = deliverer.deliver_due(NOW + timedelta(minutes=5))
    assert again == {"due": 0, "delivered": 0, "failed": 0, "messages": 0}
    assert len(outlet.posted) == 2


def test_a_crash_between_posts_resumes_the_planned_digest(
    deliverer: Deliverer, store: Store, outlet: Recorder
) -> None:
    subscribe(store, ALICE)
    outlet.per_message = 1
    outlet.failing_calls.add(3)  # as if the process died there
    first = deliverer.deliver_due(NOW)
    assert (first["delivered"], first["failed"], first["messages"]) == (0, 1, 0)
    delivery = store.deliveries.get(ALICE, DAY)
    assert (delivery.status, delivery.error, len(delivery.posted)) == (
        "failed", "fake: connection reset", 2,
    )  # fmt: skip
    # New papers arrive meanwhile: the retry still posts the digest the first try planned.
    store.upsert([Paper(id="2512.00001", title="LLM quantization again")], now=NOW)
    second = deliverer.deliver_due(NOW + timedelta(minutes=5))
    assert (second["delivered"], second["messages"]) == (1, 3)
    planned = [pick["id"] for pick in store.deliveries.get(ALICE, DAY).plan["picks"]]
    assert posted_ids(outlet, ALICE) == planned and "2512.00001" not in planned
    assert store.deliveries.get(ALICE, DAY).attempts == 2
    # The retry's posts go under the first message, as the ledger recorded it.
    assert outlet.heads == [None, {"n": 1}, {"n": 1}, {"n": 1}, {"n": 1}]
    # Each message of one pick names its paper, so that a reaction on it can teach.
    named = [store.messages.find("T1", "C1", f"{n}.000100") for n in range(1, 6)]
    assert [message.paper_id for message in named] == planned
    assert {(message.kind, message.owner) for message in named} == {("digest", ALICE)}


def test_a_post_recorded_just_before_a_crash_still_names_its_paper(
    deliverer: Deliverer, store: Store, outlet: Recorder
) -> None:
    subscribe(store, ALICE)
    outlet.per_message = 1
    plan = deliverer.plan(ALICE, DAY, None, NOW)
    store.deliveries.begin(ALICE, DAY, plan, now=NOW)
    store.deliveries.claim(ALICE, DAY, None, now=NOW)
    _, messages = deliverer.render(ALICE, DAY, plan)
    store.deliveries.posted(ALICE, DAY, outlet.post(ALICE, messages[0], None), now=NOW)
    assert store.messages.find("T1", "C1", "1.000100") is None  # the crash came here
    assert deliverer.deliver_due(NOW + timedelta(minutes=5))["messages"] == 4
    assert store.messages.find("T1", "C1", "1.000100").paper_id == plan["picks"][0]["id"]


def test_one_failing_target_does_not_stop_the_others(
    deliverer: Deliverer, store: Store, outlet: Recorder
) -> None:
    subscribe(store, ALICE)
    subscribe(store, BOB)
    outlet.refused.add(ALICE)
    counts = deliverer.deliver_due(NOW)
    assert (counts["delivered"], counts["failed"]) == (1, 1)
    [failing] = store.deliveries.failing()
    assert (failing.target, failing.error) == (ALICE, "fake: connection reset")
    outlet.refused.clear()
    # The next tick tries again, and only the one that failed.
    assert deliverer.deliver_due(NOW + timedelta(minutes=5))["delivered"] == 1
    assert [target for target, _ in outlet.posted] == [BOB, BOB, ALICE, ALICE]


def test_a_digest_that_cannot_be_matched_shows_as_failing(
    deliverer: Deliverer, store: Store, outlet: Recorder
) -> None:
    store.subscriptions.save(ALICE, Schedule(at="09:00", tz="UTC"), now=NOW)  # no profile
    assert deliverer.deliver_due(NOW)["failed"] == 1
    [failing] = store.deliveries.failing()
    assert failing.target == ALICE and failing.error.startswith("ProfileNotFound: ")
    assert outlet.posted == []
    subscribe(store, ALICE)
    assert deliverer.deliver_due(NOW + timedelta(minutes=5))["delivered"] == 1
    assert store.deliveries.failing() == []


def test_each_missed_day_goes_out_once_without_repeating_a_paper(
    store: Store, matcher: Matcher, outlet: Recorder
) -> None:
    subscribe(store, ALICE)
    late = Deliverer(store, matcher, outlet, lambda: NOW, grace=timedelta(days=2))
    assert late.deliver_due(NOW + timedelta(days=1))["delivered"] == 2
    first, second = (store.deliveries.get(ALICE, DAY + timedelta(days=n)) for n in (0, 1))
    assert len(first.plan["picks"]) == 5 and second.plan["picks"] == []
    assert second.plan["sizes"] == [0] and second.posted == ({"n": 3},)


def test_a_plan_stored_by_version_1_is_still_delivered(
    deliverer: Deliverer, store: Store, outlet: Recorder
) -> None:
    subscribe(store, ALICE)
    paper = Paper(id="2512.00002", title="Draft models")
    store.upsert([paper], now=NOW)
    key = store.keys_of([paper.id])[paper.id]
    plan = {
        "v": 1, "since": None, "until": NOW.isoformat(), "new": 3, "notices": [], "sizes": [1],
        "picks": [{"id": paper.id, "key": key, "title": paper.title, "score": 0.5,
                   "keywords": [], "closest": None, "authors": []}],
    }  # fmt: skip
    store.deliveries.begin(ALICE, DAY, plan, now=NOW)  # as a try that died before posting
    assert deliverer.deliver_due(NOW + timedelta(minutes=5))["messages"] == 1
    assert outlet.posted == [(ALICE, [paper.id])]
    assert store.sent.papers([ALICE], [paper.id])[ALICE] == {paper.id}
    assert recent_picks(store, ALICE, UTC, now=NOW) == [paper]


def test_a_dry_run_posts_and_writes_nothing(store: Store, matcher: Matcher, outlet: Recorder):
    subscribe(store, ALICE)
    dry = DryRun(store, matcher, outlet, lambda: NOW)
    assert dry.deliver_due(NOW) == {"due": 1, "previewed": 1}
    assert len(posted_ids(outlet, ALICE)) == 5
    assert store.deliveries.get(ALICE, DAY) is None
    assert store.sent.last([ALICE]) == {}


def test_recent_picks_are_the_latest_delivered_digests(
    deliverer: Deliverer, store: Store, outlet: Recorder
) -> None:
    subscribe(store, ALICE)
    assert recent_picks(store, ALICE, UTC, now=NOW) == []
    deliverer.deliver_due(NOW)
    planned = [pick["id"] for pick in store.deliveries.get(ALICE, DAY).plan["picks"]]
    assert [paper.id for paper in recent_picks(store, ALICE, UTC, now=NOW)] == planned
    assert [p.id for p in recent_picks(store, ALICE, UTC, now=NOW, limit=2)] == planned[:2]
    two_weeks = NOW + timedelta(days=14)
    assert recent_picks(store, ALICE, UTC, now=two_weeks) == []


def test_a_deliverer_that_lost_the_lease_stops_before_its_next_post(
    deliverer: Deliverer, store: Store, outlet: Recorder
) -> None:
    subscribe(store, ALICE)
    subscribe(store, BOB)
    fence = Lease(store.jobs, "scheduler:a").take(NOW)
    outlet.per_message = 1
    real_post = outlet.post

    def post_then_lose_the_lease(target: str, message: list[str], head: dict | None) -> dict:
        Lease(store.jobs, "run-once:b").take(NOW, force=True)
        return real_post(target, message, head)

    outlet.post = post_then_lose_the_lease
    with pytest.raises(LeaseLost):
        deliverer.deliver_due(NOW, fence=fence)
    assert len(outlet.posted) == 1  # the post in flight when the lease changed hands
    assert store.deliveries.failing() == []  # not a failure of the target: nobody's retry


CHANNEL = "channel:T1:C0PAPERS"


def test_permanent_failures_tell_the_owner_once_and_pause_after_three(
    deliverer: Deliverer, store: Store, outlet: Recorder
) -> None:
    subscribe(store, CHANNEL)
    store.subscriptions.restore(
        CHANNEL, {"schedule": Schedule(at="09:00", tz="UTC").as_dict(), "owner": BOB}, now=NOW
    )
    subscribe(store, ALICE)
    outlet.gone.add(CHANNEL)
    counts = [deliverer.deliver_due(NOW + timedelta(minutes=5 * tick)) for tick in range(4)]
    assert [(c["due"], c["failed"]) for c in counts] == [(2, 1), (1, 1), (1, 1), (0, 0)]
    assert outlet.told == [(BOB, CHANNEL, "Gone: not_in_channel")]
    assert outlet.calls - len(outlet.posted) == 3  # the channel was tried three times
    assert store.subscriptions.state(CHANNEL).paused == "Gone: not_in_channel"


def test_a_transient_failure_is_not_counted(
    deliverer: Deliverer, store: Store, outlet: Recorder
) -> None:
    subscribe(store, CHANNEL)
    outlet.refused.add(CHANNEL)
    for tick in range(4):
        deliverer.deliver_due(NOW + timedelta(minutes=5 * tick))
    assert (outlet.told, store.subscriptions.state(CHANNEL).failures) == ([], 0)


def test_a_pause_skips_the_later_missed_days_of_the_same_run(
    deliverer: Deliverer, store: Store, outlet: Recorder
) -> None:
    subscribe(store, CHANNEL)
    outlet.gone.add(CHANNEL)
    deliver = Deliverer(store, deliverer.matcher, outlet, lambda: NOW, pause_after=1)
    # After two days of downtime, two days are due; the first pauses the channel.
    later = NOW + timedelta(days=1)
    assert len(store.deliveries.due(later, grace=timedelta(days=2))) == 2
    deliver.grace = timedelta(days=2)
    assert deliver.deliver_due(later)["failed"] == 1
    assert outlet.calls == 1 and outlet.told == []  # no owner: no one to tell


def test_workers_claim_the_due_digests_of_many_workspaces_interleaved(
    deliverer: Deliverer, store: Store
) -> None:
    teams = {team: [f"user:{team}:U{n:02d}" for n in range(8)] for team in ("TA", "TB", "TC")}
    for targets in teams.values():
        for target in targets:
            subscribe(store, target)
    assert deliverer.queue_due(NOW)["queued"] == 24
    claims = store.deliveries.claim_queued("w1", now=NOW, ttl=timedelta(minutes=5), limit=6)
    claimed_teams = {claim.target.split(":")[1] for claim in claims}
    assert len(claimed_teams) > 1  # in name order the first six would all be TA's
