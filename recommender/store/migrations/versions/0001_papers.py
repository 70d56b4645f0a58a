"""Papers and the aliases left by title-only records merged into arXiv ones.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from recommender.store.schema import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "papers",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(64), nullable=False, unique=True),
        sa.Column("norm_title", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("abstract", sa.Text, nullable=False),
        sa.Column("authors", sa.JSON, nullable=False),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer),
        sa.Column("published", UTCDateTime),
        sa.Column("updated", UTCDateTime),
        sa.Column("sources", sa.JSON, nullable=False),
        sa.Column("extras", sa.JSON, nullable=False),
        sa.Column("first_seen", UTCDateTime, nullable=False),
        sa.Column("changed", UTCDateTime, nullable=False),
    )
    op.create_index("ix_papers_norm_title", "papers", ["norm_title"])
    op.create_index("ix_papers_first_seen", "papers", ["first_seen"])
    op.create_table(
        "paper_aliases",
        sa.Column("alias", sa.String(64), primary_key=True),
        sa.Column("paper_id", sa.String(64), nullable=False),
    )
    op.create_index("ix_paper_aliases_paper_id", "paper_aliases", ["paper_id"])


def downgrade() -> None:
    op.drop_table("paper_aliases")
    op.drop_table("papers")
