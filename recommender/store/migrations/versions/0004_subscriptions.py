"""Subscriptions: which targets get digests, on what schedule.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from recommender.store.schema import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("target", sa.String(200), primary_key=True),
        sa.Column("schedule", sa.JSON, nullable=False),
        sa.Column("created", UTCDateTime, nullable=False),
        sa.Column("updated", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("subscriptions")
