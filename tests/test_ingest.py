"""Ingest end to end: real files through the real parsers into the real store."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from recommender.errors import FeedError
from recommender.ingest import IngestReport, ingest_file, ingest_pages
from recommender.models import Paper, Parsed, Rejection
from recommender.pipeline import Endpoints, Source, pages
from recommender.sources import FORMATS
from recommender.store import Store

NOW = datetime(2025, 7, 25, 12, tzinfo=UTC)

# Papers per seed digest, counted by hand in tests/sources/test_*.py for each format.
SEED_COUNTS = {
    "000_aa4dc63787281bb6.txt": 10,
    "001_67aa88f9a95c7108.txt": 119,
    "002_08d72c18e80195cb.txt": 53,
    "003_eeac043868082917.txt": 132,
    "004_5c3c9183be0891e9.txt": 50,
}


def ingest(store: Store, *paths: Path, fmt: str | None = None) -> IngestReport:
    report = IngestReport()
    for path in paths:
        ingest_file(store, path, report, now=NOW, fmt=fmt)
    return report


def snapshot(store: Store) -> list[Paper]:
    return [paper for _, paper in store.iter_keyed()]


def test_each_seed_digest_yields_exactly_its_papers(sqlite_store, samples_dir):
    for name, count in SEED_COUNTS.items():
        report = ingest(sqlite_store, samples_dir / name)
        assert report.rejected == [], name
        assert len(report.added) == count, name
    # No paper appears in two of the five digests, so nothing merges across them.
    assert sqlite_store.count() == sum(SEED_COUNTS.values()) == 364


def test_seed_papers_come_through_whole(sqlite_store, samples_dir):
    ingest(sqlite_store, *sorted(samples_dir.glob("*.txt")))
    planted = sqlite_store.get("2507.07186")
    assert planted.title.startswith("Planted in Pretraining, Swayed by Finetuning")
    assert planted.authors == ("Itay Itzhak", "Yonatan Belinkov", "Gabriel Stanovsky")
    assert planted.abstract.startswith("Large language models (LLMs) exhibit cognitive biases")
    assert planted.abstract.endswith("mitigating bias in LLMs.")
    for paper in snapshot(sqlite_store):
        for text in (paper.title, paper.abstract):
            assert "Subscribe" not in text and "![" not in text and "shields.io" not in text
        assert paper.title and len(paper.abstract) > 100, paper.id


def test_reingesting_the_seeds_changes_nothing(sqlite_store, samples_dir):
    seeds = sorted(samples_dir.glob("*.txt"))
    ingest(sqlite_store, *seeds)
    before = snapshot(sqlite_store)
    again = ingest(sqlite_store, *seeds)
    assert again.added == [] and again.updated == [] and len(again.unchanged) == 364
    assert snapshot(sqlite_store) == before


@pytest.mark.parametrize(
    ("folder", "pattern", "papers", "rejected"),
    [
        # id_abc is arXiv's HTTP 400 error response; 0000.0000 is an empty result.
        ("arxiv-api", "*.json", None, 1),
        # Four of the five OAI error responses are errors; noRecordsMatch is an empty list.
        # The hand-written arXiv and oai_dc listings add 0704.0001 and 0704.0002 (in both)
        # and one deleted record.
        ("oai-pmh", "*.xml", 9, 5),
        # cs-0006007.abs is a byte-for-byte copy of cs-0006008.abs: one paper, not two.
        ("arxiv-abs", "*.abs", 156, 0),
    ],
)
def test_every_recorded_fixture_ingests(store, fixtures_dir, folder, pattern, papers, rejected):
    report = ingest(store, *sorted((fixtures_dir / folder).glob(pattern)))
    assert len(report.rejected) == rejected, report.rejected
    if papers is not None:
        assert store.count() == papers
    again = ingest(store, *sorted((fixtures_dir / folder).glob(pattern)))
    assert again.added == [] and again.updated == []


def test_arxiv_api_error_is_rejected_with_its_reason(sqlite_store, fixtures_dir):
    report = ingest(sqlite_store, fixtures_dir / "arxiv-api" / "id_abc_s0_m100_b79c8dcf6bc3.json")
    [rejection] = report.rejected
    assert "HTTP 400" in rejection.reason and "incorrect id format for abc" in rejection.reason
    assert sqlite_store.count() == 0


def test_v1_then_v2_is_one_row_at_v2(sqlite_store, fixtures_dir):
    # The OAI GetRecord of 1302.2146 lists v1 and v2; an API answer for v1 came first.
    v1 = Paper(
        id="1302.2146",
        title="The Same-Sign Dilepton Signature of RPV/MFV SUSY",
        abstract="Old text.",
        version=1,
        sources=("arxiv-api",),
    )
    sqlite_store.upsert([v1], now=NOW)
    report = ingest(sqlite_store, fixtures_dir / "oai-pmh" / "GetRecordResponse.xml")
    assert report.updated == ["1302.2146"]
    stored = sqlite_store.get("1302.2146")
    assert stored.version == 2 and stored.abstract.startswith("The lack of observation")
    assert sqlite_store.count() == 1


def test_rss_replacement_updates_instead_of_adding(sqlite_store, fixtures_dir):
    old = Paper(
        id="2406.01234",
        title="Calibrated Abstention for Retrieval-Augmented QA",
        abstract="v2 text.",
        version=2,
        sources=("arxiv-api",),
    )
    sqlite_store.upsert([old], now=NOW)
    report = ingest(sqlite_store, fixtures_dir / "rss" / "cs.CL.rss.xml")
    assert "2406.01234" in report.updated and "2406.01234" not in report.added
    assert sqlite_store.get("2406.01234").version == 3


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_bad_files_are_rejected_and_change_nothing(
    sqlite_store, samples_dir, fixtures_dir, tmp_path
):
    ingest(sqlite_store, samples_dir / "000_aa4dc63787281bb6.txt")
    before = snapshot(sqlite_store)
    bad = [
        _write(tmp_path, "unknown.bin", b"\x00\x01 just some bytes"),
        _write(tmp_path, "broken.xml", b"<?xml version='1.0'?><feed><entry><title>x"),
        _write(tmp_path, "empty.json", b""),
        tmp_path / "missing.xml",
        fixtures_dir / "oai-pmh" / "ErrorResponseBadArgument.xml",
        fixtures_dir / "rss" / "error.rss.xml",
        _write(
            tmp_path,
            "mods.xml",
            b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords><record>'
            b"<header><identifier>oai:arXiv.org:0704.0001</identifier></header>"
            b'<metadata><mods xmlns="http://www.loc.gov/mods/v3"/></metadata>'
            b"</record></ListRecords></OAI-PMH>",
        ),
        _write(tmp_path, "types.jsonl", b'{"_id": 5, "title": 7, "text": null}\n'),
    ]
    report = ingest(sqlite_store, *bad)
    reasons = {Path(r.origin).name: r.reason for r in report.rejected}
    assert set(reasons) == {p.name for p in bad}
    assert "not a format papers can read" in reasons["unknown.bin"]
    assert "No such file" in reasons["missing.xml"]
    assert "badArgument" in reasons["ErrorResponseBadArgument.xml"]
    assert "Bad archive 'astroph'" in reasons["error.rss.xml"]
    assert "metadata format http://www.loc.gov/mods/v3" in reasons["mods.xml"]
    assert reasons["types.jsonl"] == "_id is a number, not text"
    assert report.added == [] and snapshot(sqlite_store) == before


def test_truncated_download_keeps_the_complete_entries(sqlite_store, fixtures_dir, tmp_path):
    body = json.loads(
        (fixtures_dir / "arxiv-api" / "q_testing_s0_m10_bc5a6c384fe9.json").read_bytes()
    )["body"]
    cut = body.encode("utf-8")[: len(body) // 2]
    report = ingest(sqlite_store, _write(tmp_path, "cut.xml", cut))
    assert 0 < len(report.added) < 10
    [rejection] = report.rejected
    assert rejection.entry.startswith("line ") and "column" in rejection.entry
    assert "broken off" in rejection.reason


def test_entry_without_title_is_rejected_others_kept(sqlite_store, tmp_path):
    lines = [
        b'{"_id": "a", "title": "A fine paper", "text": "About things."}',
        b'{"_id": "b", "title": "", "text": ""}',
        b"{not json",
        b'{"_id": "c", "title": "Another fine paper", "text": "More."}',
    ]
    report = ingest(
        sqlite_store, _write(tmp_path, "corpus.jsonl", b"\n".join(lines)), fmt="beir-corpus"
    )
    assert sorted(report.added) == ["beir:a", "beir:c"]
    assert [r.entry for r in report.rejected] == ["line 2 (_id b)", "line 3"]


def test_reingesting_a_hugging_face_day_changes_nothing(sqlite_store, fixtures_dir):
    day = fixtures_dir / "hf" / "daily_papers_2025-07-10.json"
    first = ingest(sqlite_store, day)
    again = ingest(sqlite_store, day)
    assert first.added and again.updated == [] and sorted(again.unchanged) == sorted(first.added)


def test_odd_values_in_json_entries_are_rejected_one_by_one(sqlite_store, tmp_path):
    snapshot_lines = [
        b'{"id": "2501.00001", "title": "Fine", "abstract": "A.", "versions": [], '
        b'"authors_parsed": []}',
        b'{"id": "2501.00002", "title": 123, "abstract": "B.", "versions": [], '
        b'"authors_parsed": []}',
        b"[" * 100_000,
        b'{"id": "2501.00003", "title": "Also fine", "abstract": "C.", '
        b'"versions": [{"version": "v1", "created": "n/a"}, '
        b'{"version": "v1", "created": "Mon, 2 Jan 2025 10:00:00 GMT"}], "authors_parsed": []}',
    ]
    report = ingest(
        sqlite_store, _write(tmp_path, "snap.json", b"\n".join(snapshot_lines)), fmt="kaggle"
    )
    assert sorted(report.added) == ["2501.00001", "2501.00003"]
    assert [r.entry for r in report.rejected] == ["line 2", "line 3"]
    assert report.rejected[0].reason == "title is a number, not text"


def test_a_parser_that_trips_rejects_its_file_not_the_run(sqlite_store, tmp_path, monkeypatch):
    def trips(data: bytes, origin: str) -> Parsed:
        raise ZeroDivisionError("a case the parser never met")

    monkeypatch.setattr(FORMATS["kaggle"], "parse", trips)
    report = ingest(sqlite_store, _write(tmp_path, "snap.json", b"{}"), fmt="kaggle")
    [rejection] = report.rejected
    assert rejection.reason == (
        "could not be read as kaggle (ZeroDivisionError: a case the parser never met)"
    )


def test_a_bad_file_among_files_leaves_the_others_in(sqlite_store, samples_dir, tmp_path):
    _write(tmp_path, "a_notes.txt", b"nothing a parser knows")
    (tmp_path / "b_seed.txt").write_bytes((samples_dir / "000_aa4dc63787281bb6.txt").read_bytes())
    report = IngestReport()
    source = Source("files", str(tmp_path / "*.txt"))
    stream = pages(source, client=None, endpoints=Endpoints(), since=NOW.date(), until=NOW.date())
    ingest_pages(sqlite_store, stream, report, origin=str(source), now=NOW)
    assert len(report.added) == 10
    [rejection] = report.rejected
    assert rejection.origin.endswith("a_notes.txt") and "not a format" in rejection.reason


def test_a_failing_listing_keeps_the_pages_before_it(sqlite_store):
    good = Parsed(papers=(Paper(id="2501.00001", title="One", sources=("arxiv-api",)),))

    def pages():
        yield good
        raise FeedError("https://export.arxiv.org/api/query", "HTTP 503 after 4 tries")

    report = IngestReport()
    ingest_pages(sqlite_store, pages(), report, origin="arXiv API cs.CL", now=NOW)
    assert report.added == ["2501.00001"] and sqlite_store.count() == 1
    assert report.rejected == [
        Rejection("https://export.arxiv.org/api/query", "request", "HTTP 503 after 4 tries")
    ]


def test_report_as_dict_and_summary():
    report = IngestReport(added=["a"], updated=["b", "c"], rejected=[Rejection("f", "line 2", "x")])
    assert report.summary() == "added 1, updated 2, unchanged 0, rejected 1"
    assert report.as_dict()["rejected"] == [{"origin": "f", "entry": "line 2", "reason": "x"}]
    assert not report.ok


def test_fields_over_their_limits_reject_the_paper_and_say_which(
    sqlite_store, fixtures_dir, tmp_path
):
    feed = (fixtures_dir / "rss" / "cs.CL.rss.xml").read_bytes()
    huge_title = b"Sparse Mixtures of Tokenizers " * 200_000  # 6 MB
    feed = feed.replace(b"Sparse Mixtures of Tokenizers for Multilingual Pretraining", huge_title)
    line = (
        b'{"id": "2501.00002", "title": "Long", "abstract": "%s", "categories": "cs.CL", '
        b'"versions": [], "authors_parsed": [%s]}'
    )
    long_abstract = line % (b"word " * 50_000, b"")
    many_authors = line % (b"short", b", ".join([b'["Doe", "J.", ""]'] * 10_001))
    report = ingest(
        sqlite_store,
        _write(tmp_path, "huge.rss.xml", feed),
        _write(tmp_path, "long.json", long_abstract + b"\n" + many_authors),
        fmt=None,
    )
    assert sorted(report.added) == ["2312.04567", "2406.01234", "2507.07186"]
    assert [(Path(r.origin).name, r.entry, r.reason) for r in report.rejected] == [
        ("huge.rss.xml", "2507.06911",
         "title too large: 5,999,999 characters, the limit is 2,000"),
        ("long.json", "2501.00002",
         "abstract too large: 249,999 characters, the limit is 200,000"),
        ("long.json", "2501.00002", "authors too large: 10,001 names, the limit is 10,000"),
    ]  # fmt: skip
    assert sqlite_store.get("2507.06911") is None
