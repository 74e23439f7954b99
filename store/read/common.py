"""What several screens read alike: the outbox's pending states and local overlays."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from store.models import PENDING_STATES, ExperimentOutcome, OutboxEntry

__all__ = ["PENDING_STATES", "iso", "pending_numbers", "pending_outcomes"]


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def pending_numbers(session: Session, repo_id: int) -> set[int]:
    """Issues with an outbox entry still waiting for a push."""
    return set(
        session.execute(
            select(col(OutboxEntry.issue_number)).where(
                col(OutboxEntry.repo_id) == repo_id,
                col(OutboxEntry.state).in_(PENDING_STATES),
                col(OutboxEntry.issue_number).is_not(None),
            )
        ).scalars()
    )


def pending_outcomes(
    session: Session, repo_id: int, numbers: list[int] | None = None
) -> dict[int, str]:
    """Issue number -> the status of its latest outcome still waiting for a push.

    An outcome logged offline shows on its card (board, lineage, detail) before GitHub has the
    label; once pushed, the label pulled back from GitHub is the truth again.
    """
    query = (
        select(col(ExperimentOutcome.issue_number), col(ExperimentOutcome.status))
        .join(OutboxEntry, col(OutboxEntry.id) == col(ExperimentOutcome.id))
        .where(
            col(ExperimentOutcome.repo_id) == repo_id,
            col(OutboxEntry.state).in_(PENDING_STATES),
        )
        .order_by(col(ExperimentOutcome.created_at))
    )
    if numbers is not None:
        query = query.where(col(ExperimentOutcome.issue_number).in_(numbers))
    return {number: status for number, status in session.execute(query).all()}
