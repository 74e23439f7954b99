"""The gates: each phase's latest sign-off and whether one is owed, and a project's history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from store.models import OutboxEntry, SignOff
from store.read.common import PENDING_STATES
from store.repos import get_repo
from store.rules import PHASES, gate_pending


@dataclass(frozen=True)
class GateStatus:
    """Where a phase gate stands: the latest decision, and whether a sign-off is still owed."""

    phase: str
    decision: str | None
    stakeholder: str | None
    decided_at: datetime | None
    pending: bool
    signoffs: int


@dataclass(frozen=True)
class LatestSignOff:
    decision: str
    stakeholder: str
    at: datetime | None
    count: int  # sign-offs of this gate in all


def latest_signoffs(session: Session, repo_ids: list[int]) -> dict[int, dict[str, LatestSignOff]]:
    """Repo -> gate -> its latest sign-off (and how many there are): one row per gate read.

    "Latest" is by time, then id, the order of `signoff_history`.
    """
    out: dict[int, dict[str, LatestSignOff]] = {}
    if not repo_ids:
        return out
    part = (col(SignOff.repo_id), col(SignOff.gate))
    ranked = (
        select(
            col(SignOff.repo_id),
            col(SignOff.gate),
            col(SignOff.decision),
            col(SignOff.stakeholder),
            col(SignOff.created_at),
            func.row_number()
            .over(
                partition_by=part, order_by=(col(SignOff.created_at).desc(), col(SignOff.id).desc())
            )
            .label("rank"),
            func.count().over(partition_by=part).label("n"),
        )
        .where(col(SignOff.repo_id).in_(repo_ids))
        .subquery()
    )
    cols: Any = ranked.c
    for rid, gate, decision, stakeholder, at, _rank, n in session.execute(
        select(ranked).where(cols.rank == 1)
    ):
        out.setdefault(rid, {})[gate] = LatestSignOff(decision, stakeholder, at, n)
    return out


def gate_statuses(
    cards: Mapping[str, int], latest: Mapping[str, LatestSignOff]
) -> dict[str, GateStatus]:
    """The seven gates of a project from its cards per phase and each gate's latest sign-off."""
    gates = {}
    for phase in PHASES:
        last = latest.get(phase)
        decision = last.decision if last else None
        gates[phase] = GateStatus(
            phase=phase,
            decision=decision,
            stakeholder=last.stakeholder if last else None,
            decided_at=last.at if last else None,
            pending=gate_pending(cards.get(phase, 0), decision),
            signoffs=last.count if last else 0,
        )
    return gates


@dataclass(frozen=True)
class SignOffView:
    gate: str
    stakeholder: str
    decision: str
    note: str
    created_at: datetime | None
    issue_number: int | None
    pending_sync: bool


def signoff_history(session: Session, full_name: str) -> dict[str, list[SignOffView]]:
    """Every sign-off of a project by gate, oldest first, with whether it still waits for a push."""
    repo = get_repo(session, full_name)
    rows = session.execute(
        select(SignOff, col(OutboxEntry.state))
        .outerjoin(OutboxEntry, col(OutboxEntry.id) == col(SignOff.id))
        .where(col(SignOff.repo_id) == repo.id)
        .order_by(col(SignOff.created_at), col(SignOff.id))
    ).all()
    out: dict[str, list[SignOffView]] = {}
    for row, state in rows:
        out.setdefault(row.gate, []).append(
            SignOffView(
                gate=row.gate,
                stakeholder=row.stakeholder,
                decision=row.decision,
                note=row.note,
                created_at=row.created_at,
                issue_number=row.issue_number,
                pending_sync=state in PENDING_STATES,
            )
        )
    return out
