"""Slack's requests already acted on, shared by every web process.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handled_requests",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("expires", sa.Float, nullable=False),
    )
    op.create_index("ix_handled_requests_expires", "handled_requests", ["expires"])


def downgrade() -> None:
    op.drop_index("ix_handled_requests_expires", "handled_requests")
    op.drop_table("handled_requests")
