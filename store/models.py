"""SQLModel tables of the mirror.

The schema is meant to be read with plain SQL too (as github-to-sqlite's is): one row per GitHub
object, keyed locally by an integer id, with GitHub's own ids and (repo, number) as unique keys so
a re-sync updates in place. Everything a user types offline lives in its own table *and* in the
outbox, so the local record survives whatever happens to the push.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Aware UTC: SQLModel stores every timestamp in UTC and hands it back aware."""
    return datetime.now(UTC)


def _repo_fk() -> Any:
    return Column(
        Integer, ForeignKey("repository.id", ondelete="CASCADE"), nullable=False, index=True
    )


class Repository(SQLModel, table=True):
    """A tracked project: one GitHub repository and, optionally, its local clone."""

    id: int | None = Field(default=None, primary_key=True)
    full_name: str = Field(unique=True, index=True)
    github_id: int | None = Field(default=None, unique=True)
    api_url: str | None = None
    local_path: str | None = None
    default_branch: str = "main"
    description: str | None = None
    html_url: str | None = None
    added_at: datetime = Field(default_factory=utcnow)
    last_synced_at: datetime | None = None
    viewer_login: str | None = None  # the token's GitHub user at the last sync (GET /user)
    # `.github/dslp.yml` as last read: gate -> approver logins (None: no file, anyone may sign)
    approvers: dict[str, list[str]] | None = Field(default=None, sa_column=Column(JSON))
    approvers_error: str | None = None  # why the file could not be read (one line)


class Label(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("repo_id", "name", name="uq_label_repo_name"),)

    id: int | None = Field(default=None, primary_key=True)
    repo_id: int = Field(sa_column=_repo_fk())
    github_id: int | None = None
    name: str
    color: str = ""
    description: str | None = None


