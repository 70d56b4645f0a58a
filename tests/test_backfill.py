"""Backfilling from OAI-PMH: resumable page by page, forgotten tokens, bad records,
embedding in committed batches, and searches answering while it runs."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import alembic.command
import numpy as np
import pytest
from sqlalchemy import create_engine, inspect

from bot.cli.context import Context
from bot.cli.jobs import harvest_progress
from bot.config import Settings
from recommender import indexes
from recommender.backfill import Backfill
from recommender.embed import HashEmbedder
from recommender.engine import Engine
from recommender.http import HttpClient
from recommender.indexes import Indexer, IndexFollower
from recommender.ingest import IngestReport
from recommender.pipeline import pipeline_status
from recommender.store import Store
from recommender.store.harvests import Harvest
from tests.fake_oai import FakeOai, Record, copies, paper_id
from tests.test_store import _migrate

NOW = datetime(2024, 6, 1, tzinfo=UTC)
FROM = date(2024, 1, 1)


@pytest.fixture
def fake(request: pytest.FixtureRequest) -> Iterator[FakeOai]:
    """Ten records, three a day, four a page (override with `fake_records`)."""
    records = getattr(request, "param", None) or copies(10, per_day=3)
    with FakeOai(records).running() as running:
        yield running


def backfill(store: Store, **kwargs) -> Backfill:
    return Backfill(store, HttpClient(retries=1), lambda: NOW, **kwargs)


def request_of(fake: FakeOai) -> Harvest:
    return Harvest(base_url=fake.url, set_spec="cs", from_date=FROM)


def harvested(store: Store, fake: FakeOai, **kwargs) -> tuple[IngestReport, Harvest | None]:
    report = IngestReport()
    runner = backfill(store, **kwargs)
    return report, runner.run(runner.resume(request_of(fake)), report)


def test_a_backfill_stores_every_page_once_and_finishes(store: Store, fake: FakeOai):
    report, harvest = harvested(store, fake)
    assert report.ok and len(report.added) == 10
    assert store.count() == 10
    saved = store.harvests.get(request_of(fake).request)
    assert (saved.finished, saved.pages, saved.records, saved.total) == (True, 3, 10, 10)
    assert saved.latest == date(2024, 1, 4) and saved.token is None and saved == harvest
    assert fake.asked[0] == {
        "verb": "ListRecords", "metadataPrefix": "arXivRaw", "from": "2024-01-01", "set": "cs"
    }  # fmt: skip
    assert [query.get("resumptionToken") for query in fake.asked] == [
        None, "2024-01-01|4", "2024-01-01|8"
    ]  # fmt: skip


def test_a_finished_harvest_asked_again_starts_the_listing_anew(sqlite_store: Store, fake):
    harvested(sqlite_store, fake)
    report, _ = harvested(sqlite_store, fake)
    assert len(report.unchanged) == 10 and len(fake.asked) == 6


def test_each_page_and_its_token_are_one_transaction(
    sqlite_store: Store, fake: FakeOai, monkeypatch: pytest.MonkeyPatch
):
    from recommender.store import papers

    saves = []
    real = papers.save_harvest

    def fail_the_second(conn, harvest, **kwargs):
        saves.append(harvest)
        if len(saves) == 2:
            raise OSError("disk full")
        real(conn, harvest, **kwargs)

    monkeypatch.setattr(papers, "save_harvest", fail_the_second)
    with pytest.raises(OSError):
        harvested(sqlite_store, fake)
    # The second page's papers went with its token: neither is stored.
    assert sqlite_store.count() == 4
    assert sqlite_store.harvests.get(request_of(fake).request).token == "2024-01-01|4"
    monkeypatch.setattr(papers, "save_harvest", real)

    report, harvest = harvested(sqlite_store, fake)
    assert [query.get("resumptionToken") for query in fake.asked[2:]] == [
        "2024-01-01|4", "2024-01-01|8"
    ]  # fmt: skip
    assert len(report.added) == 6 and report.unchanged == []
    assert sorted(p.id for _, p in sqlite_store.iter_keyed()) == [paper_id(n) for n in range(1, 11)]
    assert (harvest.pages, harvest.records) == (3, 10)


def test_status_shows_a_harvest_stopped_midway_until_it_finishes(
    sqlite_store: Store, fake: FakeOai, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    from recommender.store import papers

    real = papers.save_harvest

    def fail_the_second(conn, harvest, **kwargs):
        if harvest.pages == 2:
            raise OSError("disk full")
        real(conn, harvest, **kwargs)

    monkeypatch.setattr(papers, "save_harvest", fail_the_second)
    with pytest.raises(OSError):
        harvested(sqlite_store, fake)
    engine = Engine(sqlite_store, tmp_path / "index", HashEmbedder())
    [item] = pipeline_status(sqlite_store, engine, now=NOW)["harvesting"]
    assert item == {"request": request_of(fake).request, "pages": 1, "records": 4, "total": 10,
                    "latest": date(2024, 1, 2), "updated": NOW}  # fmt: skip
    assert harvest_progress(item) == (
        "4 of 10 records (40.0%) in 1 page, newest record 2024-01-02, "
        "last page stored 2024-06-01 00:00 UTC"
    )
    monkeypatch.setattr(papers, "save_harvest", real)
    harvested(sqlite_store, fake)
    assert pipeline_status(sqlite_store, engine, now=NOW)["harvesting"] == []


def test_a_forgotten_token_restarts_from_the_newest_datestamp(sqlite_store: Store, fake):
    fake.expired.add("2024-01-01|4")
    notices: list[str] = []
    report, harvest = harvested(sqlite_store, fake, notice=notices.append)
    assert report.ok and sqlite_store.count() == 10
    # Page one ended on 2 January; that day is asked for again, its record found unchanged.
    assert fake.asked[2]["from"] == "2024-01-02" and "resumptionToken" not in fake.asked[2]
    assert report.unchanged == [paper_id(4)] and len(report.added) == 10
    assert len(notices) == 1
    assert notices[0].startswith("OAI-PMH error badResumptionToken")
    assert "asking for the listing again from 2024-01-02" in notices[0]
    saved = sqlite_store.harvests.get(request_of(fake).request)
    assert saved.finished and saved.restart_from == date(2024, 1, 2)
    assert saved.from_date == FROM and harvest.total == 4 + 7


def test_tokens_forgotten_each_time_still_finish_while_each_restart_moves_on(sqlite_store, fake):
    fake.forget_tokens = True
    report, harvest = harvested(sqlite_store, fake, notice=lambda message: None)
    assert report.ok and harvest.finished and sqlite_store.count() == 10
    # From 3 January four records are left: one page, with no token to forget.
    assert [query.get("from") for query in fake.asked if "from" in query] == [
        "2024-01-01", "2024-01-02", "2024-01-03"
    ]  # fmt: skip


@pytest.mark.parametrize("fake", [copies(10, per_day=10)], indirect=True)
def test_a_token_forgotten_with_no_progress_between_stops_with_a_clear_failure(sqlite_store, fake):
    fake.forget_tokens = True
    report, harvest = harvested(sqlite_store, fake, notice=lambda message: None)
    assert harvest is None and "badResumptionToken" in report.failure
    assert report.rejected[-1].entry == "request"
    assert len(fake.asked) == 4  # first page, forgotten, first page again, forgotten: stop
    assert sqlite_store.count() == 4  # what came is kept
    saved = sqlite_store.harvests.get(request_of(fake).request)
    assert not saved.finished and saved.token == "2024-01-01|4"


def _without_title(record: Record) -> Record:
    return Record(record.day, re.sub(r"<title>.*?</title>", "", record.xml, flags=re.DOTALL))


DELETED = Record(
    date(2024, 1, 2),
    '<record><header status="deleted"><identifier>oai:arXiv.org:2401.00099</identifier>'
    "<datestamp>2024-01-02</datestamp></header></record>",
)


@pytest.mark.parametrize(
    "fake", [[*copies(5), _without_title(copies(1, start=6)[0]), DELETED, *copies(3, start=7)]],
    indirect=True,
)  # fmt: skip
def test_bad_records_are_rejected_by_page_and_id_and_the_rest_kept(sqlite_store, fake):
    report, harvest = harvested(sqlite_store, fake)
    assert sqlite_store.count() == 8 and len(report.added) == 8
    assert [(r.entry, r.reason) for r in report.rejected] == [
        (paper_id(6), "no title"), ("oai:arXiv.org:2401.00099", "record deleted")
    ]  # fmt: skip
    for rejection in report.rejected:
        assert rejection.origin.endswith("resumptionToken=2024-01-01%7C4 (page 2)")
    assert (harvest.records, harvest.total) == (10, 10) and report.failure is None


class StoppingEmbedder(HashEmbedder):
    """Embeds `batches` batches, then fails as a killed process would stop."""

    def __init__(self, batches: int) -> None:
        super().__init__(16)
        self.batches = batches
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self.batches == 0:
            raise KeyboardInterrupt
        self.batches -= 1
        self.texts.extend(texts)
        return super().encode(texts)


def test_embedding_resumes_without_embedding_a_paper_twice(
    sqlite_store: Store, fake: FakeOai, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(indexes, "EMBED_BATCH", 3)
    harvested(sqlite_store, fake)
    stopping = StoppingEmbedder(batches=2)
    with pytest.raises(KeyboardInterrupt):
        Indexer(sqlite_store, tmp_path / "index", stopping).embed_missing()
    assert sqlite_store.unembedded(stopping.name) == 4
    again = StoppingEmbedder(batches=100)
    assert Indexer(sqlite_store, tmp_path / "index", again).embed_missing() == 10
    assert len(again.texts) == 4 and sqlite_store.unembedded(again.name) == 0
    assert not set(again.texts) & set(stopping.texts)


class GatedEmbedder(HashEmbedder):
    """Holds the batch that has `word` in it until `go` is set (`entered` says it waits)."""

    def __init__(self, word: str) -> None:
        super().__init__(32)
        self.word = word
        self.entered = threading.Event()
        self.go = threading.Event()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if any(self.word in text for text in texts):
            self.entered.set()
            self.go.wait(60)
        return super().encode(texts)


def found(engine: Engine, word: str) -> list[str]:
    return [hit.paper.id for hit in engine.search(word, k=1)]


def test_a_search_answers_during_a_backfill(store: Store, fake: FakeOai, tmp_path: Path):
    """A web process following the store (its own index directory) finds the papers the
    backfill has embedded so far, while the backfill embeds the next page."""
    gated = GatedEmbedder("paperno6")  # page two: papers 5 to 8
    worker = Indexer(store, tmp_path / "clock" / "index", gated)
    running = threading.Thread(target=lambda: harvested(store, fake, indexer=worker))
    running.start()
    try:
        assert gated.entered.wait(60)
        web = Indexer(store, tmp_path / "web" / "index", HashEmbedder(32))
        engine = Engine(store, web.index_dir, web.embedder)
        follower = IndexFollower(web, engine.indexes, timedelta(seconds=30))
        report = follower.refresh()
        assert (report.papers, report.embedded, report.reused) == (4, 0, 4)
        assert found(engine, "paperno2") == [paper_id(2)]
        assert paper_id(6) not in found(engine, "paperno6")  # stored, not embedded yet
    finally:
        gated.go.set()
        running.join()
    follower.refresh()
    assert found(engine, "paperno9") == [paper_id(9)]
    assert store.unembedded(gated.name) == 0


def test_the_harvests_table_comes_and_goes_with_its_migration(database_url: str):
    store = Store.open(database_url)
    harvest = Harvest(base_url="http://oai", from_date=FROM, token="t", pages=1, records=4)
    store.upsert([], now=NOW, harvest=harvest)
    assert store.harvests.get(harvest.request) == harvest
    store.close()
    engine = create_engine(database_url)
    _migrate(database_url, alembic.command.downgrade, "0013")
    assert "harvests" not in inspect(engine).get_table_names()
    _migrate(database_url, alembic.command.upgrade, "head")
    assert "harvests" in inspect(engine).get_table_names()
    engine.dispose()


def papers_ingest_oai(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen:
    command = [str(Path(sys.executable).with_name("papers")), "ingest", "oai", *args]
    with log.open("a") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


@pytest.mark.model
@pytest.mark.parametrize("fake", [copies(20, per_day=3)], indirect=True)
def test_a_backfill_killed_mid_harvest_resumes_without_duplicates_or_gaps(
    database_url: str, fake: FakeOai, tmp_path: Path
):
    """`kill -9` of a real `papers ingest oai` while it waits for its third page (the first
    two stored and embedded), then the same command again: it continues at the third page."""
    env = {
        **os.environ,
        "PAPERS_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url,
        "PAPERS_OAI_URL": fake.url,
        "PAPERS_ARXIV_INTERVAL": "0",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    log = tmp_path / "ingest.log"
    args = ("--from", "2024-01-01", "--set", "cs")
    fake.hold(3)
    first = papers_ingest_oai(env, log, *args)
    fake.wait_for(3)
    first.kill()
    first.wait(60)
    store = Store.open(database_url)
    # The recipe the command embeds in: auto's on this CPU (int8 where it has VNNI).
    [recipe] = store.archive_models()
    assert recipe == Context(Settings.from_env(env)).recipe(archived=False).name
    assert store.count() == 8 and store.unembedded(recipe) == 0
    fake.release()

    second = papers_ingest_oai(env, log, *args)
    assert second.wait(300) == 0, log.read_text()
    asked = [query.get("resumptionToken") for query in fake.asked]
    assert asked == [None, "2024-01-01|4", "2024-01-01|8", "2024-01-01|8", "2024-01-01|12",
                     "2024-01-01|16"]  # fmt: skip
    ids = [paper.id for _, paper in store.iter_keyed()]
    assert ids == [paper_id(n) for n in range(1, 21)]
    assert store.unembedded(recipe) == 0 and store.archive_models() == {recipe}
    output = log.read_text()
    assert "resuming: 8 records in 2 pages stored before" in output
    assert "harvest: 20 of 20 records, page 5" in output  # plain lines: not a terminal
    assert "oai:cs (3 page(s) this run, 12 papers embedded): added 12, updated 0" in output
    store.close()


def test_on_a_terminal_the_backfill_shows_a_bar_with_an_eta(fake: FakeOai, tmp_path: Path):
    env = {
        **os.environ,
        "PAPERS_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": "",
        "PAPERS_OAI_URL": fake.url,
        "PAPERS_ARXIV_INTERVAL": "0",
    }
    terminal, screen = pty.openpty()
    # A new pseudo-terminal is 0 columns wide, where tqdm would draw nothing: 120 x 40.
    fcntl.ioctl(screen, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    command = [str(Path(sys.executable).with_name("papers")), "ingest", "oai", "--no-embed"]
    process = subprocess.Popen(
        [*command, "--from", "2024-01-01"], env=env, stdout=subprocess.PIPE, stderr=screen
    )
    os.close(screen)
    shown = b""
    while chunk := _read(terminal):
        shown += chunk
    assert process.wait(60) == 0
    os.close(terminal)
    bar = shown.decode("utf-8", "replace")
    # tqdm's bar against completeListSize: done/total [elapsed<ETA, rate]
    assert re.search(r"harvest: 100%\|.*\| 10/10 \[\d\d:\d\d<\d\d:\d\d, ", bar), bar
    assert (
        "oai:* (3 page(s) this run, 0 papers embedded): added 10" in process.stdout.read().decode()
    )


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 4096)
    except OSError:  # the other end closed: Linux says EIO
        return b""
