"""Who set each subscription up, paused subscriptions, and the log of changes to them.

`subscriptions.owner` is whoever set a digest up (told when it cannot be delivered; may
undo others' changes), `paused` why its digests stopped until resumed, `failures` its
deliveries in a row that failed for good. `subscription_changes` keeps each change with
the settings before it, for undo.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from recommender.store.schema import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("owner", sa.String(200)))
        batch.add_column(sa.Column("paused", sa.Text))
        batch.add_column(sa.Column("failures", sa.Integer, nullable=False, server_default="0"))
    op.create_table(
        "subscription_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("changer", sa.String(200), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("before", sa.JSON, nullable=False),
        sa.Column("undoes", sa.Integer),
    )
    op.create_index("ix_subscription_changes_target", "subscription_changes", ["target"])


def downgrade() -> None:
    op.drop_table("subscription_changes")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("failures")
        batch.drop_column("paused")
        batch.drop_column("owner")
