"""Papers by arXiv id: from the store, else from (a fake) arXiv, once per id however asked."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from recommender.http import HttpClient
from recommender.lookup import PaperLookup
from recommender.models import Paper
from recommender.store import Store
from tests.fake_arxiv import FakeArxiv

NOW = datetime(2025, 12, 10, 12, 0, tzinfo=UTC)
KNOWN = "1605.08386"  # the fake arXiv has it


class Ticks:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def lookup(store: Store, fake: FakeArxiv, **options) -> PaperLookup:
    client = HttpClient(retries=1, timeout=5)
    return PaperLookup(store, client, clock=lambda: NOW, base_url=fake.url, **options)


def test_a_paper_in_the_store_asks_nothing(store: Store, fake_arxiv: FakeArxiv) -> None:
    store.upsert([Paper(id="2507.07186", title="Stored already")], now=NOW)
    found = lookup(store, fake_arxiv).papers(["2507.07186"])
    assert found["2507.07186"].title == "Stored already"
    assert fake_arxiv.asked == []


def test_an_unknown_paper_is_fetched_stored_and_not_asked_for_again(
    store: Store, fake_arxiv: FakeArxiv
) -> None:
    papers = lookup(store, fake_arxiv)
    found = papers.papers([KNOWN])
    assert found[KNOWN].title == "Heat-bath random walks with Markov bases"
    assert found[KNOWN].categories == ("math.CO", "math.ST")
    assert store.get(KNOWN) == found[KNOWN]
    assert papers.papers([KNOWN]) == found
    assert fake_arxiv.asked == [KNOWN]


def test_fifty_look_ups_at_once_ask_arxiv_once(sqlite_store: Store, fake_arxiv: FakeArxiv) -> None:
    papers = lookup(sqlite_store, fake_arxiv)
    fake_arxiv.hold()
    results: list[dict] = []
    threads = [threading.Thread(target=lambda: results.append(papers.papers([KNOWN])))
               for _ in range(50)]  # fmt: skip
    for thread in threads:
        thread.start()
    fake_arxiv.wait_for(1)
    fake_arxiv.release()
    for thread in threads:
        thread.join()
    assert fake_arxiv.asked == [KNOWN]
    assert len(results) == 50 and all(KNOWN in found for found in results)


def test_arxiv_late_gives_what_is_known_and_the_paper_arrives_later(
    sqlite_store: Store, fake_arxiv: FakeArxiv
) -> None:
    sqlite_store.upsert([Paper(id="2507.07186", title="Stored already")], now=NOW)
    papers = lookup(sqlite_store, fake_arxiv, wait=0.01)
    fake_arxiv.hold()
    assert list(papers.papers(["2507.07186", KNOWN])) == ["2507.07186"]
    fake_arxiv.release()
    papers.wait = 30.0  # the same flight, now answered: no second call
    assert list(papers.papers([KNOWN, "2507.07186"])) == [KNOWN, "2507.07186"]
    assert fake_arxiv.asked == [KNOWN]


def test_an_id_arxiv_does_not_know_is_asked_again_only_after_a_while(
    sqlite_store: Store, fake_arxiv: FakeArxiv
) -> None:
    ticks = Ticks()
    papers = lookup(sqlite_store, fake_arxiv, remember=60.0, monotonic=ticks)
    for _ in range(3):
        assert papers.papers(["2501.00001"]) == {}
    ticks.now += 61
    assert papers.papers(["2501.00001"]) == {}
    assert fake_arxiv.asked == ["2501.00001", "2501.00001"]


def test_a_failing_arxiv_gives_nothing_and_no_error(
    sqlite_store: Store, fake_arxiv: FakeArxiv
) -> None:
    fake_arxiv.status = 400
    assert lookup(sqlite_store, fake_arxiv).papers([KNOWN]) == {}
    assert sqlite_store.get(KNOWN) is None


def test_several_unknown_ids_go_in_one_call(sqlite_store: Store, fake_arxiv: FakeArxiv) -> None:
    found = lookup(sqlite_store, fake_arxiv).papers([KNOWN, "2501.00001", "astro-ph/0601001"])
    assert list(found) == [KNOWN, "astro-ph/0601001"]
    assert fake_arxiv.asked == [f"{KNOWN},2501.00001,astro-ph/0601001"]


def test_an_id_asked_twice_at_once_is_asked_of_arxiv_once(
    sqlite_store: Store, fake_arxiv: FakeArxiv
) -> None:
    lookup(sqlite_store, fake_arxiv).papers([KNOWN, "astro-ph/0601001", KNOWN])
    assert fake_arxiv.asked == [f"{KNOWN},astro-ph/0601001"]
