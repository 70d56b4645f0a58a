"""Searches made in Slack, kept so that their result cards can be rebuilt and paged.

A request is stored as the text its caller encoded (the library does not read it); its
buttons carry the short id instead, so even a query too long for a button value pages on.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select

from recommender.store.db import taking_turns
from recommender.store.schema import searches

# Slack's response URLs, the only way to change an ephemeral card, live 30 minutes; a day
# is ample, and older searches are deleted as new ones come.
KEPT = timedelta(days=1)


class Searches:
    """Stored search requests, on the store's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, request: str, *, now: datetime) -> str:
        """Keep `request`; its new id (dropping searches older than `KEPT`)."""
        search_id = secrets.token_hex(8)
        # Every search in Slack stores one, so concurrent searches write together.
        with taking_turns(self.engine) as conn:
            conn.execute(delete(searches).where(searches.c.created < now - KEPT))
            conn.execute(searches.insert().values(id=search_id, request=request, created=now))
        return search_id

    def get(self, search_id: str) -> str | None:
        """The request stored under `search_id`, or None (unknown, or deleted as old)."""
        query = select(searches.c.request).where(searches.c.id == search_id)
        with self.engine.connect() as conn:
            return conn.scalar(query)
