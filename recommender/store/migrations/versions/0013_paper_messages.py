"""Messages that name one paper, the reactions that taught on them, and who is not named.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from recommender.store.schema import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "paper_messages",
        sa.Column("team", sa.String(50), primary_key=True),
        sa.Column("channel", sa.String(50), primary_key=True),
        sa.Column("ts", sa.String(50), primary_key=True),
        sa.Column("paper_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("owner", sa.String(200)),
        sa.Column("posted", UTCDateTime, nullable=False),
    )
    op.create_table(
        "reactions",
        sa.Column("team", sa.String(50), primary_key=True),
        sa.Column("channel", sa.String(50), primary_key=True),
        sa.Column("ts", sa.String(50), primary_key=True),
        sa.Column("target", sa.String(200), primary_key=True),
        sa.Column("reaction", sa.String(100), primary_key=True),
        sa.Column("paper_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("prior", sa.JSON, nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "hidden_people",
        sa.Column("target", sa.String(200), primary_key=True),
        sa.Column("since", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("hidden_people", "reactions", "paper_messages"):
        op.drop_table(table)
