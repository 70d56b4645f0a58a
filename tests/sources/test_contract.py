"""What every source format promises about bad input: garbage, broken UTF-8, a cut-off file.

Each format's own module tests what it reads; this one holds every format in
`recommender.sources.FORMATS` to the same promises. Garbage gives no papers (a format whose
file is one document says FeedError instead). A file cut off keeps every paper before the
cut, as the whole file gives it, and one rejection says where the input broke off. A byte
that is not UTF-8 inside an entry costs at most that entry: text formats replace it (or,
for `.abs` files, read the file in the legacy encoding it is in), and XML and JSON, which
must be UTF-8 throughout, lose what comes after it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from recommender import SAMPLES_DIR
from recommender.errors import FeedError
from recommender.models import Parsed
from recommender.sources import FORMATS
from tests.support import end_position, recorded_body

FIXTURES = Path(__file__).parent.parent / "fixtures"
# Formats whose file is one document: garbage in it is a FeedError, not an empty result.
ONE_DOCUMENT = {"http-record", "hf-daily"}
# Formats that find nothing at all in garbage: no papers and nothing to reject.
SILENT = {"digest-tldr", "arxiv-daily-md", "enriched-md"}
GARBAGE = [
    b"", b"\n\n", b"\x80\xff\xfe", b"\x80\xff\xfe\x00 not a digest",
    # the openings of back-to-back JSON objects, RSS 1.0 and OAI-PMH, and nothing after them
    b'{"_id": 1}{', b'<rdf:RDF xmlns="http://purl.org/rss/1.0/"><item>',
    b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><record><metadata>',
]  # fmt: skip
# Inputs with a format's headings or page chrome and no paper in them.
NO_PAPERS = [
    ("arxiv-daily-md", b"# 2025-07-25\n"),
    ("enriched-md", b"# Vol 21\n---\n"),
    (
        "hf-daily-text",
        b"new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\n"
        b"byAK and the research community\n\nAug 11\n\n",
    ),
    ("hf-papers-text", b"Get trending papers in your email inbox!\nSubscribe\n"),
]


@pytest.mark.parametrize("data", GARBAGE)
@pytest.mark.parametrize("fmt", FORMATS)
def test_garbage_gives_no_papers(fmt: str, data: bytes):
    parse = FORMATS[fmt].parse
    if fmt in ONE_DOCUMENT:
        with pytest.raises(FeedError, match="^junk: "):
            parse(data, "junk")
        return
    parsed = parse(data, "junk")
    assert parsed.papers == ()
    assert all(rejection.origin == "junk" for rejection in parsed.rejected)
    if fmt in SILENT:
        assert parsed == Parsed()


@pytest.mark.parametrize(("fmt", "data"), NO_PAPERS)
def test_headings_or_chrome_alone_give_no_papers(fmt: str, data: bytes):
    parsed = FORMATS[fmt].parse(data, "junk")
    assert parsed.papers == ()
    if fmt in SILENT:
        assert parsed == Parsed()


@dataclass(frozen=True)
class Cut:
    """A sample of one format, broken off at `at`, and what parsing it must keep and say."""

    fmt: str
    origin: str
    whole: bytes
    at: int
    kept: int | tuple[str, ...]  # how many papers survive, or their ids
    entry: str  # a regex for where the rejection says the input broke off
    reason: str  # a regex for its reason
    closing: bytes | None = None  # the tag that closes an entry, counted in the cut input
    inside: int | None = None  # a place inside an entry's text, if `at` is not one

    @property
    def data(self) -> bytes:
        return self.whole[: self.at]

    @property
    def count(self) -> int:
        return self.kept if isinstance(self.kept, int) else len(self.kept)

    @property
    def with_a_bad_byte(self) -> bytes:
        """The whole sample with a byte that is never UTF-8 inside an entry's text."""
        at = self.at if self.inside is None else self.inside
        return self.whole[:at] + b"\xff" + self.whole[at:]


def seed(name: str) -> bytes:
    return (SAMPLES_DIR / name).read_bytes()


def after(data: bytes, marker: bytes) -> int:
    return data.index(marker) + len(marker)


def lines_end(data: bytes, count: int) -> int:
    """Where the first `count` lines of `data` end (before their last newline)."""
    return len(b"\n".join(data.split(b"\n")[:count]))


def starts(text: str) -> str:
    return re.escape(text) + ".*"


def _digest_tldr() -> Cut:
    whole = seed("000_aa4dc63787281bb6.txt")
    at = whole.index(b"pressing them without compromising")
    reason = starts("details block never closed (truncated?): 'DAF: An")
    return Cut("digest-tldr", "000_aa4dc63787281bb6.txt", whole, at, 9, "line 406", reason)


