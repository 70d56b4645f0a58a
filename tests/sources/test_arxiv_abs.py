"""arXiv .abs metadata files: all 157 recorded files, and a table of exact values."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from recommender.ids import clean_text
from recommender.models import Parsed
from recommender.sources import arxiv_abs

ABS_DIR = Path(__file__).parent.parent / "fixtures" / "arxiv-abs"
ABS_FILES = sorted(ABS_DIR.glob("*.abs"))
# cs-0006007.abs is a byte-for-byte copy of cs-0006008.abs: it describes cs/0006008.
DUPLICATES = {"cs-0006007.abs": "cs/0006008"}


def id_from_name(name: str) -> str:
    """`arxiv-0704.0007.abs` is 0704.0007; `cs-0006008.abs` is cs/0006008."""
    stem = name.removesuffix(".abs")
    if stem.startswith("arxiv-"):
        return stem.removeprefix("arxiv-")
    archive, number = stem.rsplit("-", 1)
    return f"{archive}/{number}"


def parse(name: str) -> Parsed:
    return arxiv_abs.parse((ABS_DIR / name).read_bytes(), name)


def test_there_are_157_files():
    assert len(ABS_FILES) == 157


@pytest.mark.parametrize("path", ABS_FILES, ids=lambda path: path.name)
def test_every_file_parses(path):
    text = path.read_text(encoding="utf-8")

    parsed = arxiv_abs.parse(path.read_bytes(), path.name)

    assert parsed.rejected == ()
    (paper,) = parsed.papers
    assert paper.id == DUPLICATES.get(path.name, id_from_name(path.name))
    assert paper.version == 1 + text.count("\nDate (revised v")
    assert paper.categories == tuple(re.search(r"^Categories: (.*)$", text, re.M)[1].split())
    first_title_line = re.search(r"^Title: (.*)$", text, re.M)[1]
    assert paper.title.startswith(clean_text(first_title_line))
    assert paper.authors and paper.abstract
    assert paper.published is not None and paper.updated >= paper.published
    assert paper.sources == ("arxiv-abs",)


@pytest.mark.parametrize(
    ("name", "paper_id", "version", "title", "authors", "categories"),
    [
        ("cs-0006008.abs", "cs/0006008", 1,
         "Performing work efficiently in the presence of faults",
         ("Cynthia Dwork", "Joseph Y. Halpern", "O. Waarts"), ("cs.DC",)),
        ("arxiv-0704.0007.abs", "0704.0007", 2, "Polymer Quantum Mechanics and its Continuum Limit",
         ("Alejandro Corichi", "Tatjana Vukasinac", "Jose A. Zapata"), ("gr-qc",)),
        ("arxiv-2101.04792.abs", "2101.04792", 4,
         "Learning Efficient Representations for Keyword Spotting with Triplet Loss",
         ("Roman Vygon", "Nikolay Mikhaylovskiy"), ("eess.AS", "cs.AI", "cs.LG")),
        ("arxiv-0704.0028.abs", "0704.0028", 2,
         "Pfaffians, hafnians and products of real linear functionals",
         ("Péter E. Frenkel",), ("math.CA", "math.PR")),
        ("arxiv-0704.0049.abs", "0704.0049", 1,
         "An algorithm for the classification of smooth Fano polytopes",
         ("Mikkel Øbro",), ("math.CO",)),
        ("arxiv-0704.0224.abs", "0704.0224", 1,
         "Are There Mach Cones in Heavy Ion Collisions? Three-Particle Correlations from STAR",
         ("Jason Glyndwr Ulery",), ("nucl-ex",)),
        ("arxiv-0704.0343.abs", "0704.0343", 2,
         "Experimental observation of structural crossover in binary mixtures of colloidal hard "
         "spheres",
         ("Jörg Baumgartl", "Roel P.A. Dullens", "Marjolein Dijkstra", "Roland Roth",
          "Clemens Bechinger"), ("cond-mat.soft", "cond-mat.dis-nn")),
    ],
)  # fmt: skip
def test_exact_values(name, paper_id, version, title, authors, categories):
    (paper,) = parse(name).papers

    assert (paper.id, paper.version, paper.title) == (paper_id, version, title)
    assert paper.authors == authors
    assert paper.categories == categories


def test_old_style_file_with_authors_over_three_lines():
    (paper,) = parse("cs-9901011.abs").papers

    assert paper.authors == (
        "Barry M. Leiner", "Vinton G. Cerf", "David D. Clark", "Robert E. Kahn",
        "Leonard Kleinrock", "Daniel C. Lynch", "Jon Postel", "Larry G. Roberts", "Stephen Wolf",
    )  # fmt: skip
    assert paper.published == paper.updated == datetime(1999, 1, 23, 0, 37, 11, tzinfo=UTC)
    assert dict(paper.extras) == {}


def test_dates_extras_and_abstract():
    (paper,) = parse("arxiv-0704.0007.abs").papers

    assert paper.published == datetime(2007, 3, 31, 4, 27, 22, tzinfo=UTC)
    assert paper.updated == datetime(2007, 8, 22, 22, 42, 11, tzinfo=UTC)
    assert dict(paper.extras) == {
        "comments": "16 pages, no figures. Typos corrected to match published version",
        "journal_ref": "Phys.Rev.D76:044016,2007",
        "doi": "10.1103/PhysRevD.76.044016",
    }
    assert paper.abstract.startswith("A rather non-standard quantum representation")
    assert paper.abstract.endswith("and a simple cosmological model.")


def test_continued_journal_ref_is_joined():
    (paper,) = parse("arxiv-2101.04792.abs").papers

    assert paper.extras["journal_ref"] == (
        "In: Karpov A., Potapova R. (eds) Speech and Computer. SPECOM 2021. "
        "Lecture Notes in Computer Science, vol 12997. Springer, Cham"
    )
    assert paper.updated == datetime(2021, 6, 4, 22, 20, 46, tzinfo=UTC)


def test_abstract_with_its_own_backslash_line_is_read_to_the_end():
    (paper,) = parse("arxiv-2004.02153.abs").papers

    assert "\\\\ v_t = \\Delta v - v + u" in paper.abstract
    assert paper.abstract.endswith("collapse into a persistent Dirac distribution.")


def test_utf8_author():
    (paper,) = parse("arxiv-1611.08171.abs").papers

    assert paper.authors == ("H. Nesse Tyssøy", "J. Stadsnes")


def test_file_without_title_is_rejected():
    data = (ABS_DIR / "cs-0006008.abs").read_bytes()
    data = data.replace(b"Title: Performing work efficiently in the presence of faults\n", b"")

    (rejection,) = arxiv_abs.parse(data, "x.abs").rejected

    assert (rejection.entry, rejection.reason) == ("cs/0006008", "no title")


LATIN1_ABS = """------------------------------------------------------------------------------
\\\\
arXiv:math/9901001
From: Jean-Fran\u00e7ois Dupr\u00e9 <dupre@example.org>
Date: Fri, 1 Jan 1999 10:00:00 GMT   (12kb)

