"""Tables of the store. Alembic migrations in `migrations/` create and change them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData()


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC in Python, naive UTC in the database (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store takes UTC-aware datetimes")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


papers = Table(
    "papers",
    metadata,
    # A dense integer key: FAISS and BM25 index papers by it.
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False, unique=True),
    Column("norm_title", Text, nullable=False, index=True),
    Column("title", Text, nullable=False),
    Column("abstract", Text, nullable=False, default=""),
    Column("authors", JSON, nullable=False),
    Column("categories", JSON, nullable=False),
    Column("version", Integer),
    Column("published", UTCDateTime),
    Column("updated", UTCDateTime),
    Column("sources", JSON, nullable=False),
    Column("extras", JSON, nullable=False),
    Column("first_seen", UTCDateTime, nullable=False, index=True),
    Column("changed", UTCDateTime, nullable=False),
)

# A title-only paper that later merged into its arXiv record leaves its old id here, so
# anything that remembered the old id still finds the paper.
paper_aliases = Table(
    "paper_aliases",
    metadata,
    Column("alias", String(64), primary_key=True),
    Column("paper_id", String(64), nullable=False, index=True),
)

# One vector per paper and embedding model, computed once; `text_hash` tells when the paper's
# text changed (a new version) so that the vector must be computed again.
embeddings = Table(
    "embeddings",
    metadata,
    Column("paper_pk", Integer, primary_key=True),
    Column("model", String(200), primary_key=True),
    Column("text_hash", String(40), nullable=False),
    Column("vector", LargeBinary, nullable=False),
)
