"""The store: the one package that touches the database (SQLite by default, PostgreSQL too).

`Store` opens and migrates the database; its own methods are the papers' (`papers.py`), and
each other concern is a part of it on the same engine: `store.profiles` (profiles, feedback,
saved papers), `store.sent` (the sent ledger), `store.subscriptions`, `store.deliveries`
(the delivery ledger), `store.jobs` (job runs, leases), `store.searches` (searches made in
Slack), `store.messages` (messages that name one paper, and the reactions on them that
taught), `store.pacing` (rate-limit buckets shared by the processes that post),
`store.harvests` (how far each long OAI-PMH harvest has got) and `store.handled` (Slack's
requests already acted on, shared by the web processes).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import alembic.command
import alembic.config
from sqlalchemy import Engine

from recommender.store.db import connect, serialized
from recommender.store.deliveries import Deliveries
from recommender.store.handled import Handled
from recommender.store.harvests import Harvests
from recommender.store.jobs import Jobs
from recommender.store.ledger import Sent
from recommender.store.messages import Messages
from recommender.store.pacing import Pacing
from recommender.store.papers import Papers
from recommender.store.profiles import Profiles
from recommender.store.searches import Searches
from recommender.store.subscriptions import Subscriptions

_MIGRATIONS = Path(__file__).parent / "migrations"

# Any constant key names PostgreSQL's advisory lock; this one is "papers" in ASCII.
_MIGRATION_LOCK = 0x706170657273


def sqlite_url(data_dir: Path) -> str:
    """The default database: a SQLite file in the data dir."""
    return f"sqlite:///{Path(data_dir).resolve() / 'papers.db'}"


class Store(Papers):
    """Papers and everything the bot remembers, behind one SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> Store:
        """Connect to `url`, creating the SQLite file's folder, and migrate to the latest schema."""
        store = cls(connect(url))
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
        with serialized(self.engine) as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            config.attributes["connection"] = conn
            alembic.command.upgrade(config, "head")

    def close(self) -> None:
        self.engine.dispose()

    @cached_property
    def profiles(self) -> Profiles:
        """Profiles, the feedback log and saved papers."""
        return Profiles(self.engine)

    @cached_property
    def sent(self) -> Sent:
        """The sent ledger: which papers each target was sent, and its digest windows."""
        return Sent(self.engine)

    @cached_property
    def subscriptions(self) -> Subscriptions:
        """Who gets digests, on what schedule."""
        return Subscriptions(self.engine)

    @cached_property
    def deliveries(self) -> Deliveries:
        """The ledger of digests delivered, over the subscriptions."""
        return Deliveries(self.engine, self.subscriptions)

    @cached_property
    def searches(self) -> Searches:
        """Search requests whose result cards are rebuilt and paged."""
        return Searches(self.engine)

    @cached_property
    def jobs(self) -> Jobs:
        """Scheduled job runs and the scheduler's lease."""
        return Jobs(self.engine)

    @cached_property
    def messages(self) -> Messages:
        """Messages that name one paper, and the reactions on them that taught."""
        return Messages(self.engine)

    @cached_property
    def pacing(self) -> Pacing:
        """Slack's rate-limit buckets, shared by every process that posts."""
        return Pacing(self.engine)

    @cached_property
    def harvests(self) -> Harvests:
        """How far each long OAI-PMH harvest has got (saved with its pages' papers)."""
        return Harvests(self.engine)

    @cached_property
    def handled(self) -> Handled:
        """Slack's requests already acted on, shared by every web process."""
        return Handled(self.engine)