def _hf_papers_text() -> Cut:
    whole = seed("001_67aa88f9a95c7108.txt")
    at = lines_end(whole, 239)  # ends on the last title
    reason = starts("title with no abstract after it: 'Lifting Scheme-Based")
    return Cut("hf-papers-text", "001_67aa88f9a95c7108.txt", whole, at, 118, "line 239", reason)


def _arxiv_daily_md() -> Cut:
    whole = seed("002_08d72c18e80195cb.txt")
    at = after(whole, b"> http://arxiv.org/abs/2507.13681v1\n")
    reason = re.escape(
        "no abstract for 'LoopServe An Adaptive Dual-phase LLM Inference Accelerati...'"
    )
    return Cut("arxiv-daily-md", "002_08d72c18e80195cb.txt", whole, at, 52, "line 1562", reason)


def _hf_daily_text() -> Cut:
    whole = seed("003_eeac043868082917.txt")
    at = lines_end(whole, 537)  # ends on the last title
    reason = starts("title with no abstract after it: 'ED-ViT")
    return Cut("hf-daily-text", "003_eeac043868082917.txt", whole, at, 131, "line 537", reason)


def _enriched_md() -> Cut:
    whole = seed("004_5c3c9183be0891e9.txt")
    at = whole.index(b"#### Abstract\nWe introduce the Holographic")
    reason = starts("no abstract for 'Holographic Knowledge Manifolds")
    inside = after(whole, b"#### Abstract\nWe introduce")
    return Cut(
        "enriched-md", "004_5c3c9183be0891e9.txt", whole, at, 49, "line 1574", reason, None, inside
    )


XML_CUT = re.escape("XML broken off or malformed: no element found")


def _arxiv_api() -> Cut:
    whole = recorded_body(FIXTURES / "arxiv-api" / "q_testing_s0_m10_bc5a6c384fe9.json")
    at = len(whole) // 2
    entry = re.escape(end_position(whole[:at]))
    return Cut("arxiv-api", "page0", whole, at, 4, entry, XML_CUT, closing=b"</entry>")


def _arxiv_rss(name: str) -> Callable[[], Cut]:
    def cut() -> Cut:
        whole = (FIXTURES / "rss" / name).read_bytes()
        at = whole.index(b"2406.01234v3")  # inside the third item
        entry = re.escape(end_position(whole[:at]))
        return Cut("arxiv-rss", name, whole, at, ("2507.07186", "2507.06911"), entry, XML_CUT)

    return cut


def _arxiv_rdf() -> Cut:
    whole = (FIXTURES / "rss" / "cs.CL.rdf.xml").read_bytes()
    at = whole.index(b"1706.03762v5")  # inside the third item's title
    entry = re.escape(end_position(whole[:at]))
    return Cut("arxiv-rss", "rdf", whole, at, ("1810.04805", "1901.02860"), entry, XML_CUT)


def _oai_pmh_format(name: str, marker: bytes, kept: tuple[str, ...]) -> Callable[[], Cut]:
    def cut() -> Cut:
        whole = (FIXTURES / "oai-pmh" / name).read_bytes()
        at = whole.index(marker)
        entry = re.escape(end_position(whole[:at]))
        return Cut("oai-pmh", name, whole, at, kept, entry, XML_CUT, closing=b"</record>")

    return cut


def _beir_array() -> Cut:
    lines = (FIXTURES / "beir" / "corpus.jsonl").read_bytes().splitlines()
    whole = b"[\n" + b",\n".join(lines) + b"\n]\n"
    at = whole.index(b"The dominant sequence")  # inside the third document's text
    entry = re.escape(end_position(whole[:at]))
    reason = starts("JSON array broken off or malformed: ")
    kept = ("beir:4983", "beir:5836")
    return Cut("beir-corpus", "corpus.json", whole, at, kept, entry, reason)


def _oai_pmh() -> Cut:
    whole = (FIXTURES / "oai-pmh" / "ListRecordsResponse.xml").read_bytes()
    at = len(whole) // 2
    last_line = whole[:at].count(b"\n") + 1
    entry = rf"line {last_line}, column \d+"  # at the token cut in two
    reason = starts("XML broken off or malformed: ")
    kept = ("0704.0471", "0704.0716")
    return Cut("oai-pmh", "list", whole, at, kept, entry, reason, closing=b"</record>")


def _hf_daily() -> Cut:
    whole = (FIXTURES / "hf" / "daily_papers_2025-07-10.json").read_bytes()
    at = whole.index(b'"id": "2507.06911"')
    lines = whole[:at].split(b"\n")
    entry = f"line {len(lines)}, column {len(lines[-1]) + 1}"  # the end
    reason = starts("JSON broken off or malformed: ")
    return Cut(
        "hf-daily", "daily_papers_2025-07-10.json", whole, at, ("2507.07186",), entry, reason
    )


