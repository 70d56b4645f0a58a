"""What holds for all five seed digest parsers: each knows its own file, and only its own."""

from __future__ import annotations

import pytest

from recommender.ids import clean_text
from recommender.sources import (
    arxiv_daily_md,
    detect_format,
    digest_tldr,
    enriched_md,
    hf_daily_text,
    hf_papers_text,
)

SEEDS = {
    "000_aa4dc63787281bb6.txt": digest_tldr,
    "001_67aa88f9a95c7108.txt": hf_papers_text,
    "002_08d72c18e80195cb.txt": arxiv_daily_md,
    "003_eeac043868082917.txt": hf_daily_text,
    "004_5c3c9183be0891e9.txt": enriched_md,
}
PARSERS = list(SEEDS.values())
FORBIDDEN = ["Subscribe", "![", "img.shields.io", "<details", "</details>", "**", "####"]
NOT_DIGESTS = {
    "atom": b'<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
    b"<title>A title</title><summary>An abstract.</summary></entry></feed>",
    "json": b'[{"id": "2507.07186", "title": "A title", "abstract": "An abstract."}]',
    "json lines": b'{"_id": "1", "title": "A title", "text": "An abstract."}\n' * 3,
    "empty": b"",
    "garbage": b"\x80\xff\xfe\x00\x01 \xc3\x28",
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("parser", PARSERS, ids=lambda module: module.FORMAT)
def test_each_sniffer_recognises_only_its_own_seed(samples_dir, seed, parser):
    data = (samples_dir / seed).read_bytes()
    assert parser.sniff(data) is (SEEDS[seed] is parser)


@pytest.mark.parametrize("seed", SEEDS)
def test_detect_format_names_each_seed(samples_dir, seed):
    assert detect_format((samples_dir / seed).read_bytes(), seed) == SEEDS[seed].FORMAT


@pytest.mark.parametrize("kind", NOT_DIGESTS)
@pytest.mark.parametrize("parser", PARSERS, ids=lambda module: module.FORMAT)
def test_no_sniffer_claims_xml_json_garbage_or_nothing(parser, kind):
    assert parser.sniff(NOT_DIGESTS[kind]) is False


@pytest.mark.parametrize("seed", SEEDS)
def test_titles_and_abstracts_are_clean_text(samples_dir, seed):
    parser = SEEDS[seed]
    parsed = parser.parse((samples_dir / seed).read_bytes(), seed)
    for paper in parsed.papers:
        for text in (paper.title, paper.abstract):
            assert text and text == clean_text(text)
            assert not [markup for markup in FORBIDDEN if markup in text], (paper.id, text)
        assert paper.sources == (parser.FORMAT,)
