"""A delivery's plan gets its own column; `posted` keeps only the messages that went out.

`posted` held `{"plan": ..., "parts": [...]}`; now `plan` holds the plan (NULL when a try
failed before it had one) and `posted` the list of parts, as `Delivery` reads them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_deliveries = sa.table(
    "deliveries",
    sa.column("target", sa.String),
    sa.column("digest_date", sa.Date),
    sa.column("plan", sa.JSON(none_as_null=True)),
    sa.column("posted", sa.JSON),
)


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("plan", sa.JSON))
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(_deliveries.c.target, _deliveries.c.digest_date, _deliveries.c.posted)
    ).all()
    for target, day, posted in rows:
        conn.execute(
            _deliveries.update()
            .where(_deliveries.c.target == target, _deliveries.c.digest_date == day)
            .values(plan=posted.get("plan"), posted=posted.get("parts", []))
        )


def downgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(
            _deliveries.c.target,
            _deliveries.c.digest_date,
            _deliveries.c.plan,
            _deliveries.c.posted,
        )
    ).all()
    for target, day, plan, posted in rows:
        conn.execute(
            _deliveries.update()
            .where(_deliveries.c.target == target, _deliveries.c.digest_date == day)
            .values(posted={"plan": plan, "parts": posted})
        )
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("plan")
