"""Fencing for the delivery lease, and the message a delivery has claimed.

`leases.token` goes up each time the lease changes hands (a release keeps the row, so it
never goes back); `leases.since` is when the holder took it. `deliveries.claimed` counts
the messages a delivery claimed before posting them: one more than `posted` holds means
the last post's outcome is unknown.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from recommender.store.schema import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("leases") as batch:
        batch.add_column(sa.Column("token", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("since", UTCDateTime))
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("claimed", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("claimed")
    with op.batch_alter_table("leases") as batch:
        batch.drop_column("since")
        batch.drop_column("token")
