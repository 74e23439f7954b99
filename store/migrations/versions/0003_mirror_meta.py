"""mirror meta: facts about the mirror itself, first the version of the rules that wrote it

Revision ID: 0003
Revises: 0002

Adds `mirrormeta` (key, value). Its first key, `rules_version`, says which version of the DSLP
rules computed the stored kind, phase and outcome of every issue; a mirror without it has them
recomputed once at the next open (`store.derived`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mirrormeta",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("mirrormeta")
