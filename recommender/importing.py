"""Importing a person's library as seeds: BibTeX, a Zotero CSV export, or a list of lines.

`parse_library` reads the text (pure; no store): BibTeX as Zotero, Mendeley and Google
Scholar export it (parsed by `bibtexparser`), Zotero's CSV export, or one item a line: an
arXiv id or URL, a DOI, or a title (a list of one's own papers). Each paper it finds is a
`Reference` with the line it starts on; what it cannot read is an `Unread` line, kept to
report. `import_library` then resolves the references against the store (arXiv id, DOI,
exact normalized title), keeps the rest as text seeds, and changes the profile in one
transaction: all of it or, on an error, nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime

import bibtexparser
from bibtexparser.model import Entry, ParsingFailedBlock

from recommender.errors import ImportFailed, InvalidArxivId
from recommender.ids import find_arxiv_id, find_doi, parse_arxiv_id
from recommender.limits import IMPORT_LIMITS
from recommender.profiles import MAX_SEED_ABSTRACT, MAX_SEEDS, Profile, TextSeed
from recommender.sources.fields import detex
from recommender.store import Store
from recommender.text import tokenize

_BIBTEX = re.compile(r"^\s*@[A-Za-z]+\s*[{(]", re.MULTILINE)
# Zotero's CSV export starts with these columns ("Key","Item Type",...).
_ZOTERO_COLUMNS = ("Item Type", "Title")
_QUOTE = 60  # characters of an unread line shown back


@dataclass(frozen=True)
class Reference:
    """One paper of an imported library: what identifies it, and the line it starts on."""

    line: int
    title: str = ""
    abstract: str = ""
    arxiv_id: str | None = None
    doi: str | None = None


@dataclass(frozen=True)
class Unread:
    """A line of an imported library that says no paper, and why."""

    line: int
    text: str
    reason: str

    def __str__(self) -> str:
        quoted = self.text if len(self.text) <= _QUOTE else self.text[: _QUOTE - 1] + "…"
        return f"line {self.line}: {quoted!r} ({self.reason})"


@dataclass(frozen=True)
class Library:
    """What `parse_library` read: the papers, the lines it could not read, the format."""

    format: str
    references: tuple[Reference, ...]
    unread: tuple[Unread, ...]


@dataclass(frozen=True)
class ImportReport:
    """What an import did to a profile."""

    found: tuple[str, ...]  # ids of papers in the archive, now seeds
    kept_as_text: int
    missing: tuple[Reference, ...]  # known by an id alone, not in the archive: left out
    unread: tuple[Unread, ...]
    already: int = 0  # papers that were seeds before

    @property
    def imported(self) -> int:
        return len(self.found) + self.kept_as_text

    def summary(self) -> str:
        """`imported 42 papers: 30 found in the archive, 12 kept as text; 3 lines not
        understood (line 7: ...)`."""
        text = (
            f"imported {_count(self.imported, 'paper')}: {len(self.found)} found in the "
            f"archive, {self.kept_as_text} kept as text"
        )
        if self.already:
            text += f" ({self.already} of them seeds already)"
        if self.missing:
            first = self.missing[0]
            what = first.arxiv_id or first.doi
            text += (
                f"; {_count(len(self.missing), 'id')} not in the archive and without a title, "
                f"left out (line {first.line}: {what})"
            )
        if self.unread:
            shown = "; ".join(str(unread) for unread in self.unread[:3])
            more = ", …" if len(self.unread) > 3 else ""
            text += f"; {_count(len(self.unread), 'line')} not understood ({shown}{more})"
        return text


def parse_library(text: str) -> Library:
    """The papers in an exported library (see the module's docstring); ImportFailed when
    it is too large or holds no paper at all, naming the lines it could not read."""
    limits = IMPORT_LIMITS
    if len(text) > limits.chars:
        raise ImportFailed(
            f"the library is {len(text):,} characters; at most {limits.chars:,} at once"
        )
    if _BIBTEX.search(text):
        library = Library("BibTeX", *_split(_bibtex(text)))
    elif _is_zotero_csv(text):
        library = Library("Zotero CSV", *_split(_zotero_csv(text)))
    else:
        library = Library("list", *_split(_lines(text)))
    if len(library.references) > limits.papers:
        raise ImportFailed(
            f"the library holds {len(library.references):,} papers; "
            f"at most {limits.papers:,} at once"
        )
    if not library.references:
        if library.unread:
            shown = "; ".join(str(unread) for unread in library.unread[:3])
            raise ImportFailed(f"no paper found in it: {shown}")
        raise ImportFailed("the library is empty")
    return library


def import_library(store: Store, target: str, text: str, *, now: datetime) -> ImportReport:
    """Add the papers of an exported library to `target`'s seeds, in one transaction."""
    library = parse_library(text)
    found, seeds, missing = resolve(store, library.references)
    if not (found or seeds):
        first = missing[0]
        raise ImportFailed(
            f"none of its {_count(len(missing), 'paper')} is in the archive, and none has a "
            f"title to keep it by (line {first.line}: {first.arxiv_id or first.doi}); "
            "import them as BibTeX, with their titles"
        )
    already = []

    def add(profile: Profile) -> Profile:
        ids = tuple(dict.fromkeys((*profile.seeds, *found)))
        # Profile keeps the first of two seeds of one title: those it had.
        texts = (*profile.text_seeds, *seeds)
        new_texts = len({seed.id for seed in texts})
        for name, total in (("seeds in the archive", len(ids)), ("text seeds", new_texts)):
            if total > MAX_SEEDS:
                raise ImportFailed(
                    f"the profile would hold {total:,} {name}; at most {MAX_SEEDS:,}: "
                    "import a part of the library, or remove seeds first"
                )
        had = {*profile.seeds, *(seed.id for seed in profile.text_seeds)}
        already.append(sum(i in had for i in (*found, *(seed.id for seed in seeds))))
        # A seed counts once among the wanted papers, and is no paper its owner disliked.
        return replace(
            profile,
            seeds=ids,
            text_seeds=texts,
            liked=tuple(i for i in profile.liked if i not in found),
            disliked=tuple(i for i in profile.disliked if i not in found),
        )

    store.profiles.update(target, add, now=now, create=True)
    return ImportReport(tuple(found), len(seeds), tuple(missing), library.unread, already[-1])


def resolve(
    store: Store, references: Iterable[Reference]
) -> tuple[list[str], list[TextSeed], list[Reference]]:
    """The store's papers the references name (by arXiv id, DOI, then exact title), the
    text seeds of the others that have a title, and those known by an id alone."""
    references = list(references)
    keys = store.keys_of(r.arxiv_id for r in references if r.arxiv_id)
    by_key = {key: paper.id for key, paper in store.by_keys(set(keys.values())).items()}
    by_doi = store.ids_by_doi(r.doi for r in references if r.doi)
    by_title = store.ids_by_title(r.title for r in references if r.title)
    found: list[str] = []
    seeds: list[TextSeed] = []
    missing: list[Reference] = []
    for ref in references:
        paper_id = (
            (by_key.get(keys[ref.arxiv_id]) if ref.arxiv_id in keys else None)
            or (by_doi.get(ref.doi) if ref.doi else None)
            or (by_title.get(ref.title) if ref.title else None)
        )
        if paper_id:
            found.append(paper_id)
        elif ref.title:
            seeds.append(TextSeed(ref.title, ref.abstract[:MAX_SEED_ABSTRACT]))
        else:
            missing.append(ref)
    unique: dict[str, TextSeed] = {}
    for seed in seeds:
        unique.setdefault(seed.id, seed)  # the same title twice is one seed: the first
    return list(dict.fromkeys(found)), list(unique.values()), missing


# Formats ---------------------------------------------------------------------------------


def _split(items: Iterable[Reference | Unread]) -> tuple[tuple[Reference, ...], tuple[Unread, ...]]:
    items = list(items)
    references = tuple(item for item in items if isinstance(item, Reference))
    return references, tuple(item for item in items if isinstance(item, Unread))


def _bibtex(text: str) -> Iterator[Reference | Unread]:
    lines = text.splitlines()
    for block in bibtexparser.parse_string(text).blocks:
        line = block.start_line + 1
        if isinstance(block, ParsingFailedBlock):
            first = lines[block.start_line].strip() if block.start_line < len(lines) else ""
            yield Unread(line, first, "not a complete BibTeX entry: check its braces and commas")
        elif isinstance(block, Entry):
            yield _entry(block, line)


def _entry(entry: Entry, line: int) -> Reference | Unread:
    fields = {key.lower(): str(value) for key, value in entry.items()}
    title = _clean(detex(fields.get("title", "")))
    # Google Scholar puts the arXiv id in the journal ("arXiv preprint arXiv:2507.07186").
    arxiv = _arxiv_in(
        fields.get("eprint", "") if "arxiv" in fields.get("archiveprefix", "arxiv").lower() else "",
        fields.get("url", ""),
        fields.get("journal", ""),
        fields.get("note", ""),
    )
    doi = find_doi(fields.get("doi", "")) or find_doi(fields.get("url", ""))
    return _reference(
        line, f"@{entry.entry_type}{{{entry.key}", title, fields.get("abstract", ""), arxiv, doi
    )


def _is_zotero_csv(text: str) -> bool:
    header = next(csv.reader(io.StringIO(text.lstrip("\ufeff").partition("\n")[0])), [])
    return all(column in header for column in _ZOTERO_COLUMNS)


def _zotero_csv(text: str) -> Iterator[Reference | Unread]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    start = 2
    try:
        for row in reader:
            # A quoted field may span lines: a row starts after the last one ended.
            line, start = start, reader.line_num + 1
            yield _zotero_row({k: (v or "").strip() for k, v in row.items() if k}, line)
    except csv.Error as error:
        raise ImportFailed(f"line {reader.line_num}: not a readable CSV row ({error})") from None


def _zotero_row(row: dict[str, str], line: int) -> Reference | Unread:
    title = row.get("Title", "")
    arxiv = _arxiv_in(row.get("Url", ""), row.get("Extra", ""), row.get("Archive Location", ""))
    shown = title or ",".join(value for value in row.values() if isinstance(value, str))
    abstract = row.get("Abstract Note", "")
    return _reference(line, shown, _clean(title), abstract, arxiv, find_doi(row.get("DOI", "")))


def _lines(text: str) -> Iterator[Reference | Unread]:
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().strip("<>").split("|")[0].strip()  # Slack sends links as <url|label>
        if not line or line.startswith("#"):
            continue
        arxiv = _arxiv_id(line)
        doi = None if arxiv else find_doi(line)
        if arxiv or doi:
            yield Reference(number, arxiv_id=arxiv, doi=doi)
        elif re.match(r"https?://", line, re.IGNORECASE):
            yield Unread(number, line, "a link, but to no arXiv paper or DOI")
        else:
            yield _reference(number, line, _clean(line), "", None, None)


def _reference(
    line: int, shown: str, title: str, abstract: str, arxiv: str | None, doi: str | None
) -> Reference | Unread:
    """A Reference of what was read, or an Unread line saying what is missing or too long."""
    limits = IMPORT_LIMITS
    if len(title) > limits.title:
        return Unread(line, shown, f"the title is over {limits.title:,} characters")
    if title and not tokenize(title):
        title = ""
    if not (title or arxiv or doi):
        reason = "no title, arXiv id or DOI" if shown.startswith("@") else "no words to read"
        return Unread(line, shown, reason)
    return Reference(line, title, _clean(detex(abstract)), arxiv, doi)


def _arxiv_id(text: str) -> str | None:
    try:
        return parse_arxiv_id(text)[0]
    except InvalidArxivId:
        found = find_arxiv_id(text)
        return found[0] if found else None


def _arxiv_in(*texts: str) -> str | None:
    for text in texts:
        text = text.strip()
        found = text and _arxiv_id(text)
        if found:
            return found
    return None


def _clean(text: str) -> str:
    """One line of text, without the braces BibTeX uses to keep capitals."""
    return " ".join(text.replace("{", "").replace("}", "").split())


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
