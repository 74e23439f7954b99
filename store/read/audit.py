"""The audit trail: every local change and each step of its push, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from store.models import AuditEvent, Repository


@dataclass(frozen=True)
class AuditView:
    at: datetime
    actor: str | None
    action: str  # "<kind>.recorded", "<kind>.in_flight", "<kind>.sent", "<kind>.conflict", ...
    repo: str | None  # None once the repository was removed from the mirror
    issue_number: int | None
    entry: str | None
    error: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "repo": self.repo,
            "number": self.issue_number,
            "entry": self.entry,
            "error": self.error,
        }


def audit_trail(
    session: Session, *, repo_id: int | None = None, limit: int = 50
) -> list[AuditView]:
    """The latest `limit` events, newest first; of one repository when `repo_id` is given."""
    query = (
        select(AuditEvent, col(Repository.full_name))
        .outerjoin(Repository, col(Repository.id) == col(AuditEvent.repo_id))
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(limit)
    )
    if repo_id is not None:
        query = query.where(col(AuditEvent.repo_id) == repo_id)
    out = []
    for event, name in session.execute(query).all():
        detail = event.detail or {}
        out.append(
            AuditView(
                at=event.at,
                actor=event.actor,
                action=event.action,
                repo=name,
                issue_number=event.issue_number,
                entry=detail.get("entry"),
                error=detail.get("error"),
            )
        )
    return out
