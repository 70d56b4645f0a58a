"""Papers, their embeddings and statistics: the core of the store, as `Store`'s own methods.

A batch is merged into what is stored (`recommender.dedupe`): a new version updates its
row, and a title-only record joins the arXiv record of the same title and first author
(`dedupe.same_by_title`), leaving its id as an alias. Each paper has a dense integer key,
the key of the indexes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.exc import IntegrityError

from recommender import dedupe
from recommender.categories import in_category, parse_category
from recommender.ids import is_arxiv_id, is_title_id, normalize_title
from recommender.models import Paper
from recommender.names import name_contains
from recommender.store.harvests import Harvest, save_harvest
from recommender.store.schema import embeddings, paper_aliases, papers, text_embeddings


@dataclass
class UpsertResult:
    """Which papers one batch added, changed, or left as they were."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Watermark:
    """Enough to tell whether an index built from the store is still current."""

    papers: int
    max_key: int
    changed: datetime | None


@dataclass(frozen=True)
class StoreStats:
    """What the store holds, for `papers stats`."""

    papers: int
    by_source: dict[str, int]
    by_category: dict[str, int]
    newest_published: datetime | None
    last_ingested: datetime | None


def _paper(row: RowMapping) -> Paper:
    return Paper(
        id=row["id"],
        title=row["title"],
        abstract=row["abstract"],
        authors=row["authors"],
        categories=row["categories"],
        version=row["version"],
        published=row["published"],
        updated=row["updated"],
        sources=row["sources"],
        extras=row["extras"],
    )


def _columns(paper: Paper) -> dict:
    return {
        "id": paper.id,
        "norm_title": normalize_title(paper.title),
        "doi": folded_doi(paper.extras.get("doi")),
        "title": paper.title,
        "abstract": paper.abstract,
        "authors": list(paper.authors),
        "categories": list(paper.categories),
        "version": paper.version,
        "published": paper.published,
        "updated": paper.updated,
        "sources": list(paper.sources),
        "extras": dict(paper.extras),
    }


def folded_doi(doi: object) -> str | None:
    """A DOI as the store keeps it for lookup: case-folded (DOIs ignore case), or None."""
    if not isinstance(doi, str):
        return None
    return doi.strip().casefold() or None


