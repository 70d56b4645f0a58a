"""Slack's rate-limit buckets, shared by every process that posts.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_buckets",
        sa.Column("bucket", sa.String(120), primary_key=True),
        sa.Column("due", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rate_buckets")
