"""The mirror's own history of its cards: what each sync (and each local change) saw move.

GitHub's issues list says what a card *is*, not what it was: it has created/closed stamps but no
trail of label changes. So every write of a page (and every local model-status change) appends a
`PhaseEvent` for each card that is new or whose phase, state or outcome moved, with one
INSERT ... SELECT per page that compares against the card's latest event inside the database (no
per-row round trip). `store.report_data` reads it back for the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, bindparam, case, exists, func, insert, literal, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from store.models import Issue, ModelStatus, PhaseEvent, utcnow

_EVENT_COLS = ("repo_id", "issue_number", "at", "recorded_at", "phase", "state", "outcome")


def record_changes(
    session: Session,
    repo_id: int,
    numbers: Sequence[int],
    *,
    source: str = "sync",
    at: Any = None,
) -> None:
    """Append an event for each of these issues that is new or whose phase/state/outcome moved.

    One statement whatever the page size. `at` (a datetime or a SQL expression) dates the
    change; by default a new card is dated at its GitHub creation and a change at GitHub's
    updated_at, the closest stamps GitHub gives without a request per issue.
    """
    if not numbers:
        return
    session.flush()  # an ORM change (refresh_model_phase) must be visible to the SELECT
    global _DEFAULT_INSERT
    if at is None:
        if _DEFAULT_INSERT is None:  # built once: statement construction costs more than SQLite
            _DEFAULT_INSERT = _event_insert(None)
        stmt = _DEFAULT_INSERT
    else:
        stmt = _event_insert(at)
    params = {"repo_id": repo_id, "numbers": list(numbers), "now": utcnow(), "source": source}
    session.execute(stmt, params)


_DEFAULT_INSERT: Any = None


def _event_insert(at: Any) -> Any:
    """INSERT ... SELECT of the issues whose phase/state/outcome differ from their last event."""
    stamp_type = Issue.__table__.c.created_at.type  # type: ignore[attr-defined]
    now = bindparam("now", type_=stamp_type)
    last_id = (
        select(func.max(col(PhaseEvent.id)))
        .where(
            col(PhaseEvent.repo_id) == col(Issue.repo_id),
            col(PhaseEvent.issue_number) == col(Issue.number),
        )
        .correlate(Issue)
        .scalar_subquery()
    )
    last = aliased(PhaseEvent)
    unchanged = exists().where(
        col(last.id) == last_id,
        col(last.phase).is_not_distinct_from(col(Issue.phase)),
        col(last.state) == col(Issue.state),
        col(last.outcome).is_not_distinct_from(col(Issue.outcome)),
    )
    if at is None:
        when: Any = case(
            (
                last_id.is_(None),
                func.coalesce(col(Issue.created_at), col(Issue.updated_at), now),
            ),
            else_=func.coalesce(col(Issue.updated_at), now),
        )
    elif isinstance(at, datetime):
        when = literal(at, type_=stamp_type)
    else:
        when = func.coalesce(at, now)
    rows = select(
        col(Issue.repo_id),
        col(Issue.number),
        when,
        now,
        col(Issue.phase),
        col(Issue.state),
        col(Issue.outcome),
        bindparam("source", type_=String()),
    ).where(
        col(Issue.repo_id) == bindparam("repo_id"),
        col(Issue.number).in_(bindparam("numbers", expanding=True)),
        col(Issue.is_pull_request).is_(False),
        ~unchanged,
    )
    return insert(PhaseEvent.__table__).from_select([*_EVENT_COLS, "source"], rows)  # type: ignore[attr-defined]


def record_model_change(session: Session, repo_id: int, number: int) -> None:
    """After a model status change: dated at the latest row that set a status (local or read
    from GitHub); a later health-only row ("drifting") does not move the model's phase."""
    latest = (
        select(func.max(col(ModelStatus.created_at)))
        .where(
            col(ModelStatus.repo_id) == repo_id,
            col(ModelStatus.issue_number) == number,
            col(ModelStatus.status).is_not(None),
        )
        .scalar_subquery()
    )
    record_changes(session, repo_id, [number], source="model_status", at=latest)
