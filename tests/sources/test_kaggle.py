"""Kaggle arXiv metadata snapshot (JSON lines).

There is no recording: tests/fixtures/kaggle/arxiv-metadata-oai-snapshot.json is HAND-WRITTEN
in the snapshot's layout from its documented fields (the third record is made up).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from recommender.sources import kaggle

NAME = "arxiv-metadata-oai-snapshot.json"


def read(fixtures_dir: Path) -> bytes:
    return (fixtures_dir / "kaggle" / NAME).read_bytes()


def test_every_line_is_a_paper(fixtures_dir):
    parsed = kaggle.parse(read(fixtures_dir), NAME)

    assert [(p.id, p.version) for p in parsed.papers] == [
        ("0704.0001", 2), ("cond-mat/0102536", 1), ("2310.01234", 3),
    ]  # fmt: skip
    assert parsed.rejected == ()


def test_record_fields(fixtures_dir):
    paper = kaggle.parse(read(fixtures_dir), NAME).papers[0]

    assert paper.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert paper.abstract == (
        "A fully differential calculation in perturbative quantum chromodynamics is presented "
        "for the production of massive photon pairs at hadron colliders."
    )
    # From authors_parsed, [last, first, suffix]; Kaggle's own parse splits "C.-P." oddly.
    assert paper.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan")
    assert paper.categories == ("hep-ph",)
    assert paper.published == datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)
    assert paper.updated == datetime(2007, 7, 24, 20, 10, 27, tzinfo=UTC)
    assert paper.sources == ("kaggle",)
    assert dict(paper.extras) == {
        "comments": "37 pages, 15 figures; published version",
        "journal_ref": "Phys.Rev.D76:013009,2007",
        "doi": "10.1103/PhysRevD.76.013009",
    }


def test_old_style_id_and_suffix(fixtures_dir):
    papers = kaggle.parse(read(fixtures_dir), NAME).papers

    assert papers[1].id == "cond-mat/0102536"
    assert papers[1].categories == ("cond-mat.str-el",)
    assert papers[2].authors == ("Martin Luther King Jr.", "Ana Lima")
    assert papers[2].categories == ("cs.CL", "cs.LG")
    assert papers[2].updated == datetime(2024, 1, 9, 12, 0, tzinfo=UTC)
    assert dict(papers[2].extras) == {}


def test_authors_string_is_used_without_authors_parsed():
    line = (
        b'{"id": "0704.0001", "title": "T", "versions": [], '
        b'"authors": "C. Bal\\\\\'azs and E. L. Berger"}'
    )

    (paper,) = kaggle.parse(line, "x.json").papers

    assert paper.authors == ("C. Balázs", "E. L. Berger")
    assert (paper.version, paper.published) == (None, None)


def test_bad_lines_are_rejected_the_rest_kept(fixtures_dir):
    good = read(fixtures_dir).splitlines()
    lines = [
        good[0],
        b'{"id": "0704.0002", "title": "Cut off in the midd',
        b"",
        b'{"id": "0704.0003", "title": "   ", "versions": []}',
        b'{"id": "abc", "title": "No real id"}',
        b'["a", "list"]',
        good[1],
    ]

    parsed = kaggle.parse(b"\n".join(lines), NAME)

    assert [p.id for p in parsed.papers] == ["0704.0001", "cond-mat/0102536"]
    assert [(r.entry, r.reason.split(":")[0]) for r in parsed.rejected] == [
        ("line 2", "not valid JSON"),
        ("line 4 (0704.0003)", "no title"),
        ("line 5", "no arXiv id (id 'abc')"),
        ("line 6", "not a JSON object"),
    ]


def test_tex_in_titles_and_names_becomes_unicode():
    line = (
        b'{"id": "1201.0001",'
        b' "title": "On Erd\\\\H{o}s\' conjecture in {\\\\em $\\\\ell_p$} spaces",'
        b' "abstract": "We prove it.", "categories": "math.FA",'
        b' "authors": "Gu{\\\\dh}mundur Sigur{\\\\dh}sson",'
        b' "authors_parsed": [["Sigur{\\\\dh}sson", "Gu{\\\\dh}mundur", ""]]}\n'
    )

    (paper,) = kaggle.parse(line, "tex").papers

    assert paper.title == "On Erdős' conjecture in $\\ell_p$ spaces"
    assert paper.authors == ("Guðmundur Sigurðsson",)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        (b'"id": 704.0001, "title": "T", "abstract": "A"', "id is a number, not text"),
        (b'"id": "0704.0001", "title": 7, "abstract": "A"', "title is a number, not text"),
        (b'"id": "0704.0001", "title": "T", "abstract": ["a"]', "abstract is a list, not text"),
    ],
)
def test_a_field_of_the_wrong_type_rejects_its_line(fields, reason):
    line = b'{%s, "categories": "cs.CL", "versions": []}\n' % fields

    parsed = kaggle.parse(line, "types")

    assert parsed.papers == ()
    assert [(r.entry, r.reason) for r in parsed.rejected] == [("line 1", reason)]
