"""history: phase events for the reports

Revision ID: 0002
Revises: 0001

Adds `phaseevent` and seeds it with one baseline row per existing issue (its current phase,
state and outcome, dated at its GitHub creation), so the first sync after the upgrade records
only real changes rather than treating every card as new.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "phaseevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("issue_number", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("phase", sa.String(), nullable=True),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["repo_id"], ["repository.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("phaseevent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phaseevent_repo_id"), ["repo_id"], unique=False)
        batch_op.create_index(
            "ix_phaseevent_repo_issue", ["repo_id", "issue_number", "id"], unique=False
        )

    # Baseline: what the mirror knew at the upgrade. CURRENT_TIMESTAMP is UTC on SQLite and
    # PostgreSQL alike; its text form sorts with the stored stamps.
    op.execute(
        "INSERT INTO phaseevent (repo_id, issue_number, at, recorded_at, phase, state, outcome, "
        "source) SELECT repo_id, number, COALESCE(created_at, updated_at, CURRENT_TIMESTAMP), "
        "CURRENT_TIMESTAMP, phase, state, outcome, 'migration' FROM issue "
        "WHERE is_pull_request = false ORDER BY repo_id, number"
    )


def downgrade() -> None:
    with op.batch_alter_table("phaseevent", schema=None) as batch_op:
        batch_op.drop_index("ix_phaseevent_repo_issue")
        batch_op.drop_index(batch_op.f("ix_phaseevent_repo_id"))
    op.drop_table("phaseevent")
