"""The store: the one module that touches the database (SQLite by default, PostgreSQL too)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property
from pathlib import Path

import alembic.command
import alembic.config
from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.exc import IntegrityError

from recommender import dedupe
from recommender.categories import in_category, parse_category
from recommender.ids import is_arxiv_id, is_title_id, normalize_title
from recommender.models import Paper
from recommender.names import name_contains
from recommender.profiles import Profile, check_action, check_target, profile_from_dict
from recommender.store.deliveries import Deliveries
from recommender.store.jobs import Jobs
from recommender.store.schema import (
    digest_windows,
    embeddings,
    feedback,
    paper_aliases,
    papers,
    profiles,
    saved,
    sent,
)

log = logging.getLogger(__name__)

_MIGRATIONS = Path(__file__).parent / "migrations"


def sqlite_url(data_dir: Path) -> str:
    """The default database: a SQLite file in the data dir."""
    return f"sqlite:///{Path(data_dir).resolve() / 'papers.db'}"


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
class Feedback:
    """One button press: what a target said about a paper, and when."""

    paper_id: str
    action: str
    at: datetime


@dataclass(frozen=True)
class StoreStats:
    papers: int
    by_source: dict[str, int]
    by_category: dict[str, int]
    newest_published: datetime | None
    last_ingested: datetime | None


# Any constant key names PostgreSQL's advisory lock; this one is "papers" in ASCII.
_MIGRATION_LOCK = 0x706170657273


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the web process read while the scheduler writes; busy_timeout makes a writer
    # wait for the other instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


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


class Store:
    """Papers and everything the bot remembers, behind one SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> Store:
        """Connect to `url`, creating the SQLite file's folder, and migrate to the latest schema."""
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        # Unicode stays readable in JSON columns, so that author search matches "Jürgen".
        engine = create_engine(url, json_serializer=lambda obj: json.dumps(obj, ensure_ascii=False))
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        store = cls(engine)
        store.migrate()
        return store

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision, one process at a time.

        `papers serve` and `papers scheduler` start together (Procfile) and each migrates a
        fresh database; unserialized, the second to create a table fails. So the whole
        upgrade is one transaction that first takes the database's migration lock: on
        PostgreSQL an advisory lock held until commit, on SQLite the write lock
        (`BEGIN IMMEDIATE`; busy_timeout makes the other wait for it). Whoever waited then
        finds the schema current and has nothing to do.
        """
        config = alembic.config.Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        with self._serialized() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            config.attributes["connection"] = conn
            alembic.command.upgrade(config, "head")

    @contextmanager
    def _serialized(self) -> Iterator[Connection]:
        """A transaction for read-then-write steps that must not interleave with another's.

        On SQLite it holds the database's write lock from its first statement (`BEGIN
        IMMEDIATE`: pysqlite would begin no transaction before DDL, and a deferred one
        cannot take the lock after another writer committed); on PostgreSQL the caller
        locks what it reads (`SELECT ... FOR UPDATE`, an advisory lock).
        """
        with self.engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            yield conn

    def close(self) -> None:
        self.engine.dispose()

    @cached_property
    def jobs(self) -> Jobs:
        """Scheduled job runs and the scheduler's lease."""
        return Jobs(self.engine)

    @cached_property
    def deliveries(self) -> Deliveries:
        """Subscriptions and the ledger of digests delivered."""
        return Deliveries(self.engine)

    # Papers ---------------------------------------------------------------------------

    def upsert(self, batch: Sequence[Paper], *, now: datetime) -> UpsertResult:
        """Add or merge a batch of papers in one transaction (all of it lands, or none)."""
        result = UpsertResult()
        with self.engine.begin() as conn:
            known = _Known.load(conn, batch)
            for paper in batch:
                _upsert_one(conn, known, paper, now, result)
        return result

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

    def watermark(self) -> Watermark:
        """How many papers there are, the highest key, and when anything last changed."""
        with self.engine.connect() as conn:
            count, top, changed = conn.execute(
                select(func.count(), func.max(papers.c.pk), func.max(papers.c.changed))
            ).one()
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
        until: datetime | None = None,
        author: str | None = None,
    ) -> set[int]:
        """The `keys` whose paper is in `category`, published in [since, until), by `author`.

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
        if until:
            query = query.where(papers.c.published < until)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return {
            pk
            for pk, categories, authors in rows
            if (wanted is None or in_category(categories, wanted))
            and (not author or any(name_contains(name, author) for name in authors))
        }

    # Embeddings -----------------------------------------------------------------------

    def embeddings(self, model: str, keys: Iterable[int]) -> dict[int, tuple[str, bytes]]:
        """Stored vectors of `model` for these papers: key -> (text hash, float32 bytes)."""
        wanted = [int(key) for key in keys]
        query = select(embeddings.c.paper_pk, embeddings.c.text_hash, embeddings.c.vector).where(
            embeddings.c.model == model, embeddings.c.paper_pk.in_(wanted)
        )
        with self.engine.connect() as conn:
            return {pk: (text_hash, bytes(vector)) for pk, text_hash, vector in conn.execute(query)}

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

    # Saved papers ---------------------------------------------------------------------

    def save_paper(self, target: str, paper_id: str, *, now: datetime) -> bool:
        """Remember that `target` saved `paper_id`; False when it had saved it before."""
        row = {"target": target, "paper_id": paper_id, "saved_at": now}
        try:
            with self.engine.begin() as conn:
                conn.execute(saved.insert().values(**row))
        except IntegrityError:
            return False
        return True

    def saved_ids(self, target: str) -> list[str]:
        """The ids of the papers `target` saved, the most recent first."""
        query = (
            select(saved.c.paper_id)
            .where(saved.c.target == target)
            .order_by(saved.c.saved_at.desc(), saved.c.paper_id)
        )
        with self.engine.connect() as conn:
            return list(conn.scalars(query))

    # Profiles, feedback and the sent ledger -------------------------------------------

    def save_profile(self, target: str, profile: Profile, *, now: datetime) -> None:
        """Create or replace the profile of `target` (see `recommender.profiles.check_target`)."""
        check_target(target)
        settings = profile.to_dict()
        with self.engine.begin() as conn:
            changed = conn.execute(
                profiles.update()
                .where(profiles.c.target == target)
                .values(settings=settings, updated=now)
            ).rowcount
            if not changed:
                row = {"target": target, "settings": settings, "created": now, "updated": now}
                conn.execute(profiles.insert().values(**row))

    def update_profile(
        self,
        target: str,
        change: Callable[[Profile], Profile],
        *,
        now: datetime,
        create: bool = False,
    ) -> Profile | None:
        """Read `target`'s profile, `change` it and store the result, as one step.

        Two people pressing buttons on one channel's digest at once each change the
        profile the other's change left; read and written separately, one press was lost.
        Without a stored profile: None, or with `create` the change of an empty Profile().
        """
        check_target(target)
        query = select(profiles.c.settings).where(profiles.c.target == target).with_for_update()
        with self._serialized() as conn:
            settings = conn.scalar(query)
            if settings is None and not create:
                return None
            old = (
                Profile()
                if settings is None
                else profile_from_dict(settings, f"profile of {target}")
            )
            updated = change(old)
            values = {"settings": updated.to_dict(), "updated": now}
            if settings is None:
                conn.execute(profiles.insert().values(target=target, created=now, **values))
            else:
                conn.execute(profiles.update().where(profiles.c.target == target).values(**values))
        return updated

    def get_profile(self, target: str) -> Profile | None:
        """The stored profile of `target`, or None if it has none."""
        query = select(profiles.c.settings).where(profiles.c.target == target)
        with self.engine.connect() as conn:
            settings = conn.scalar(query)
        return None if settings is None else profile_from_dict(settings, f"profile of {target}")

    def list_profiles(self) -> dict[str, Profile]:
        """Every stored profile by target, in target order."""
        query = select(profiles.c.target, profiles.c.settings).order_by(profiles.c.target)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return {t: profile_from_dict(settings, f"profile of {t}") for t, settings in rows}

    def delete_profile(self, target: str) -> bool:
        """Forget the profile of `target`; False if there was none."""
        with self.engine.begin() as conn:
            return bool(conn.execute(profiles.delete().where(profiles.c.target == target)).rowcount)

    def record_feedback(self, target: str, paper_id: str, action: str, *, now: datetime) -> None:
        """Log one button press (`recommender.profiles.ACTIONS`) of `target` on a paper."""
        check_action(action)
        row = {"target": target, "paper_id": paper_id, "action": action, "at": now}
        with self.engine.begin() as conn:
            conn.execute(feedback.insert().values(**row))

    def feedback_for(self, target: str) -> list[Feedback]:
        """Every button press of `target`, oldest first."""
        query = (
            select(feedback.c.paper_id, feedback.c.action, feedback.c.at)
            .where(feedback.c.target == target)
            .order_by(feedback.c.at, feedback.c.id)
        )
        with self.engine.connect() as conn:
            return [Feedback(*row) for row in conn.execute(query)]

    def mark_sent(
        self, target: str, paper_ids: Iterable[str], *, digest_date: date, now: datetime
    ) -> None:
        """Record that `target` was sent a digest at `now` with these papers (maybe none);
        papers sent before keep their record. The next digest's window starts at `now`."""
        wanted = list(dict.fromkeys(paper_ids))
        with self.engine.begin() as conn:
            known = {i for _, i in conn.execute(self._sent_query([target], wanted))}
            rows = [
                {"target": target, "paper_id": i, "digest_date": digest_date, "sent_at": now}
                for i in wanted
                if i not in known
            ]
            if rows:
                conn.execute(sent.insert(), rows)
            window = digest_windows.c.target == target
            last = conn.scalar(select(digest_windows.c.until).where(window))
            if last is None:
                conn.execute(digest_windows.insert().values(target=target, until=now))
            elif now > last:
                conn.execute(digest_windows.update().where(window).values(until=now))

    def already_sent(self, target: str, paper_ids: Iterable[str]) -> set[str]:
        """Which of `paper_ids` `target` was sent before."""
        return self.sent_to([target], paper_ids).get(target, set())

    def sent_to(self, targets: Iterable[str], paper_ids: Iterable[str]) -> dict[str, set[str]]:
        """Which of `paper_ids` each of `targets` was sent before (targets sent none are left out).

        One query for a whole batch of digests over the same new papers.
        """
        sent_before: dict[str, set[str]] = {}
        ids = list(dict.fromkeys(paper_ids))
        with self.engine.connect() as conn:
            for some in self._chunks(list(dict.fromkeys(targets)), 1000):
                for chunk in self._chunks(ids, 10_000):
                    for target, paper_id in conn.execute(self._sent_query(some, chunk)):
                        sent_before.setdefault(target, set()).add(paper_id)
        return sent_before

    def last_digest(self, target: str) -> datetime | None:
        """When `target` was last sent a paper, or None if never."""
        return self.last_digests([target]).get(target)

    def last_digests(self, targets: Iterable[str]) -> dict[str, datetime]:
        """When each of `targets` was last sent a digest, with papers or without (targets
        never sent one are left out)."""
        last: dict[str, datetime] = {}
        with self.engine.connect() as conn:
            for chunk in self._chunks(list(dict.fromkeys(targets)), 1000):
                query = select(digest_windows.c.target, digest_windows.c.until).where(
                    digest_windows.c.target.in_(chunk)
                )
                last.update(conn.execute(query).all())
        return last

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

    def unsave_paper(self, target: str, paper_id: str) -> bool:
        """Take a paper off `target`'s saved list; False if it was not on it."""
        query = saved.delete().where(saved.c.target == target, saved.c.paper_id == paper_id)
        with self.engine.begin() as conn:
            return bool(conn.execute(query).rowcount)

    @staticmethod
    def _chunks(items: list, size: int) -> Iterator[list]:
        # Bounded IN lists: SQLite takes at most 32,766 parameters a statement.
        for start in range(0, len(items), size):
            yield items[start : start + size]

    @staticmethod
    def _sent_query(targets: list[str], paper_ids: list[str]):
        return select(sent.c.target, sent.c.paper_id).where(
            sent.c.target.in_(targets), sent.c.paper_id.in_(paper_ids)
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
        """Other papers of the same normalized title: title-only ones, or arXiv ones."""
        ids = self.by_title.get(normalize_title(paper.title), [])
        wanted = is_title_id if title_ids else is_arxiv_id
        return [i for i in ids if wanted(i) and i != paper.id]


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
