"""drafts and templates: cards made offline, and the repository's issue templates

Revision ID: 0005
Revises: 0004

- `issuedraft`: a card made here (`dslp new`, an outcome's next step) until GitHub numbers it;
  its id is its create entry's id and the marker in the issue body.
- `issuetemplate`: `.github/ISSUE_TEMPLATE/*` as last read, so `dslp new` works offline.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _repo_id() -> sa.Column[int]:
    return sa.Column(
        "repo_id", sa.Integer(), sa.ForeignKey("repository.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "issuedraft",
        sa.Column("id", sa.String(), primary_key=True),
        _repo_id(),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("ask_number", sa.Integer(), nullable=True),
        sa.Column("based_on", sa.Integer(), nullable=True),
        sa.Column("based_on_draft", sa.String(), nullable=True),
        sa.Column("template", sa.String(), nullable=True),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_issuedraft_repo_id", "issuedraft", ["repo_id"])
    op.create_index("ix_issuedraft_repo_state", "issuedraft", ["repo_id", "state"])
    op.create_table(
        "issuetemplate",
        sa.Column("id", sa.Integer(), primary_key=True),
        _repo_id(),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("sha", sa.String(), nullable=True),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("repo_id", "path", name="uq_template_repo_path"),
    )
    op.create_index("ix_issuetemplate_repo_id", "issuetemplate", ["repo_id"])


def downgrade() -> None:
    op.drop_index("ix_issuetemplate_repo_id", table_name="issuetemplate")
    op.drop_table("issuetemplate")
    op.drop_index("ix_issuedraft_repo_state", table_name="issuedraft")
    op.drop_index("ix_issuedraft_repo_id", table_name="issuedraft")
    op.drop_table("issuedraft")
