"""Deliveries claimed by workers: queued by the clock, each held by one worker at a time.

`deliveries.queued` is when the clock's tick handed the delivery to the workers (None: not
queued, or given back after a failed try for the next tick to queue again). `worker` holds
it until `claim_expires` (renewed at every post), under `claim_token`, which goes up at
each claim so that a worker whose claim was taken over is fenced off.

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from recommender.store.schema import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("queued", UTCDateTime))
        batch.add_column(sa.Column("worker", sa.String(200)))
        batch.add_column(sa.Column("claim_token", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("claim_expires", UTCDateTime))
        batch.create_index("ix_deliveries_queued", ["queued"])


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_index("ix_deliveries_queued")
        batch.drop_column("claim_expires")
        batch.drop_column("claim_token")
        batch.drop_column("worker")
        batch.drop_column("queued")