class Papers:
    """The paper table's reads and writes; `Store` has them as its own methods."""

    engine: Engine

    def upsert(
        self, batch: Sequence[Paper], *, now: datetime, harvest: Harvest | None = None
    ) -> UpsertResult:
        """Add or merge a batch of papers in one transaction (all of it lands, or none).

        With `harvest`, where that harvest has got to is saved in the same transaction, so
        that a restart continues after exactly the pages whose papers are stored.
        """
        result = UpsertResult()
        with self.engine.begin() as conn:
            known = _Known.load(conn, batch)
            for paper in batch:
                _upsert_one(conn, known, paper, now, result)
            if harvest is not None:
                save_harvest(conn, harvest, now=now)
        return result

    def insert_new(self, batch: Sequence[Paper], *, now: datetime) -> None:
        """Insert papers known to be new and distinct in one statement, merging nothing.

        For bulk loads of generated corpora (bench/): `upsert` looks each paper up to merge
        it, about 1,000 papers a second. A paper already stored fails the whole batch.
        """
        rows = [{**_columns(paper), "first_seen": now, "changed": now} for paper in batch]
        with self.engine.begin() as conn:
            conn.execute(papers.insert(), rows)

    def get(self, paper_id: str) -> Paper | None:
        """The paper with this id, following the alias a merged title-only record left."""
        with self.engine.connect() as conn:
            target = conn.scalar(
                select(paper_aliases.c.paper_id).where(paper_aliases.c.alias == paper_id)
            )
            row = (
                conn.execute(select(papers).where(papers.c.id == (target or paper_id)))
                .mappings()
                .first()
            )
        return _paper(row) if row else None

    def count(self) -> int:
        with self.engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(papers)) or 0

    def iter_keyed(self, *, after: int = 0, batch_size: int = 1000) -> Iterator[tuple[int, Paper]]:
        """Every paper with its integer key (the indexes' key), in the order first stored."""
        with self.engine.connect() as conn:
            rows = conn.execution_options(yield_per=batch_size).execute(
                select(papers).where(papers.c.pk > after).order_by(papers.c.pk)
            )
            for row in rows.mappings():
                yield row["pk"], _paper(row)

    def by_keys(self, keys: Iterable[int]) -> dict[int, Paper]:
        """The papers with these integer keys (unknown keys are left out)."""
        wanted = [int(key) for key in keys]
        with self.engine.connect() as conn:
            rows = conn.execute(select(papers).where(papers.c.pk.in_(wanted))).mappings()
            return {row["pk"]: _paper(row) for row in rows}

    def changed_since(self, when: datetime, *, up_to: int) -> list[tuple[int, Paper]]:
        """Papers with key <= `up_to` whose record changed after `when` (new versions, merges)."""
        query = select(papers).where(papers.c.changed > when, papers.c.pk <= up_to)
        with self.engine.connect() as conn:
            return [(row["pk"], _paper(row)) for row in conn.execute(query).mappings()]

    def watermark(self, *, up_to: int | None = None) -> Watermark:
        """How many papers there are, the highest key, and when anything last changed (of
        the papers with keys up to `up_to`, if given)."""
        query = select(func.count(), func.max(papers.c.pk), func.max(papers.c.changed))
        if up_to is not None:
            query = query.where(papers.c.pk <= up_to)
        with self.engine.connect() as conn:
            count, top, changed = conn.execute(query).one()
        return Watermark(papers=count, max_key=top or 0, changed=changed)

    def keys(self) -> list[int]:
        """The integer key of every paper, ascending."""
        with self.engine.connect() as conn:
            return list(conn.scalars(select(papers.c.pk).order_by(papers.c.pk)))

    def filter_keys(
        self,
        keys: Iterable[int],
        *,
        category: str | None = None,
        since: datetime | None = None,
        author: str | None = None,
    ) -> set[int]:
        """The `keys` whose paper is in `category`, published at or after `since`, by `author`.

        `category` is read by `parse_category` (InvalidCategory) and matched by `in_category`;
        `author` is part of a name (`name_contains`). Both rules run in Python on the
        candidates' rows, so SQLite and PostgreSQL agree on them.
        """
        wanted = parse_category(category) if category else None
        query = select(papers.c.pk, papers.c.categories, papers.c.authors).where(
            papers.c.pk.in_([int(k) for k in keys])
        )
        if since:
            query = query.where(papers.c.published >= since)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return {
            pk
            for pk, categories, authors in rows
            if (wanted is None or in_category(categories, wanted))
            and (not author or any(name_contains(name, author) for name in authors))
        }

    def embeddings(self, model: str, keys: Iterable[int]) -> dict[int, tuple[str, bytes]]:
        """Stored vectors of `model` for these papers: key -> (text hash, float32 bytes)."""
        wanted = [int(key) for key in keys]
        query = select(embeddings.c.paper_pk, embeddings.c.text_hash, embeddings.c.vector).where(
            embeddings.c.model == model, embeddings.c.paper_pk.in_(wanted)
        )
        with self.engine.connect() as conn:
            return {pk: (text_hash, bytes(vector)) for pk, text_hash, vector in conn.execute(query)}

    def archive_models(self) -> set[str]:
        """The models the store's oldest paper has a vector of: those the archive is
        embedded in (papers are embedded in key order), read through the primary key."""
        oldest = select(func.min(papers.c.pk)).scalar_subquery()
        query = select(embeddings.c.model).where(embeddings.c.paper_pk == oldest)
        with self.engine.connect() as conn:
            return set(conn.scalars(query))

    def unembedded(self, model: str) -> int:
        """How many papers have no stored vector of `model` (not embedded by anyone yet)."""
        query = select(func.count()).select_from(papers).where(~_has_vector(model).exists())
        with self.engine.connect() as conn:
            return conn.scalar(query) or 0

    def unembedded_papers(
        self, model: str, *, after: int = 0, limit: int
    ) -> list[tuple[int, Paper]]:
        """The first `limit` papers with keys above `after`, in key order, with no stored
        vector of `model`."""
        query = (
            select(papers)
            .where(papers.c.pk > after, ~_has_vector(model).exists())
            .order_by(papers.c.pk)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [(row["pk"], _paper(row)) for row in conn.execute(query).mappings()]

    def embedded_through(self, model: str) -> int:
        """The highest key up to which every paper has a stored vector of `model` (0: none)."""
        first_missing = select(func.min(papers.c.pk)).where(~_has_vector(model).exists())
        with self.engine.connect() as conn:
            missing = conn.scalar(first_missing)
            top = conn.scalar(select(func.max(papers.c.pk))) or 0
        return top if missing is None else missing - 1

    def save_embeddings(self, model: str, rows: Sequence[tuple[int, str, bytes]]) -> None:
        """Store (key, text hash, float32 bytes) vectors of `model`, replacing older ones."""
        keys = [int(pk) for pk, _, _ in rows]
        with self.engine.begin() as conn:
            conn.execute(
                embeddings.delete().where(
                    embeddings.c.model == model, embeddings.c.paper_pk.in_(keys)
                )
            )
            conn.execute(
                embeddings.insert(),
                [
                    {"paper_pk": int(pk), "model": model, "text_hash": h, "vector": vector}
                    for pk, h, vector in rows
                ],
            )

    def ids_by_doi(self, dois: Iterable[str]) -> dict[str, str]:
        """The id of the stored paper of each DOI (compared ignoring case, as DOIs are)."""
        wanted: dict[str, list[str]] = {}
        for doi in dois:
            if folded := folded_doi(doi):
                wanted.setdefault(folded, []).append(doi)
        if not wanted:
            return {}
        query = select(papers.c.doi, papers.c.id).where(papers.c.doi.in_(list(wanted)))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return {doi: paper_id for found, paper_id in rows for doi in wanted[found]}

    def ids_by_title(self, titles: Iterable[str]) -> dict[str, str]:
        """The id of a stored paper of each title, compared normalized (`normalize_title`);
        of several papers with one title, an arXiv record."""
        wanted: dict[str, list[str]] = {}
        for title in titles:
            wanted.setdefault(normalize_title(title), []).append(title)
        query = select(papers.c.norm_title, papers.c.id).where(papers.c.norm_title.in_(wanted))
        with self.engine.connect() as conn:
            rows = sorted(conn.execute(query).all(), key=lambda row: not is_arxiv_id(row[1]))
        found: dict[str, str] = {}
        for norm, paper_id in rows:
            for title in wanted[norm]:
                found.setdefault(title, paper_id)
        return found

    def text_embeddings(self, model: str, hashes: Iterable[str]) -> dict[str, bytes]:
        """Stored vectors of `model` for texts that are no paper: text hash -> float32 bytes."""
        wanted = list(set(hashes))
        query = select(text_embeddings.c.text_hash, text_embeddings.c.vector).where(
            text_embeddings.c.model == model, text_embeddings.c.text_hash.in_(wanted)
        )
        with self.engine.connect() as conn:
            return {text_hash: bytes(vector) for text_hash, vector in conn.execute(query)}

    def save_text_embeddings(self, model: str, rows: Sequence[tuple[str, bytes]]) -> None:
        """Store (text hash, float32 bytes) vectors of `model` for texts that are no paper."""
        values = [{"model": model, "text_hash": h, "vector": vector} for h, vector in rows]
        try:
            with self.engine.begin() as conn:
                conn.execute(text_embeddings.insert(), values)
        except IntegrityError:
            # Another process embedded some of the same texts meanwhile: the same vectors.
            # One by one, keeping theirs.
            for value in values:
                try:
                    with self.engine.begin() as conn:
                        conn.execute(text_embeddings.insert(), [value])
                except IntegrityError:
                    continue

    def stats(self) -> StoreStats:
        by_source: dict[str, int] = {}
        by_category: dict[str, int] = {}
        with self.engine.connect() as conn:
            query = select(papers.c.sources, papers.c.categories)
            for sources, categories in conn.execution_options(yield_per=5000).execute(query):
                for source in sources:
                    by_source[source] = by_source.get(source, 0) + 1
                if categories:
                    by_category[categories[0]] = by_category.get(categories[0], 0) + 1
            total, newest, last = conn.execute(
                select(func.count(), func.max(papers.c.published), func.max(papers.c.changed))
            ).one()
        return StoreStats(
            papers=total,
            by_source=dict(sorted(by_source.items(), key=lambda kv: -kv[1])),
            by_category=dict(sorted(by_category.items(), key=lambda kv: -kv[1])),
            newest_published=newest,
            last_ingested=last,
        )

    def latest_first_seen(self, *, until: datetime) -> datetime | None:
        """When the newest paper first seen at or before `until` was stored."""
        query = select(func.max(papers.c.first_seen)).where(papers.c.first_seen <= until)
        with self.engine.connect() as conn:
            return conn.scalar(query)

    def new_papers(
        self, since: datetime, until: datetime, *, published_after: datetime
    ) -> list[int]:
        """Keys of the papers first seen in (since, until], without old papers seen anew.

        A paper first stored in the window but published before `published_after` is an
        old paper re-announced (a new version, a late cross-list), not a new one; a paper
        with no published date (many digests give none) counts as new.
        """
        recent = papers.c.published.is_(None) | (papers.c.published >= published_after)
        query = (
            select(papers.c.pk)
            .where(papers.c.first_seen > since, papers.c.first_seen <= until, recent)
            .order_by(papers.c.pk)
        )
        with self.engine.connect() as conn:
            return list(conn.scalars(query))

    def keys_of(self, paper_ids: Iterable[str]) -> dict[str, int]:
        """The integer key of each known paper id (following aliases); unknown ids are left out."""
        wanted = list(dict.fromkeys(paper_ids))
        with self.engine.connect() as conn:
            aliases = dict(
                conn.execute(
                    select(paper_aliases.c.alias, paper_aliases.c.paper_id).where(
                        paper_aliases.c.alias.in_(wanted)
                    )
                ).all()
            )
            ids = {aliases.get(i, i) for i in wanted}
            rows = conn.execute(select(papers.c.id, papers.c.pk).where(papers.c.id.in_(ids)))
            keys = dict(rows.all())
        return {i: keys[aliases.get(i, i)] for i in wanted if aliases.get(i, i) in keys}


def _has_vector(model: str):
    """The stored vectors of `model` for the paper of the enclosing query (for EXISTS)."""
    return select(embeddings.c.paper_pk).where(
        embeddings.c.model == model, embeddings.c.paper_pk == papers.c.pk
    )


@dataclass
class _Known:
    """The stored papers a batch can touch, fetched once and kept current as it is applied."""

    by_id: dict[str, Paper]
    aliases: dict[str, str]
    by_title: dict[str, list[str]]

    @classmethod
    def load(cls, conn: Connection, batch: Sequence[Paper]) -> _Known:
        ids = {paper.id for paper in batch}
        aliases = dict(
            conn.execute(
                select(paper_aliases.c.alias, paper_aliases.c.paper_id).where(
                    paper_aliases.c.alias.in_(ids)
                )
            ).all()
        )
        titles = {normalize_title(paper.title) for paper in batch}
        rows = conn.execute(
            select(papers).where(
                papers.c.id.in_(ids | set(aliases.values())) | papers.c.norm_title.in_(titles)
            )
        ).mappings()
        known = cls(by_id={}, aliases=aliases, by_title={})
        for row in rows:
            known.remember(_paper(row))
        return known

    def remember(self, paper: Paper) -> None:
        self.by_id[paper.id] = paper
        ids = self.by_title.setdefault(normalize_title(paper.title), [])
        if paper.id not in ids:
            ids.append(paper.id)

    def forget(self, paper_id: str) -> None:
        paper = self.by_id.pop(paper_id)
        self.by_title[normalize_title(paper.title)].remove(paper_id)

    def same_title(self, paper: Paper, *, title_ids: bool) -> list[str]:
        """Other papers of the same normalized title and first author (`dedupe.same_by_title`):
        title-only ones, or arXiv ones."""
        ids = self.by_title.get(normalize_title(paper.title), [])
        wanted = is_title_id if title_ids else is_arxiv_id
        return [
            i
            for i in ids
            if wanted(i) and i != paper.id and dedupe.same_by_title(paper, self.by_id[i])
        ]


def _upsert_one(
    conn: Connection, known: _Known, paper: Paper, now: datetime, result: UpsertResult
) -> None:
    target = known.aliases.get(paper.id, paper.id)
    if target not in known.by_id and is_title_id(paper.id):
        # A title-only record joins the one arXiv paper of that title; with several
        # candidates we cannot tell which, so it stays on its own.
        matches = known.same_title(paper, title_ids=False)
        if len(matches) == 1:
            target = matches[0]
            _add_alias(conn, known, paper.id, target)
    if target in known.by_id:
        _merge_into(conn, known, known.by_id[target], paper, now, result)
        return
    title_only = known.same_title(paper, title_ids=True) if paper.arxiv_id else []
    if title_only:
        # The arXiv record of a paper first seen by title: it takes over that row (and its
        # integer key, which the indexes use), and the title id becomes an alias.
        old = known.by_id[title_only[0]]
        known.forget(old.id)
        conn.execute(papers.update().where(papers.c.id == old.id).values(id=paper.id))
        _add_alias(conn, known, old.id, paper.id)
        _merge_into(conn, known, replace(old, id=paper.id), paper, now, result, moved=True)
        return
    conn.execute(papers.insert().values(**_columns(paper), first_seen=now, changed=now))
    known.remember(paper)
    result.added.append(paper.id)


def _merge_into(
    conn: Connection,
    known: _Known,
    stored: Paper,
    paper: Paper,
    now: datetime,
    result: UpsertResult,
    *,
    moved: bool = False,
) -> None:
    merged = dedupe.merge(stored, paper)
    if stored.id in known.by_id:
        known.forget(stored.id)
    known.remember(merged)
    if merged == stored and not moved:
        if stored.id not in result.added + result.updated + result.unchanged:
            result.unchanged.append(stored.id)
        return
    conn.execute(
        papers.update().where(papers.c.id == stored.id).values(**_columns(merged), changed=now)
    )
    if stored.id not in result.added + result.updated:
        result.updated.append(stored.id)


def _add_alias(conn: Connection, known: _Known, alias: str, paper_id: str) -> None:
    conn.execute(paper_aliases.insert().values(alias=alias, paper_id=paper_id))
    known.aliases[alias] = paper_id
