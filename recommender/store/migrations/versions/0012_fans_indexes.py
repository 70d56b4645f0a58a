"""Indexes for counting who saved or liked a paper (`Profiles.fans`, on every unfurl).

`feedback` was indexed by target only and `saved` by (target, paper_id): asked by paper,
both were read whole.

Revision ID: 0012
Revises: 0007
Create Date: 2026-12-03
"""

from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_feedback_paper_id", "feedback", ["paper_id"])
    op.create_index("ix_saved_paper_id", "saved", ["paper_id"])


def downgrade() -> None:
    op.drop_index("ix_saved_paper_id", table_name="saved")
    op.drop_index("ix_feedback_paper_id", table_name="feedback")
