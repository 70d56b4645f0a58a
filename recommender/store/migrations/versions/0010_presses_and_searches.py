"""Who pressed a feedback button and what it changed, so a press can be undone; and the
searches whose result cards are rebuilt from the store.

`feedback.presser` is the Slack user who pressed (a channel's presses name someone),
`feedback.prior` what the press changed (the paper's place in the profile before it, and
whether it put the paper on a saved list), `feedback.undone` when it was taken back.
`searches` keeps each search's request, which its buttons name by `id`.

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from recommender.store.schema import UTCDateTime

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("presser", sa.String(200)))
        batch.add_column(sa.Column("prior", sa.JSON))
        batch.add_column(sa.Column("undone", UTCDateTime))
    op.create_table(
        "searches",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("request", sa.Text, nullable=False),
        sa.Column("created", UTCDateTime, nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("searches")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("undone")
        batch.drop_column("prior")
        batch.drop_column("presser")