def _arxiv_abs() -> Cut:
    whole = (FIXTURES / "arxiv-abs" / "cs-0006008.abs").read_bytes()
    at = whole.index(b"units of work will be performed")
    return Cut("arxiv-abs", "cut.abs", whole, at, 0, "line 16", ".*truncated.*")  # last line read


CUTS: dict[str, Callable[[], Cut]] = {
    "digest-tldr": _digest_tldr,
    "hf-papers-text": _hf_papers_text,
    "arxiv-daily-md": _arxiv_daily_md,
    "hf-daily-text": _hf_daily_text,
    "enriched-md": _enriched_md,
    "arxiv-api": _arxiv_api,
    "arxiv-rss (RSS)": _arxiv_rss("cs.CL.rss.xml"),
    "arxiv-rss (Atom)": _arxiv_rss("cs.CL.atom.xml"),
    "arxiv-rss (RSS 1.0)": _arxiv_rdf,
    "oai-pmh": _oai_pmh,
    "oai-pmh (arXiv)": _oai_pmh_format(
        "ListRecordsArXiv.xml", b"Calculation of prompt", ("0704.0002",)
    ),
    "oai-pmh (oai_dc)": _oai_pmh_format(
        "ListRecordsOaiDc.xml", b"Sparsity-certifying", ("0704.0001",)
    ),
    "hf-daily": _hf_daily,
    "beir-corpus (JSON array)": _beir_array,
    "arxiv-abs": _arxiv_abs,
}


@pytest.mark.parametrize("name", CUTS)
def test_a_cut_off_file_keeps_the_papers_before_the_cut(name: str):
    cut = CUTS[name]()
    parse = FORMATS[cut.fmt].parse
    parsed = parse(cut.data, cut.origin)
    count = len(parsed.papers)
    assert count == cut.count
    if not isinstance(cut.kept, int):
        assert tuple(paper.id for paper in parsed.papers) == cut.kept
    assert parsed.papers == parse(cut.whole, cut.origin).papers[:count]
    if cut.closing:
        assert cut.data.count(cut.closing) == count
    (rejection,) = parsed.rejected
    assert rejection.origin == cut.origin
    assert re.fullmatch(cut.entry, rejection.entry), rejection.entry
    assert re.fullmatch(cut.reason, rejection.reason, re.DOTALL), rejection.reason


# XML must be UTF-8 throughout: the parser stops at the bad byte, as at a cut.
STOPS_AT_A_BAD_BYTE = {"arxiv-api", "arxiv-rss", "oai-pmh"}
# A JSON array is read from its start as one text: it stops at the bad byte too.
STOPS_AT_A_BAD_BYTE_JSON = {"beir-corpus (JSON array)"}
# Files that predate UTF-8 (old .abs files are Latin-1): read in the encoding detected.
DETECTS_ENCODING = {"arxiv-abs"}


@pytest.mark.parametrize("name", CUTS)
def test_a_byte_that_is_not_utf8_costs_at_most_its_entry(name: str):
    cut = CUTS[name]()
    parse = FORMATS[cut.fmt].parse
    if cut.fmt in ONE_DOCUMENT:
        with pytest.raises(FeedError, match="not UTF-8"):
            parse(cut.with_a_bad_byte, cut.origin)
        return
    parsed, whole = parse(cut.with_a_bad_byte, cut.origin), parse(cut.whole, cut.origin)
    if cut.fmt in STOPS_AT_A_BAD_BYTE:
        assert parsed.papers == whole.papers[: cut.count]
        (rejection,) = parsed.rejected
        assert rejection.reason == "XML broken off or malformed: not well-formed (invalid token)"
        return
    if name in STOPS_AT_A_BAD_BYTE_JSON:
        assert parsed.papers == whole.papers[: cut.count]
        (rejection,) = parsed.rejected
        assert rejection.reason == "a byte that is not UTF-8 (b'\\xff')"
        lines = cut.data.split(b"\n")
        assert rejection.entry == f"line {len(lines)}, column {len(lines[-1]) + 1}"  # as json
        return
    # Text formats read it as U+FFFD in the one paper that holds it; nothing is lost. A
    # format that detects legacy encodings reads the file in the one it finds, without U+FFFD.
    assert parsed.rejected == whole.rejected
    changed = [new for new, old in zip(parsed.papers, whole.papers, strict=True) if new != old]
    (paper,) = changed
    replaced = "\ufffd" in f"{paper.title} {paper.abstract}"
    assert replaced != (cut.fmt in DETECTS_ENCODING)
