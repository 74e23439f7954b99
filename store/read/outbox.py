"""The outbox screen and `dslp outbox`: every offline change with its state and reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from store.models import OutboxEntry, Repository


@dataclass(frozen=True)
class OutboxView:
    id: str
    repo: str
    kind: str
    issue_number: int | None
    state: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    payload: dict[str, Any]


def list_outbox(session: Session, *, states: Sequence[str] | None = None) -> list[OutboxView]:
    query = (
        select(OutboxEntry, col(Repository.full_name))
        .join(Repository, col(Repository.id) == col(OutboxEntry.repo_id))
        .order_by(col(OutboxEntry.created_at))
    )
    if states:
        query = query.where(col(OutboxEntry.state).in_(list(states)))
    return [
        OutboxView(
            id=e.id,
            repo=name,
            kind=e.kind,
            issue_number=e.issue_number,
            state=e.state,
            attempts=e.attempts,
            last_error=e.last_error,
            created_at=e.created_at,
            sent_at=e.sent_at,
            payload=dict(e.payload),
        )
        for e, name in session.execute(query).all()
    ]