Title: Sur les variétés de Fano et l'Épijournal de Géométrie Algébrique
Authors: Jean-Fran\u00e7ois Dupr\u00e9, Gu{\\dh}mundur Sigur{\\dh}sson
Categories: math.AG
Journal-ref: \u00c9pijournal de G\u00e9om\u00e9trie Alg\u00e9brique 1 (1999)
\\\\
  Nous \u00e9tudions les vari\u00e9t\u00e9s de Fano de dimension trois.
\\\\
"""


def test_a_latin1_file_is_decoded_in_its_encoding_and_tex_names_become_unicode():
    parsed = arxiv_abs.parse(LATIN1_ABS.encode("latin-1"), "latin1.abs")

    (paper,) = parsed.papers
    assert paper.title == ("Sur les variétés de Fano et l'Épijournal de Géométrie Algébrique")
    assert paper.authors == ("Jean-François Dupré", "Guðmundur Sigurðsson")
    assert paper.extras["journal_ref"] == "Épijournal de Géométrie Algébrique 1 (1999)"
    assert paper.abstract == "Nous étudions les variétés de Fano de dimension trois."
    assert "\ufffd" not in repr(paper)


def test_a_utf8_file_is_read_as_utf8():
    (paper,) = arxiv_abs.parse(LATIN1_ABS.encode("utf-8"), "utf8.abs").papers

    assert paper.authors == ("Jean-François Dupré", "Guðmundur Sigurðsson")
