"""sign-off identity: who posted each entry on GitHub, which sign-offs count, the approvers

Revision ID: 0004
Revises: 0003

- `signoff`: `github_login` (the poster, read at sync), `source` ("dslp" for the tool's markers,
  "comment" for a `/dslp approve` comment), `comment_github_id`, `withdrawn` (the comment was
  deleted) and `counts` (whether the gate's approvers include the poster).
- `experimentoutcome`, `modelstatus`: `github_login`.
- `repository`: `viewer_login` (the token's user at the last sync), `approvers` (the parsed
  `.github/dslp.yml`) and `approvers_error` (why that file could not be read).
Existing sign-offs keep counting, as they did.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("signoff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("github_login", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(), nullable=False, server_default="dslp"))
        batch_op.add_column(sa.Column("comment_github_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("withdrawn", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("counts", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.create_index("ix_signoff_comment", ["comment_github_id"], unique=False)
    for table in ("experimentoutcome", "modelstatus"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("github_login", sa.String(), nullable=True))
    with op.batch_alter_table("repository", schema=None) as batch_op:
        batch_op.add_column(sa.Column("viewer_login", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("approvers", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("approvers_error", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("repository", schema=None) as batch_op:
        batch_op.drop_column("approvers_error")
        batch_op.drop_column("approvers")
        batch_op.drop_column("viewer_login")
    for table in ("modelstatus", "experimentoutcome"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("github_login")
    with op.batch_alter_table("signoff", schema=None) as batch_op:
        batch_op.drop_index("ix_signoff_comment")
        batch_op.drop_column("counts")
        batch_op.drop_column("withdrawn")
        batch_op.drop_column("comment_github_id")
        batch_op.drop_column("source")
        batch_op.drop_column("github_login")
