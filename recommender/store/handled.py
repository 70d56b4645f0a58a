"""Requests from Slack already acted on, shared by every web process.

Slack retries an event that got no quick answer, and with several web processes (or
machines) behind its one request URL the retry may reach another process than the first
try did: what was handled is therefore kept in the store, where all of them look. Each key
is kept until its expiry (seconds since the epoch), and expired keys are dropped as new
ones come.
"""

from __future__ import annotations

from sqlalchemy import Engine, delete
from sqlalchemy.dialects import postgresql, sqlite

from recommender.store.db import taking_turns
from recommender.store.schema import handled_requests

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class Handled:
    """Keys of handled requests, on the store's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def first_time(self, key: str, *, now: float, until: float) -> bool:
        """Record `key` until `until`; False if it is recorded already and not expired at `now`."""
        with taking_turns(self.engine) as conn:
            conn.execute(delete(handled_requests).where(handled_requests.c.expires <= now))
            recorded = conn.scalar(
                _INSERTS[conn.dialect.name](handled_requests)
                .values(key=key, expires=until)
                .on_conflict_do_nothing(index_elements=["key"])
                .returning(handled_requests.c.key)
            )
            return recorded is not None

    def forget(self, key: str) -> None:
        """Let `key` be handled again (its first handling failed, so Slack's retry must act)."""
        with taking_turns(self.engine) as conn:
            conn.execute(delete(handled_requests).where(handled_requests.c.key == key))
