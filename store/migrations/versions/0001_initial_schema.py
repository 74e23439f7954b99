"""initial schema

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "repository",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(), nullable=False),
        sa.Column("github_id", sa.Integer(), nullable=True),
        sa.Column("api_url", sa.String(), nullable=True),
        sa.Column("local_path", sa.String(), nullable=True),
        sa.Column("default_branch", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("html_url", sa.String(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("github_id"),
    )
    with op.batch_alter_table("repository", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repository_full_name"), ["full_name"], unique=True)

    op.create_table(
        "auditevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(), nullable=True),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=True),
        sa.Column("issue_number", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["repo_id"], ["repository.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auditevent_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_auditevent_repo_id"), ["repo_id"], unique=False)

    op.create_table(
        "branch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("location", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("issue_number", sa.Integer(), nullable=True),
        sa.Column("last_commit_sha", sa.String(), nullable=True),
        sa.Column("last_commit_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pushed", sa.Boolean(), nullable=False),
        sa.Column("merged", sa.Boolean(), nullable=False),
        sa.Column("ahead", sa.Integer(), nullable=True),
        sa.Column("behind", sa.Integer(), nullable=True),
        sa.Column("violation", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["repo_id"], ["repository.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("repo_id", "name", "location", name="uq_branch_repo_name_location"),
    )
    with op.batch_alter_table("branch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_branch_repo_id"), ["repo_id"], unique=False)

    op.create_table(
        "checklistitem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("issue_number", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("origin", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["repo_id"], ["repository.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("repo_id", "issue_number", "text", name="uq_checklist_item"),
    )
    with op.batch_alter_table("checklistitem", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checklistitem_repo_id"), ["repo_id"], unique=False)

    op.create_table(
        "comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("github_id", sa.Integer(), nullable=True),
        sa.Column("issue_number", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(), nullable=True),
        sa.Column("body", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("html_url", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["repo_id"], ["repository.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("github_id"),
    )
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comment_repo_id"), ["repo_id"], unique=False)
        batch_op.create_index("ix_comment_repo_issue", ["repo_id", "issue_number"], unique=False)

    op.create_table(
        "experimentoutcome",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("issue_number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("tldr", sa.String(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("run_links", sa.JSON(), nullable=False),
        sa.Column("commit_sha", sa.String(), nullable=True),
        sa.Column("next_step", sa.String(), nullable=True),
        sa.Column("author", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.String(), nullable=False),
        sa.Column("comment_github_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["repo_id"], ["repository.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("experimentoutcome", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_experimentoutcome_repo_id"), ["repo_id"], unique=False)
        batch_op.create_index("ix_outcome_repo_issue", ["repo_id", "issue_number"], unique=False)

    op.create_table(
        "issue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("github_id", sa.Integer(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("body", sa.String(), nullable=True),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("state_reason", sa.String(), nullable=True),
        sa.Column("author", sa.String(), nullable=True),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("comments_count", sa.Integer(), nullable=False),
        sa.Column("html_url", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("is_pull_request", sa.Boolean(), nullable=False),
        sa.Column("pr_head_ref", sa.String(), nullable=True),
        sa.Column("pr_base_ref", sa.String(), nullable=True),
        sa.Column("pr_merged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pr_draft", sa.Boolean(), nullable=True),
        sa.Column("kind", sa.String(), nullable=True),
        sa.Column("phase", sa.String(), nullable=True),
        sa.Column("outcome", sa.String(), nullable=True),
        sa.Column("ask_refs", sa.JSON(), nullable=False),
        sa.Column("experiment_refs", sa.JSON(), nullable=False),
        sa.Column("tldr", sa.String(), nullable=True),
        sa.Column("gone", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["repo_id"], ["repository.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("github_id"),
        sa.UniqueConstraint("repo_id", "number", name="uq_issue_repo_number"),
    )
    with op.batch_alter_table("issue", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_issue_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_issue_repo_id"), ["repo_id"], unique=False)
        batch_op.create_index("ix_issue_repo_phase", ["repo_id", "phase"], unique=False)
        batch_op.create_index("ix_issue_repo_updated", ["repo_id", "updated_at"], unique=False)

    op.create_table(
        "label",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("github_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("color", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["repo_id"], ["repository.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("repo_id", "name", name="uq_label_repo_name"),
    )
    with op.batch_alter_table("label", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_label_repo_id"), ["repo_id"], unique=False)

    op.create_table(
        "modelstatus",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("issue_number", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=True),
        sa.Column("health", sa.String(), nullable=True),
        sa.Column("author", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["repo_id"], ["repository.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("modelstatus", schema=None) as batch_op:
        batch_op.create_index("ix_model_repo_issue", ["repo_id", "issue_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_modelstatus_repo_id"), ["repo_id"], unique=False)

    op.create_table(
        "outboxentry",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("issue_number", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("remote_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["repo_id"], ["repository.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outboxentry", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_state", ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_outboxentry_repo_id"), ["repo_id"], unique=False)

    op.create_table(
        "signoff",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("gate", sa.String(), nullable=False),
        sa.Column("stakeholder", sa.String(), nullable=False),
        sa.Column("decision", sa.String(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("issue_number", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["repo_id"], ["repository.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("signoff", schema=None) as batch_op:
        batch_op.create_index("ix_signoff_repo_gate", ["repo_id", "gate"], unique=False)
        batch_op.create_index(batch_op.f("ix_signoff_repo_id"), ["repo_id"], unique=False)

    op.create_table(
        "synccursor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.Integer(), nullable=False),
        sa.Column("resource", sa.String(), nullable=False),
        sa.Column("etag", sa.String(), nullable=True),
        sa.Column("since", sa.String(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["repo_id"], ["repository.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("repo_id", "resource", name="uq_cursor_repo_resource"),
    )
    with op.batch_alter_table("synccursor", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_synccursor_repo_id"), ["repo_id"], unique=False)

    op.create_table(
        "issuelabel",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("label_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["issue_id"], ["issue.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["label_id"], ["label.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("issue_id", "label_id"),
    )


def downgrade() -> None:
    op.drop_table("issuelabel")
    with op.batch_alter_table("synccursor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_synccursor_repo_id"))

    op.drop_table("synccursor")
    with op.batch_alter_table("signoff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signoff_repo_id"))
        batch_op.drop_index("ix_signoff_repo_gate")

    op.drop_table("signoff")
    with op.batch_alter_table("outboxentry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outboxentry_repo_id"))
        batch_op.drop_index("ix_outbox_state")

    op.drop_table("outboxentry")
    with op.batch_alter_table("modelstatus", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_modelstatus_repo_id"))
        batch_op.drop_index("ix_model_repo_issue")

    op.drop_table("modelstatus")
    with op.batch_alter_table("label", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_label_repo_id"))

    op.drop_table("label")
    with op.batch_alter_table("issue", schema=None) as batch_op:
        batch_op.drop_index("ix_issue_repo_updated")
        batch_op.drop_index("ix_issue_repo_phase")
        batch_op.drop_index(batch_op.f("ix_issue_repo_id"))
        batch_op.drop_index(batch_op.f("ix_issue_kind"))

    op.drop_table("issue")
    with op.batch_alter_table("experimentoutcome", schema=None) as batch_op:
        batch_op.drop_index("ix_outcome_repo_issue")
        batch_op.drop_index(batch_op.f("ix_experimentoutcome_repo_id"))

    op.drop_table("experimentoutcome")
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index("ix_comment_repo_issue")
        batch_op.drop_index(batch_op.f("ix_comment_repo_id"))

    op.drop_table("comment")
    with op.batch_alter_table("checklistitem", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checklistitem_repo_id"))

    op.drop_table("checklistitem")
    with op.batch_alter_table("branch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_branch_repo_id"))

    op.drop_table("branch")
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auditevent_repo_id"))
        batch_op.drop_index(batch_op.f("ix_auditevent_at"))

    op.drop_table("auditevent")
    with op.batch_alter_table("repository", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repository_full_name"))

    op.drop_table("repository")
