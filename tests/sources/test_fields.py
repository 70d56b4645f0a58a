"""Field parsers shared by the feed formats: author lists, TeX accents, dates, versions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from recommender.sources.fields import (
    detex,
    extras,
    iso_utc,
    rfc2822_utc,
    split_authors,
    unique,
    version_history,
)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Christoph Richard", ("Christoph Richard",)),
        ("N.C. Summers and F.M. Nunes", ("N.C. Summers", "F.M. Nunes")),
        ("D.V. Shetty, S.J. Yennello, and G.A. Souliotis",
         ("D.V. Shetty", "S.J. Yennello", "G.A. Souliotis")),
        ("Alejandro Corichi, Tatjana Vukasinac and Jose A. Zapata",
         ("Alejandro Corichi", "Tatjana Vukasinac", "Jose A. Zapata")),
        ("Barry M. Leiner, Vinton G. Cerf,\n  Leonard Kleinrock",
         ("Barry M. Leiner", "Vinton G. Cerf", "Leonard Kleinrock")),
        ("John Smith, Jr., Jane Doe and Al Gore III",
         ("John Smith Jr.", "Jane Doe", "Al Gore III")),
        ("Geoffrey C. Bower (Berkeley), Eric Ford (CfA, Florida)",
         ("Geoffrey C. Bower", "Eric Ford")),
        ("J. Smith (1), K. Jones (2) ((1) MIT, (2) CMU)", ("J. Smith", "K. Jones")),
        ("Jason Glyndwr Ulery (for the STAR Collaboration)", ("Jason Glyndwr Ulery",)),
        ("Alexander Anderson and Sandra Band", ("Alexander Anderson", "Sandra Band")),
        ("LHCb collaboration: R. Aaij, B. Adeva, M. Adinolfi",
         ("LHCb collaboration", "R. Aaij", "B. Adeva", "M. Adinolfi")),
        ("The ATLAS Collaboration", ("The ATLAS Collaboration",)),
        ("Gu{\\dh}mundur Sigur{\\dh}sson and {\\L}ukasz Kaiser",
         ("Guðmundur Sigurðsson", "Łukasz Kaiser")),
        ("", ()),
    ],
)  # fmt: skip
def test_split_authors(text, names):
    assert split_authors(text) == names


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        ("P\\'eter", "Péter"),
        ('J\\"org', "Jörg"),
        ("{\\O}bro", "Øbro"),
        ("Ji\\v{r}\\'{\\i}", "Jiří"),
        ("Fran\\c{c}ois", "François"),
        ("Gau\\ss", "Gauß"),
        ("Plain Name", "Plain Name"),
        ("Gu{\\dh}mundur", "Guðmundur"),
        ("Erd\\H{o}s and \\v{S}ime\\v{c}ek", "Erdős and Šimeček"),
        ('{\\aa}ngstr\\"om {\\TH}orr \\k{a}', "ångström Þorr ą"),
        (
            "The {\\em Fermi} \\textit{view} of $\\alpha$-stable laws",
            "The Fermi view of $\\alpha$-stable laws",
        ),
        ("A 50% speed-up at 3\\% cost", "A 50% speed-up at 3% cost"),
    ],
)
def test_detex(tex, text):
    assert detex(tex) == text


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("Tue, 3 Apr 2007 22:04:11 GMT", datetime(2007, 4, 3, 22, 4, 11, tzinfo=UTC)),
        ("Sat, 31 Mar 2007 04:27:22 GMT   (31kb)", datetime(2007, 3, 31, 4, 27, 22, tzinfo=UTC)),
        ("Fri, 11 Jul 2025 00:00:00 -0400", datetime(2025, 7, 11, 4, 0, tzinfo=UTC)),
        ("not a date", None),
    ],
)
def test_rfc2822_utc(text, moment):
    assert rfc2822_utc(text) == moment


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2021-04-20T16:07:14Z", datetime(2021, 4, 20, 16, 7, 14, tzinfo=UTC)),
        ("2025-07-09T17:59:57.000Z", datetime(2025, 7, 9, 17, 59, 57, tzinfo=UTC)),
        ("2025-07-11T00:00:00-04:00", datetime(2025, 7, 11, 4, 0, tzinfo=UTC)),
        ("2008-11-13", datetime(2008, 11, 13, tzinfo=UTC)),
        ("", None),
    ],
)
def test_iso_utc(text, moment):
    assert iso_utc(text) == moment


def test_version_history_takes_v1_and_the_latest_in_any_order():
    history = [
        ("v2", "Wed, 30 Apr 2008 17:03:55 GMT"),
        ("v1", "Fri, 6 Apr 2007 11:07:01 GMT"),
        ("v3", "Thu, 20 Nov 2014 15:03:16 GMT"),
    ]

    assert version_history(history) == (
        3,
        datetime(2007, 4, 6, 11, 7, 1, tzinfo=UTC),
        datetime(2014, 11, 20, 15, 3, 16, tzinfo=UTC),
    )
    assert version_history([]) == (None, None, None)


def test_extras_drop_empty_values_and_freeze_lists():
    assert extras(comments="  3 pages\n  2 figures ", doi="", journal_ref=None, hf_upvotes=0,
                  ai_keywords=["a", "b"]) == {"comments": "3 pages 2 figures", "hf_upvotes": 0,
                                              "ai_keywords": ("a", "b")}  # fmt: skip


def test_unique_keeps_first_seen_order():
    assert unique(["cs.CL", "cs.AI", "", "cs.CL"]) == ("cs.CL", "cs.AI")
