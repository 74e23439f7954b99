"""Read helpers the screens need that store.queries does not offer yet.

Stop-gaps until the store grows them (see the note to the store owner): they return plain
dataclasses like store.queries does, so the screens will not change when they move.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from store.models import Issue, OutboxEntry, Repository, SignOff
from store.outbox import PENDING_STATES
from store.queries import get_repo


@dataclass(frozen=True)
class SignOffView:
    gate: str
    stakeholder: str
    decision: str
    note: str
    created_at: datetime | None
    issue_number: int | None
    pending_sync: bool


@dataclass(frozen=True)
class CardRef:
    repo: str
    number: int
    title: str
    kind: str | None
    state: str


def signoff_history(session: Session, full_name: str) -> dict[str, list[SignOffView]]:
    """Every sign-off of a project by gate, oldest first, with whether it still waits for a push."""
    repo = get_repo(session, full_name)
    pending = set(
        session.execute(
            select(OutboxEntry.id).where(
                OutboxEntry.repo_id == repo.id,  # type: ignore[arg-type]
                OutboxEntry.kind == "signoff",  # type: ignore[arg-type]
                OutboxEntry.state.in_(PENDING_STATES),  # type: ignore[attr-defined]
            )
        ).scalars()
    )
    out: dict[str, list[SignOffView]] = {}
    for row in session.execute(
        select(SignOff)
        .where(SignOff.repo_id == repo.id)  # type: ignore[arg-type]
        .order_by(SignOff.created_at)  # type: ignore[arg-type]
    ).scalars():
        out.setdefault(row.gate, []).append(
            SignOffView(
                gate=row.gate,
                stakeholder=row.stakeholder,
                decision=row.decision,
                note=row.note,
                created_at=row.created_at,
                issue_number=row.issue_number,
                pending_sync=row.id in pending,
            )
        )
    return out


def card_index(session: Session) -> list[CardRef]:
    """Number and title of every card of every project: what the command palette searches."""
    rows = session.execute(
        select(Repository.full_name, Issue.number, Issue.title, Issue.kind, Issue.state)
        .join(Repository, Repository.id == Issue.repo_id)  # type: ignore[arg-type]
        .where(
            Issue.is_pull_request.is_(False),  # type: ignore[attr-defined]
            Issue.gone.is_(None),  # type: ignore[union-attr]
        )
        .order_by(Repository.full_name, Issue.number)  # type: ignore[arg-type]
    ).all()
    return [CardRef(repo, number, title, kind, state) for repo, number, title, kind, state in rows]
