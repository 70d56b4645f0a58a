"""Vectors of a profile's text seeds: papers known only by title and abstract.

A text seed lives in its profile (the `settings` JSON); its vector, computed when the
profile is first prepared, is kept here by model and text hash so that no digest embeds it
again.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "text_embeddings",
        sa.Column("model", sa.String(200), primary_key=True),
        sa.Column("text_hash", sa.String(40), primary_key=True),
        sa.Column("vector", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("text_embeddings")
