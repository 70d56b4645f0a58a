"""The store's database connection: the engine, and the one transaction that serializes."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection


def connect(url: str) -> Engine:
    """An engine on `url`, creating the SQLite file's folder (no schema: see `Store.migrate`)."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    # Unicode stays readable in JSON columns, so that author search matches "Jürgen".
    engine = create_engine(url, json_serializer=lambda obj: json.dumps(obj, ensure_ascii=False))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


_BUSY_SECONDS = 30


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # busy_timeout makes a writer wait for the other instead of failing at once; WAL lets
    # the web process read while the scheduler writes.
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={_BUSY_SECONDS * 1000}")
    _write_ahead(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _write_ahead(cursor: sqlite3.Cursor) -> None:
    """Switch a fresh database to WAL, waiting for another process's write lock.

    Switching needs the file to itself, and SQLite answers "database is locked" at once,
    without its busy handler, while another connection holds the write lock on a database
    still in rollback mode: as when processes open a fresh database together and one is
    already migrating it. So this waits through the busy timeout itself.
    """
    deadline = time.monotonic() + _BUSY_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


@contextmanager
def durable(engine: Engine) -> Iterator[Connection]:
    """A transaction that is on disk once it commits, even if the power goes right after.

    SQLite runs with synchronous=NORMAL (in WAL mode a power cut may lose the last commits,
    never corrupts the file); this transaction's commit syncs the log (FULL), and with it
    every commit before. PostgreSQL syncs each commit by default.
    """
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.exec_driver_sql("PRAGMA synchronous=FULL")
            conn.commit()
        try:
            with conn.begin():
                yield conn
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
                conn.commit()


@contextmanager
def serialized(engine: Engine) -> Iterator[Connection]:
    """A transaction for read-then-write steps that must not interleave with another's.

    On SQLite it holds the database's write lock from its first statement (`BEGIN
    IMMEDIATE`: pysqlite would begin no transaction before DDL, and a deferred one
    cannot take the lock after another writer committed); on PostgreSQL the caller
    locks what it reads (`SELECT ... FOR UPDATE`, an advisory lock).
    """
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        yield conn


_turns: WeakKeyDictionary[Engine, threading.Lock] = WeakKeyDictionary()
_turns_made = threading.Lock()


@contextmanager
def taking_turns(engine: Engine) -> Iterator[Connection]:
    """A write transaction that, on SQLite, waits for this process's other such writers.

    SQLite has one writer at a time, and a writer that finds the database locked sleeps in
    SQLite's busy handler (1, 2, 5, 10 ... up to 100 ms between tries): twenty searches at
    once, each storing its request (a millisecond's write), waited up to 160 ms for it.
    A lock in this process wakes the next writer as soon as the one before ends; writers
    of other processes still wait through busy_timeout. PostgreSQL needs no turns.
    """
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            yield conn
        return
    with _turns_made:
        turn = _turns.setdefault(engine, threading.Lock())
    with turn, engine.begin() as conn:
        yield conn
