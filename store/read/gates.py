"""The gates: each phase's latest counting sign-off and whether one is owed, and the history.

A sign-off counts when its GitHub poster may sign that gate (`.github/dslp.yml`); the others
stay visible, marked as not counting, never hidden.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlmodel import Session, col

from store.models import Issue, OutboxEntry, SignOff
from store.read.common import PENDING_STATES, iso
from store.repos import get_repo
from store.rules import PHASES, approvers_of, gate_pending
from store.signoff_sync import poster


@dataclass(frozen=True)
class GateStatus:
    """Where a phase gate stands: the latest counting decision, and whether one is still owed."""

    phase: str
    decision: str | None
    stakeholder: str | None
    decided_at: datetime | None
    pending: bool
    signoffs: int
    approvers: tuple[str, ...] | None = None  # None: anyone may sign


@dataclass(frozen=True)
class LatestSignOff:
    decision: str | None  # None: no sign-off of this gate counts
    stakeholder: str | None
    at: datetime | None
    count: int  # sign-offs of this gate in all, counting or not


def phase_counts(session: Session, repo_id: int) -> dict[str, int]:
    """Cards per phase, closed ones too (a gate is owed while its phase has any): one query."""
    return {
        phase: n
        for phase, n in session.execute(
            select(col(Issue.phase), func.count())
            .where(
                col(Issue.repo_id) == repo_id,
                col(Issue.is_pull_request).is_(False),
                col(Issue.phase).is_not(None),
                col(Issue.gone).is_(None),
            )
            .group_by(col(Issue.phase))
        ).all()
    }


def latest_signoffs(session: Session, repo_ids: list[int]) -> dict[int, dict[str, LatestSignOff]]:
    """Repo -> gate -> its latest counting sign-off (and how many there are): one row per gate.

    "Latest" is by time, then id, the order of `signoff_history`; counting ones rank first.
    """
    out: dict[int, dict[str, LatestSignOff]] = {}
    if not repo_ids:
        return out
    part = (col(SignOff.repo_id), col(SignOff.gate))
    counting = col(SignOff.counts).is_(True) & col(SignOff.withdrawn).is_(False)
    ranked = (
        select(
            col(SignOff.repo_id),
            col(SignOff.gate),
            col(SignOff.decision),
            col(SignOff.stakeholder),
            col(SignOff.created_at),
            case((counting, 1), else_=0).label("counting"),
            func.row_number()
            .over(
                partition_by=part,
                order_by=(
                    case((counting, 0), else_=1),
                    col(SignOff.created_at).desc(),
                    col(SignOff.id).desc(),
                ),
            )
            .label("rank"),
            func.count().over(partition_by=part).label("n"),
        )
        .where(col(SignOff.repo_id).in_(repo_ids))
        .subquery()
    )
    cols: Any = ranked.c
    for rid, gate, decision, stakeholder, at, counts, _rank, n in session.execute(
        select(ranked).where(cols.rank == 1)
    ):
        latest = (
            LatestSignOff(decision, stakeholder, at, n)
            if counts
            else LatestSignOff(None, None, None, n)
        )
        out.setdefault(rid, {})[gate] = latest
    return out


def gate_statuses(
    cards: Mapping[str, int],
    latest: Mapping[str, LatestSignOff],
    approvers: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, GateStatus]:
    """The seven gates of a project from its cards per phase and each gate's latest sign-off."""
    gates = {}
    for phase in PHASES:
        last = latest.get(phase)
        decision = last.decision if last else None
        named = approvers_of(approvers, phase)
        gates[phase] = GateStatus(
            phase=phase,
            decision=decision,
            stakeholder=last.stakeholder if last else None,
            decided_at=last.at if last else None,
            pending=gate_pending(cards.get(phase, 0), decision),
            signoffs=last.count if last else 0,
            approvers=tuple(named) if named is not None else None,
        )
    return gates


@dataclass(frozen=True)
class SignOffView:
    gate: str
    stakeholder: str  # as typed (display text)
    decision: str
    note: str
    created_at: datetime | None
    issue_number: int | None
    pending_sync: bool
    github_login: str | None = None  # who posted it on GitHub (None until pushed)
    recorded_by: str = "you"  # the poster, or for a local entry the token's user of the last sync
    counts: bool = True
    source: str = "dslp"  # "dslp" (the tool's marker) or "comment" (`/dslp approve` on GitHub)
    withdrawn: bool = False  # its comment was deleted

    def as_json(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "stakeholder": self.stakeholder,
            "github_login": self.github_login,
            "recorded_by": self.recorded_by,
            "counts": self.counts,
            "source": self.source,
            "at": iso(self.created_at),
            "pending_sync": self.pending_sync,
            "withdrawn": self.withdrawn,
            "note": self.note,
        }


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
        who = poster(row.github_login, row.origin, repo.viewer_login)
        out.setdefault(row.gate, []).append(
            SignOffView(
                gate=row.gate,
                stakeholder=row.stakeholder,
                decision=row.decision,
                note=row.note,
                created_at=row.created_at,
                issue_number=row.issue_number,
                pending_sync=state in PENDING_STATES,
                github_login=row.github_login,
                recorded_by=f"@{who}" if who else "you",
                counts=row.counts and not row.withdrawn,
                source=row.source,
                withdrawn=row.withdrawn,
            )
        )
    return out


def gates_json(session: Session, full_name: str) -> dict[str, Any]:
    """`dslp gates --json`: every phase's gate, its approvers and all its sign-offs."""
    repo = get_repo(session, full_name)
    assert repo.id is not None
    latest = latest_signoffs(session, [repo.id]).get(repo.id, {})
    statuses = gate_statuses(phase_counts(session, repo.id), latest, repo.approvers)
    history = signoff_history(session, full_name)
    return {
        "repo": repo.full_name,
        "approvers_error": repo.approvers_error,
        "gates": {
            phase: {
                "pending": g.pending,
                "decision": g.decision,
                "approvers": list(g.approvers) if g.approvers is not None else None,
                "signoffs": [v.as_json() for v in history.get(phase, [])],
            }
            for phase, g in statuses.items()
        },
    }
