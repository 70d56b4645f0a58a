"""BEIR corpus.jsonl.

tests/fixtures/beir/corpus.jsonl is HAND-WRITTEN in BEIR's layout (`_id`, `title`, `text`,
`metadata`); the first document follows SciFact's, shortened. The CACM line below follows
the shared evaluation collection's layout (`authors` as "Last, First").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recommender.sources import beir

NAME = "corpus.jsonl"


def read(fixtures_dir: Path) -> bytes:
    return (fixtures_dir / "beir" / NAME).read_bytes()


def test_documents_are_keyed_by_their_beir_id(fixtures_dir):
    parsed = beir.parse(read(fixtures_dir), NAME)

    assert [(p.id, p.extras["beir_id"]) for p in parsed.papers] == [
        ("beir:4983", "4983"),
        ("beir:5836", "5836"),
        ("beir:doc-7", "doc-7"),
    ]
    assert parsed.rejected == ()


def test_document_fields(fixtures_dir):
    paper = beir.parse(read(fixtures_dir), NAME).papers[2]

    assert paper.title == "Attention Is All You Need"
    assert paper.abstract.startswith("The dominant sequence transduction models")
    assert paper.arxiv_id is None  # not an arXiv id, even though the metadata links arXiv
    assert paper.sources == ("beir-corpus",)


def test_untitled_document_keeps_an_empty_title(fixtures_dir):
    paper = beir.parse(read(fixtures_dir), NAME).papers[1]

    assert paper.title == ""
    assert paper.abstract == "Passages in some BEIR corpora have no title at all, like this one."


def test_documents_with_the_same_title_stay_apart():
    """CACM lists "Glossary of Computer Engineering and Programming Terminology" three times."""
    line = b'{"_id": "%d", "title": "Glossary of Computer Engineering", "text": "", "authors": []}'

    parsed = beir.parse(b"\n".join([line % 4, line % 7, line % 10]), NAME)

    assert [p.id for p in parsed.papers] == ["beir:4", "beir:7", "beir:10"]


def test_cacm_authors_are_turned_round():
    line = (
        b'{"_id": "1", "title": "Preliminary Report-International Algebraic Language", '
        b'"text": "", "authors": ["Perlis, A. J.", "Samelson,K.", "Backus"]}'
    )

    (paper,) = beir.parse(line, NAME).papers

    assert paper.authors == ("A. J. Perlis", "K. Samelson", "Backus")


def test_bad_lines_are_rejected_the_rest_kept(fixtures_dir):
    good = read(fixtures_dir).splitlines()
    lines = [
        good[0],
        b'{"_id": "1", "title": "Trunc',
        good[1],
        b'{"_id": "2", "title": "", "text": ""}',
        b'{"title": "No id", "text": "x"}',
    ]

    parsed = beir.parse(b"\n".join(lines), NAME)

    assert [p.extras["beir_id"] for p in parsed.papers] == ["4983", "5836"]
    assert [(r.entry, r.reason.split(":")[0]) for r in parsed.rejected] == [
        ("line 2", "not valid JSON"),
        ("line 4 (_id 2)", "no title and no text"),
        ("line 5", "no _id"),
    ]


def test_a_corpus_saved_as_one_json_array_is_read(fixtures_dir):
    documents = [json.loads(line) for line in read(fixtures_dir).splitlines()]
    data = json.dumps(documents, indent=2).encode()

    assert beir.sniff(data)
    parsed = beir.parse(data, "corpus.json")

    assert parsed.papers == beir.parse(read(fixtures_dir), NAME).papers
    assert parsed.rejected == ()


def test_a_cut_off_json_array_keeps_the_documents_before_the_cut(fixtures_dir):
    documents = [json.loads(line) for line in read(fixtures_dir).splitlines()]
    data = json.dumps(documents, indent=2).encode()
    cut = data[: data.index(b'"doc-7"')]

    parsed = beir.parse(cut, "corpus.json")

    assert [p.id for p in parsed.papers] == ["beir:4983", "beir:5836"]
    (rejection,) = parsed.rejected
    assert rejection.entry.startswith("line ")
    assert rejection.reason.startswith("JSON array broken off or malformed")


def test_objects_written_back_to_back_on_one_line_are_each_read(fixtures_dir):
    data = b"".join(read(fixtures_dir).splitlines())

    assert beir.sniff(data)
    parsed = beir.parse(data, "joined.jsonl")

    assert [p.id for p in parsed.papers] == ["beir:4983", "beir:5836", "beir:doc-7"]
    assert parsed.rejected == ()


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b'{"_id": 5, "title": 7, "text": null}', "_id is a number, not text"),
        (b'{"_id": "5", "title": 7, "text": "t"}', "title is a number, not text"),
        (b'{"_id": "5", "title": "T", "text": ["a"]}', "text is a list, not text"),
        (b'{"_id": "5", "title": "T", "text": "t", "authors": "Perlis, A. J."}',
         "authors is text, not a list"),
    ],
)  # fmt: skip
def test_a_field_of_the_wrong_type_rejects_its_document(line, reason):
    good = b'{"_id": "ok", "title": "Fine", "text": "A good one."}'

    parsed = beir.parse(good + b"\n" + line + b"\n", "types.jsonl")

    assert [p.id for p in parsed.papers] == ["beir:ok"]
    assert [(r.entry, r.reason) for r in parsed.rejected] == [("line 2", reason)]
