"""Profiles, feedback, the sent ledger, saved papers, deliveries, job runs and leases.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from recommender.store.schema import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TARGET = sa.String(200)
_PAPER = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "profiles",
        sa.Column("target", _TARGET, primary_key=True),
        sa.Column("settings", sa.JSON, nullable=False),
        sa.Column("created", UTCDateTime, nullable=False),
        sa.Column("updated", UTCDateTime, nullable=False),
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("target", _TARGET, nullable=False),
        sa.Column("paper_id", _PAPER, nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_feedback_target", "feedback", ["target"])
    op.create_table(
        "sent",
        sa.Column("target", _TARGET, primary_key=True),
        sa.Column("paper_id", _PAPER, primary_key=True),
        sa.Column("digest_date", sa.Date, nullable=False),
        sa.Column("sent_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "saved",
        sa.Column("target", _TARGET, primary_key=True),
        sa.Column("paper_id", _PAPER, primary_key=True),
        sa.Column("saved_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "deliveries",
        sa.Column("target", _TARGET, primary_key=True),
        sa.Column("digest_date", sa.Date, primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("posted", sa.JSON, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("updated", UTCDateTime, nullable=False),
    )
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("job", sa.String(50), nullable=False),
        sa.Column("started", UTCDateTime, nullable=False),
        sa.Column("finished", UTCDateTime),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("error", sa.Text),
    )
    op.create_index("ix_job_runs_job", "job_runs", ["job"])
    op.create_table(
        "leases",
        sa.Column("name", sa.String(50), primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("expires", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("leases", "job_runs", "deliveries", "saved", "sent", "feedback", "profiles"):
        op.drop_table(table)
