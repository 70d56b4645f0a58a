"""Each feed format's `sniff` recognises its own samples and no one else's.

Covers the recorded fixtures, the hand-written ones, and the five seed digests (which belong
to the digest parsers, so none of the feed formats may claim them).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from recommender.errors import UnknownFormat
from recommender.sources import (
    arxiv_abs,
    arxiv_api,
    arxiv_rss,
    beir,
    detect_format,
    hf_daily,
    http_record,
    kaggle,
    oai_pmh,
)
from tests.support import recorded_body

FEED_FORMATS = [http_record, hf_daily, kaggle, beir, oai_pmh, arxiv_api, arxiv_rss, arxiv_abs]
FIXTURES = Path(__file__).parent.parent / "fixtures"

# (fixture path, the format it is in)
SAMPLES = [
    ("arxiv-api/q_testing_s0_m10_bc5a6c384fe9.json", "http-record"),
    ("arxiv-api/id_abc_s0_m100_b79c8dcf6bc3.json", "http-record"),
    ("oai-pmh/ListRecordsResponse.xml", "oai-pmh"),
    ("oai-pmh/GetRecordResponse.xml", "oai-pmh"),
    ("oai-pmh/ErrorResponseBadVerb.xml", "oai-pmh"),  # no XML declaration
    ("oai-pmh/ErrorResponseNoRecordsMatch.xml", "oai-pmh"),
    ("arxiv-abs/arxiv-0704.0007.abs", "arxiv-abs"),
    ("arxiv-abs/cs-9901011.abs", "arxiv-abs"),
    ("rss/cs.CL.rss.xml", "arxiv-rss"),
    ("rss/cs.CL.atom.xml", "arxiv-rss"),
    ("rss/empty.rss.xml", "arxiv-rss"),
    ("rss/empty.atom.xml", "arxiv-rss"),
    ("hf/daily_papers_2025-07-10.json", "hf-daily"),
    ("kaggle/arxiv-metadata-oai-snapshot.json", "kaggle"),
    ("beir/corpus.jsonl", "beir-corpus"),
]
# Bodies inside recordings, as the API serves them.
API_BODIES = [
    "q_testing_s0_m10_bc5a6c384fe9.json",
    "id_abc_s0_m100_b79c8dcf6bc3.json",  # the error feed
    "id_0000.0000_s0_m100_8b51d9633a68.json",  # no entries
]


def claims(data: bytes) -> dict[str, bool]:
    return {module.FORMAT: module.sniff(data) for module in FEED_FORMATS}


def only(fmt: str | None) -> dict[str, bool]:
    return {module.FORMAT: fmt == module.FORMAT for module in FEED_FORMATS}


@pytest.mark.parametrize(("path", "fmt"), SAMPLES)
def test_fixture_is_claimed_by_its_format_only(path, fmt):
    data = (FIXTURES / path).read_bytes()

    assert claims(data) == only(fmt)
    assert detect_format(data, path) == fmt


@pytest.mark.parametrize("name", API_BODIES)
def test_api_body_is_claimed_by_arxiv_api_only(name):
    data = recorded_body(FIXTURES / "arxiv-api" / name)

    assert claims(data) == only("arxiv-api")


def test_seed_digests_are_claimed_by_no_feed_format(samples_dir):
    digests = sorted(samples_dir.glob("*.txt"))
    assert len(digests) == 5

    for path in digests:
        assert claims(path.read_bytes()) == only(None), path.name


def test_file_names_do_not_decide():
    """Sniffing is by content: a feed saved under a misleading name is still recognised."""
    data = (FIXTURES / "oai-pmh" / "GetRecordResponse.xml").read_bytes()

    assert detect_format(data, "corpus.jsonl") == "oai-pmh"


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b'[{"id": 1, "body": "x"}]', "one JSON array, but not of BEIR documents"),
        (b'{"_id": "1",\n "text": "x"}\n', "its first line is not a whole JSON object"),
    ],
)
def test_json_no_format_reads_says_what_is_wrong(data, says):
    with pytest.raises(UnknownFormat, match=says):
        detect_format(data, "odd.json")
