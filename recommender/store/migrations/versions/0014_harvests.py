"""Where a long OAI-PMH harvest has got to, so that a restart continues it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from recommender.store.schema import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "harvests",
        sa.Column("request", sa.String(500), primary_key=True),
        sa.Column("base_url", sa.Text, nullable=False),
        sa.Column("set_spec", sa.String(100), nullable=False),
        sa.Column("from_date", sa.Date),
        sa.Column("until_date", sa.Date),
        sa.Column("token", sa.Text),
        sa.Column("latest", sa.Date),
        sa.Column("restart_from", sa.Date),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("records", sa.Integer, nullable=False),
        sa.Column("total", sa.Integer),
        sa.Column("updated", UTCDateTime, nullable=False),
        sa.Column("finished", UTCDateTime),
    )


def downgrade() -> None:
    op.drop_table("harvests")
