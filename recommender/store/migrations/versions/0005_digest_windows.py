"""Digest windows: when each target's last digest was matched, sent papers or not.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from recommender.store.schema import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest_windows",
        sa.Column("target", sa.String(200), primary_key=True),
        sa.Column("until", UTCDateTime, nullable=False),
    )
    # Until now a window started at the target's last sent paper: start from there.
    op.execute(
        "INSERT INTO digest_windows (target, until) "
        "SELECT target, MAX(sent_at) FROM sent GROUP BY target"
    )


def downgrade() -> None:
    op.drop_table("digest_windows")
