"""Importing a library: every format read by hand-checkable examples, then resolved in a
real store (SQLite and PostgreSQL), all or nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from recommender.errors import ImportFailed
from recommender.importing import Reference, import_library, parse_library
from recommender.models import Paper
from recommender.profiles import MAX_SEEDS, Profile, TextSeed
from recommender.store import Store

NOW = datetime(2025, 7, 25, 12, tzinfo=UTC)
TARGET = "user:T1:U1"

# As Zotero exports an arXiv preprint (Better BibTeX is much the same).
ZOTERO_BIB = """\
@misc{itzhak_planted_2025,
\ttitle = {Planted in {Pretraining}, Swayed by {Finetuning}},
\turl = {http://arxiv.org/abs/2507.07186},
\tabstract = {Large language models exhibit cognitive biases.},
\tpublisher = {arXiv},
\tauthor = {Itzhak, Itay and Belinkov, Yonatan},
\tyear = {2025},
\tnote = {arXiv:2507.07186 [cs]},
}

@article{smith_journal_2020,
\ttitle = {A {Study} of {G}{\\"o}del's {Numbering}},
\tvolume = {12},
\tdoi = {10.1145/3295222.3295349},
\tjournal = {Journal of Things},
\tauthor = {Smith, Jane},
\tyear = {2020},
}
"""
# As Google Scholar exports one: the arXiv id only in the journal field.
SCHOLAR_BIB = """@article{vaswani2017attention,
  title={Attention is all you need},
  author={Vaswani, Ashish and Shazeer, Noam},
  journal={arXiv preprint arXiv:1706.03762},
  year={2017}
}
@misc{broken,
  title = {Missing its closing brace,
@inproceedings{nothing, year = {2019}}
"""
# Zotero's CSV export, shortened to the columns we read (and one we do not).
ZOTERO_CSV = (
    '"Key","Item Type","Publication Year","Author","Title","Abstract Note","DOI","Url","Extra"\n'
    '"ABCD1234","preprint","2025","Itzhak, Itay","Planted in Pretraining","Biases.","",'
    '"http://arxiv.org/abs/2507.07186","arXiv:2507.07186 [cs]"\n'
    '"EFGH5678","journalArticle","2020","Doe, J.","A multi-line\n'
    'title about routing","","10.1000/XYZ.1","",""\n'
    '"IJKL9012","journalArticle","2021","Roe, R.","","","","",""\n'
)
LINES = """\
# my papers
2507.07186
https://arxiv.org/pdf/2507.07188v2
doi:10.1000/xyz.1
https://example.com/paper

Sparse routing for mixture of experts
...
"""


def test_zotero_bibtex_gives_ids_dois_titles_and_abstracts():
    library = parse_library(ZOTERO_BIB)
    assert library.format == "BibTeX"
    assert library.references == (
        Reference(
            1,
            "Planted in Pretraining, Swayed by Finetuning",
            "Large language models exhibit cognitive biases.",
            arxiv_id="2507.07186",
        ),
        Reference(11, "A Study of Gödel's Numbering", doi="10.1145/3295222.3295349"),
    )
    assert library.unread == ()


def test_google_scholar_bibtex_and_bad_entries_name_their_lines():
    library = parse_library(SCHOLAR_BIB)
    assert library.references == (Reference(1, "Attention is all you need", arxiv_id="1706.03762"),)
    assert [(u.line, u.reason) for u in library.unread] == [
        (7, "not a complete BibTeX entry: check its braces and commas"),
        (9, "no title, arXiv id or DOI"),
    ]
    assert str(library.unread[0]) == (
        "line 7: '@misc{broken,' (not a complete BibTeX entry: check its braces and commas)"
    )


def test_a_zotero_csv_export_with_multi_line_fields():
    library = parse_library(ZOTERO_CSV)
    assert library.format == "Zotero CSV"
    assert library.references == (
        Reference(2, "Planted in Pretraining", "Biases.", arxiv_id="2507.07186"),
        Reference(3, "A multi-line title about routing", doi="10.1000/XYZ.1"),
    )
    [unread] = library.unread
    assert (unread.line, unread.reason) == (5, "no words to read")


def test_a_list_of_ids_links_dois_and_titles():
    library = parse_library(LINES)
    assert library.format == "list"
    assert library.references == (
        Reference(2, arxiv_id="2507.07186"),
        Reference(3, arxiv_id="2507.07188"),
        Reference(4, doi="10.1000/xyz.1"),
        Reference(7, "Sparse routing for mixture of experts"),
    )
    assert [(u.line, u.reason) for u in library.unread] == [
        (5, "a link, but to no arXiv paper or DOI"),
        (8, "no words to read"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the library is empty"),
        ("\n# nothing\n", "the library is empty"),
        ("...\n---", "no paper found in it: line 1: '...' (no words to read); line 2"),
        ("x" * 5_000_001, "5,000,001 characters; at most 5,000,000 at once"),
        ("\n".join(f"Paper {i}" for i in range(1001)), "holds 1,001 papers; at most 1,000"),
        ("T" * 2001, "line 1: 'TTTT"),
    ],
)
def test_bad_libraries_are_refused_with_where_and_why(text: str, message: str):
    with pytest.raises(ImportFailed, match=".*".join(map(_escaped, message.split("TTTT")))):
        parse_library(text)


def _escaped(text: str) -> str:
    import re

    return re.escape(text)


ARCHIVE = [
    Paper("2507.07186", "Planted in Pretraining, Swayed by Finetuning", "Biases."),
    Paper(
        "title:0000000000000001",
        "A multi-line title about routing",
        extras={"doi": "10.1000/xyz.1"},
    ),
    Paper("2507.10001", "Sparse Routing for Mixture-of-Experts!", "Routing."),
]


def test_an_import_resolves_what_the_archive_holds_and_keeps_the_rest_as_text(store: Store):
    store.upsert(ARCHIVE, now=NOW)
    store.profiles.save(TARGET, Profile(description="x1", disliked=("2507.07186",)), now=NOW)
    text = LINES + "1706.03762\nMy own unpublished paper on routing\n"
    report = import_library(store, TARGET, text, now=NOW)
    # 2507.07186 by id, title:...1 by its DOI in any case, 2507.10001 by its exact title.
    assert report.found == ("2507.07186", "title:0000000000000001", "2507.10001")
    assert report.kept_as_text == 1
    assert [(ref.line, ref.arxiv_id) for ref in report.missing] == [
        (3, "2507.07188"),
        (9, "1706.03762"),
    ]
    profile = store.profiles.get(TARGET)
    assert profile.seeds == report.found
    assert profile.text_seeds == (TextSeed("My own unpublished paper on routing"),)
    assert profile.disliked == ()  # seeding a paper takes back its dislike
    assert report.summary() == (
        "imported 4 papers: 3 found in the archive, 1 kept as text; 2 ids not in the archive "
        "and without a title, left out (line 3: 2507.07188); 2 lines not understood "
        "(line 5: 'https://example.com/paper' (a link, but to no arXiv paper or DOI); "
        "line 8: '...' (no words to read))"
    )
    again = import_library(store, TARGET, text, now=NOW)
    assert again.already == 4 and store.profiles.get(TARGET) == profile


def test_an_import_over_the_seed_limit_changes_nothing(store: Store):
    many = tuple(f"Paper number {i}" for i in range(MAX_SEEDS - 1))
    store.profiles.save(TARGET, Profile(text_seeds=many), now=NOW)
    before = store.profiles.get(TARGET)
    with pytest.raises(ImportFailed, match="would hold 1,001 text seeds; at most 1,000"):
        import_library(store, TARGET, "One more paper\nAnd another\n", now=NOW)
    assert store.profiles.get(TARGET) == before


def test_an_import_creates_the_profile_of_someone_new(store: Store):
    report = import_library(store, TARGET, ZOTERO_BIB, now=NOW)
    assert (report.found, report.kept_as_text) == ((), 2)
    assert store.profiles.get(TARGET).has_interests


def test_ids_the_archive_lacks_and_nothing_else_import_nothing(store: Store):
    with pytest.raises(ImportFailed) as caught:
        import_library(store, TARGET, "1706.03762\ndoi:10.1000/none\n", now=NOW)
    assert str(caught.value) == (
        "none of its 2 papers is in the archive, and none has a title to keep it by "
        "(line 1: 1706.03762); import them as BibTeX, with their titles"
    )
    assert store.profiles.get(TARGET) is None


def test_the_same_paper_twice_is_imported_once(store: Store):
    report = import_library(store, TARGET, "A paper\na paper!\nAnother\n", now=NOW)
    assert report.kept_as_text == 2
    assert [seed.title for seed in store.profiles.get(TARGET).text_seeds] == ["A paper", "Another"]