class Issue(SQLModel, table=True):
    """An issue or a pull request (GitHub numbers both from one sequence).

    `kind`, `phase` and `outcome` are derived by `store.rules` and stored so that boards and
    counts are plain indexed queries over tens of thousands of rows.
    """

    __table_args__ = (
        UniqueConstraint("repo_id", "number", name="uq_issue_repo_number"),
        Index("ix_issue_repo_phase", "repo_id", "phase"),
        Index("ix_issue_repo_updated", "repo_id", "updated_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    repo_id: int = Field(sa_column=_repo_fk())
    github_id: int | None = Field(default=None, unique=True)
    number: int
    title: str = ""
    body: str | None = None
    state: str = "open"
    state_reason: str | None = None
    author: str | None = None
    labels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    comments_count: int = 0
    html_url: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    closed_at: datetime | None = None
    is_pull_request: bool = False
    pr_head_ref: str | None = None
    pr_base_ref: str | None = None
    pr_merged_at: datetime | None = None
    pr_draft: bool | None = None
    kind: str | None = Field(default=None, index=True)
    phase: str | None = None
    outcome: str | None = None
    ask_refs: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    experiment_refs: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    tldr: str | None = None
    gone: str | None = None  # "deleted" or "transferred" once GitHub says so; never silently kept


class IssueLabel(SQLModel, table=True):
    """Issue-label links for SQL users; `Issue.labels` holds the same names for fast reads."""

    issue_id: int = Field(
        sa_column=Column(Integer, ForeignKey("issue.id", ondelete="CASCADE"), primary_key=True)
    )
    label_id: int = Field(
        sa_column=Column(Integer, ForeignKey("label.id", ondelete="CASCADE"), primary_key=True)
    )


class Comment(SQLModel, table=True):
    __table_args__ = (Index("ix_comment_repo_issue", "repo_id", "issue_number"),)

    id: int | None = Field(default=None, primary_key=True)
    repo_id: int = Field(sa_column=_repo_fk())
    github_id: int | None = Field(default=None, unique=True)
    issue_number: int
    author: str | None = None
    body: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    html_url: str | None = None


class Branch(SQLModel, table=True):
    """A branch seen on GitHub (`location="remote"`) or in the local clone (`"local"`)."""

    __table_args__ = (
        UniqueConstraint("repo_id", "name", "location", name="uq_branch_repo_name_location"),
    )

    id: int | None = Field(default=None, primary_key=True)
    repo_id: int = Field(sa_column=_repo_fk())
    name: str
    location: str = "remote"
    kind: str = "invalid"
    issue_number: int | None = None
    last_commit_sha: str | None = None
    last_commit_at: datetime | None = None
    pushed: bool = True
    merged: bool = False
    ahead: int | None = None
    behind: int | None = None
    violation: str | None = None


class ExperimentOutcome(SQLModel, table=True):
    """An outcome logged for an Experiment issue, locally (`origin="local"`) or read from GitHub."""

    __table_args__ = (Index("ix_outcome_repo_issue", "repo_id", "issue_number"),)

    id: str = Field(primary_key=True)
    repo_id: int = Field(sa_column=_repo_fk())
    issue_number: int
    status: str
    tldr: str = ""
    metrics: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    run_links: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    commit_sha: str | None = None
    next_step: str | None = None
    author: str | None = None  # as typed or claimed in the marker: display text only
    github_login: str | None = None  # who posted it on GitHub: the author that counts
    created_at: datetime = Field(default_factory=utcnow)
    origin: str = "local"
    comment_github_id: int | None = None


class ModelStatus(SQLModel, table=True):
    """One change of a model's status or health; the latest row per issue is the current one."""

    __table_args__ = (Index("ix_model_repo_issue", "repo_id", "issue_number"),)

    id: str = Field(primary_key=True)
    repo_id: int = Field(sa_column=_repo_fk())
    issue_number: int
    version: str | None = None
    status: str | None = None
    health: str | None = None
    author: str | None = None  # display text only
    github_login: str | None = None  # who posted it on GitHub
    created_at: datetime = Field(default_factory=utcnow)
    origin: str = "local"


class SignOff(SQLModel, table=True):
    """A stakeholder's decision at a phase gate of a project.

    `stakeholder` is what was typed (display text); `github_login` is who posted it on GitHub,
    the identity that `counts` is decided by (the gate's approvers in `.github/dslp.yml`).
    """

    __table_args__ = (
        Index("ix_signoff_repo_gate", "repo_id", "gate"),
        Index("ix_signoff_comment", "comment_github_id"),
    )

    id: str = Field(primary_key=True)
    repo_id: int = Field(sa_column=_repo_fk())
    gate: str
    stakeholder: str
    decision: str
    note: str = ""
    issue_number: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    origin: str = "local"
    github_login: str | None = None
    source: str = Field(default="dslp", sa_column_kwargs={"server_default": "dslp"})
    comment_github_id: int | None = None
    withdrawn: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    counts: bool = Field(default=True, sa_column_kwargs={"server_default": sa_true()})


class ChecklistItem(SQLModel, table=True):
    """A hand-off checklist line of a Model issue: from its body, the DSLP standard, or added."""

    __table_args__ = (
        UniqueConstraint("repo_id", "issue_number", "text", name="uq_checklist_item"),
    )

    id: int | None = Field(default=None, primary_key=True)
    repo_id: int = Field(sa_column=_repo_fk())
    issue_number: int
    text: str
    done: bool = False
    origin: str = "body"
    position: int = 0
    updated_at: datetime = Field(default_factory=utcnow)


class IssueDraft(SQLModel, table=True):
    """A card made here that GitHub has not numbered yet.

    Its id is the id of the outbox entry that creates it and of the marker in the issue body,
    so a create whose reply was lost is found on GitHub instead of posted twice.
    """

    __table_args__ = (Index("ix_issuedraft_repo_state", "repo_id", "state"),)

    id: str = Field(primary_key=True)
    repo_id: int = Field(sa_column=_repo_fk())
    kind: str
    title: str
    body: str = ""
    labels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    ask_number: int | None = None
    based_on: int | None = None  # the experiment a Model draft is based on, once numbered
    based_on_draft: str | None = None  # ...or the draft of that experiment, pushed first
    template: str | None = None  # the template's path ("" for the built-in skeleton)
    state: str = "draft"  # "draft", then "pushed" (number set) or "discarded"
    number: int | None = None
    author: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class IssueTemplate(SQLModel, table=True):
    """A file of the repository's `.github/ISSUE_TEMPLATE/`, kept so `dslp new` works offline."""

    __table_args__ = (UniqueConstraint("repo_id", "path", name="uq_template_repo_path"),)

    id: int | None = Field(default=None, primary_key=True)
    repo_id: int = Field(sa_column=_repo_fk())
    path: str
    sha: str | None = None
    text: str = ""
    updated_at: datetime = Field(default_factory=utcnow)


# Outbox states that still wait for GitHub (the others: "sent", "conflict").
PENDING_STATES: tuple[str, ...] = ("pending", "in_flight")


class OutboxEntry(SQLModel, table=True):
    """A change made offline, waiting to be written to GitHub exactly once.

    States: pending -> in_flight -> sent, or conflict (with `last_error`). An in-flight entry
    whose reply was lost is resolved by looking for its marker on GitHub before any re-send.
    """

    __table_args__ = (Index("ix_outbox_state", "state"),)

    id: str = Field(primary_key=True)
    repo_id: int = Field(sa_column=_repo_fk())
    kind: str
    issue_number: int | None = None
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = "pending"
    attempts: int = 0
    last_error: str | None = None
    remote_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class SyncCursor(SQLModel, table=True):
    """Where the last complete pull of one resource of one repo ended (ETag, since stamp)."""

    __table_args__ = (UniqueConstraint("repo_id", "resource", name="uq_cursor_repo_resource"),)

    id: int | None = Field(default=None, primary_key=True)
    repo_id: int = Field(sa_column=_repo_fk())
    resource: str
    etag: str | None = None
    since: str | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """Append-only trail of local changes: who did what, when, to which card."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str | None = None
    action: str
    repo_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("repository.id", ondelete="SET NULL"), index=True),
    )
    issue_number: int | None = None
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class PhaseEvent(SQLModel, table=True):
    """A card's phase/state/outcome as first seen and at each change: the history reports need.

    GitHub keeps no history of label changes in the issues list, so a sync (or a local change)
    appends a row only when a card is new or one of these three values moved. `at` is when the
    change happened as best known (GitHub's created_at for a card's first row, its updated_at
    for a change seen by a sync, the status row's time for a model status change);
    `recorded_at` is when this mirror learned it: where a report's knowledge of the past begins.
    """

    __table_args__ = (Index("ix_phaseevent_repo_issue", "repo_id", "issue_number", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    repo_id: int = Field(sa_column=_repo_fk())
    issue_number: int
    at: datetime
    recorded_at: datetime = Field(default_factory=utcnow)
    phase: str | None = None
    state: str = "open"
    outcome: str | None = None
    source: str = "sync"  # "sync", "local" or "migration"


class MirrorMeta(SQLModel, table=True):
    """Facts about the mirror itself, such as the version of the rules that computed its cards."""

    key: str = Field(primary_key=True)
    value: str


class MirrorRevision(SQLModel, table=True):
    """A server mirror's count of committed writes (one row): a shared read is cached per count.

    Every PostgreSQL transaction that wrote anything bumps it last, in the same commit
    (`Store.session`), so a reader that sees revision N sees every write up to N.
    """

    id: int = Field(default=1, primary_key=True)
    rev: int = Field(default=0, sa_type=BigInteger)


class TextCache(SQLModel, table=True):
    """What a shared read printed (`dslp board --json` of a repository), and from which revision
    on. An UNLOGGED table on PostgreSQL: a crash empties it, and nothing in it is ever needed."""

    key: str = Field(primary_key=True)
    revision: int = Field(sa_type=BigInteger)
    body: str = Field(sa_type=Text)
    stored_at: datetime = Field(sa_type=DateTime(timezone=True))
