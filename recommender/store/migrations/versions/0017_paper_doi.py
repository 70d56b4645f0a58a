"""Each paper's DOI in its own indexed column, so that an import's DOIs are found by index
instead of by a scan of every paper's extras.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_BATCH = 1000


def upgrade() -> None:
    op.add_column("papers", sa.Column("doi", sa.Text))
    papers = sa.table(
        "papers",
        sa.column("pk", sa.Integer),
        sa.column("extras", sa.JSON),
        sa.column("doi", sa.Text),
    )
    conn = op.get_bind()
    update = (
        papers.update().where(papers.c.pk == sa.bindparam("key")).values(doi=sa.bindparam("folded"))
    )
    found = []
    everyone = sa.select(papers.c.pk, papers.c.extras).execution_options(yield_per=_BATCH)
    rows = conn.execute(everyone)
    for pk, extras in rows:
        # As `Papers` folds a DOI for this column (written out: a migration stays as it was).
        doi = (extras or {}).get("doi")
        if isinstance(doi, str) and doi.strip():
            found.append({"key": pk, "folded": doi.strip().casefold()})
    for start in range(0, len(found), _BATCH):
        conn.execute(update, found[start : start + _BATCH])
    op.create_index("ix_papers_doi", "papers", ["doi"])


def downgrade() -> None:
    op.drop_index("ix_papers_doi", "papers")
    with op.batch_alter_table("papers") as batch:
        batch.drop_column("doi")
