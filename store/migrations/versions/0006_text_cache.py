"""text cache: a server mirror's shared reads, computed once per revision for every reader

Revision ID: 0006
Revises: 0005

- `mirrorrevision`: one row, the count of committed writes; every PostgreSQL transaction that
  wrote bumps it in its own commit (`Store.session`).
- `textcache`: what a shared read printed (`dslp board --json`) and at which revision. UNLOGGED
  on PostgreSQL (no WAL for a cache; a crash empties it) and stored uncompressed there (a 1 MB
  board is read back without inflating it). SQLite has both tables and uses neither: a laptop's
  mirror has one reader. A text not stored again for a week (an older dslp's, a removed
  repository's) is dropped by the next store.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    server = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "mirrorrevision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rev", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO mirrorrevision (id, rev) VALUES (1, 0)")
    op.create_table(
        "textcache",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
        prefixes=["UNLOGGED"] if server else [],
    )
    if server:
        op.execute("ALTER TABLE textcache ALTER COLUMN body SET STORAGE EXTERNAL")


def downgrade() -> None:
    op.drop_table("textcache")
    op.drop_table("mirrorrevision")
