"""The one snapshot the team report reads: cards with their phase history, statuses, sign-offs.

Conventions every chart shares, so they agree with each other:
- a *card* is a non-PR issue with a DSLP kind that GitHub still has (`gone` is NULL);
- dates are UTC days; a card's phase on a day is its phase at the end of that day;
- before a card's first recorded event it is taken to have been in that event's phase since
  GitHub created it (the only assumption about the unrecorded past);
- cycle time runs from GitHub's created_at to closed_at; cards closed as "not planned" are not
  throughput and have no cycle time;
- a card in monitoring (a live model) stays work in progress even when its issue is closed,
  as the portfolio counts it.
The series each chart draws are derived from it by the pure functions of `store.metrics`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import overload

from sqlalchemy import ColumnElement, func, select
from sqlmodel import Session, col

from store.models import (
    ExperimentOutcome,
    Issue,
    ModelStatus,
    PhaseEvent,
    Repository,
    SignOff,
    utcnow,
)


@dataclass(frozen=True)
class RepoInfo:
    name: str
    last_synced: datetime | None
    first_recorded: datetime | None  # when this mirror began recording the repo's history


@dataclass(frozen=True)
class PhaseSpan:
    """From `start` until the next span, the card was in `phase` (None: unclassified)."""

    start: datetime
    phase: str | None


@dataclass(frozen=True)
class CardHistory:
    repo: str
    number: int
    title: str
    kind: str
    phase: str | None
    state: str
    state_reason: str | None
    outcome: str | None
    outcome_at: datetime | None  # when the current outcome was first seen
    created_at: datetime
    closed_at: datetime | None
    spans: tuple[PhaseSpan, ...]

    @property
    def is_closed(self) -> bool:
        return self.state == "closed" and self.closed_at is not None

    @property
    def done(self) -> bool:
        """Closed as completed work (not 'not planned'): counts in throughput and cycle time."""
        return self.is_closed and self.state_reason != "not_planned"

    @property
    def in_progress(self) -> bool:
        return not self.is_closed or self.phase == "monitoring"


@dataclass(frozen=True)
class StatusChange:
    repo: str
    number: int
    at: datetime
    status: str


@dataclass(frozen=True)
class SignOffFact:
    repo: str
    gate: str
    decision: str
    at: datetime


@dataclass(frozen=True)
class ReportData:
    """Everything the report's charts need, loaded in a handful of queries."""

    now: datetime
    start: date
    repos: list[RepoInfo]
    cards: list[CardHistory]
    model_statuses: list[StatusChange] = field(default_factory=list)
    signoffs: list[SignOffFact] = field(default_factory=list)

    @property
    def end(self) -> date:
        return self.now.date()

    @property
    def last_synced(self) -> datetime | None:
        stamps = [r.last_synced for r in self.repos if r.last_synced]
        return max(stamps) if stamps else None

    @property
    def first_recorded(self) -> datetime | None:
        stamps = [r.first_recorded for r in self.repos if r.first_recorded]
        return min(stamps) if stamps else None


@overload
def aware(value: datetime) -> datetime: ...
@overload
def aware(value: None) -> None: ...
@overload
def aware(value: datetime | None) -> datetime | None: ...
def aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _data_end(
    session: Session, ids: list[int], synced: list[datetime | None], now: datetime
) -> datetime:
    """Where the mirror's knowledge ends: the last sync, or a later change logged here.

    A report written a month after the last sync must not age every open card by that month:
    the mirror cannot know what happened since. A mirror never synced ends now.
    """
    stamps = [s for s in synced if s is not None]
    if not stamps:
        return now
    for model in (ExperimentOutcome, SignOff, ModelStatus):
        latest = session.execute(
            select(func.max(col(model.created_at))).where(col(model.repo_id).in_(ids))
        ).scalar_one_or_none()
        if latest is not None:
            stamps.append(aware(latest))
    return min(now, max(stamps))


def _live_cards() -> list[ColumnElement[bool]]:
    return [
        col(Issue.is_pull_request).is_(False),
        col(Issue.kind).is_not(None),
        col(Issue.gone).is_(None),
    ]


def load_report_data(
    session: Session,
    repos: Sequence[str] | None = None,
    since: date | None = None,
    now: datetime | None = None,
) -> ReportData:
    """One snapshot of cards, their phase history, model statuses and sign-offs.

    `repos` are full names (already validated by the caller); None means every tracked repo.
    The range starts at `since`, or at the first card's creation.
    """
    now = aware(now) or utcnow()
    query = select(
        col(Repository.id), col(Repository.full_name), col(Repository.last_synced_at)
    ).order_by(col(Repository.full_name))
    if repos:
        wanted = {r.lower() for r in repos}
        query = query.where(func.lower(col(Repository.full_name)).in_(wanted))
    repo_rows = session.execute(query).all()
    names = {rid: name for rid, name, _ in repo_rows}
    ids = list(names)
    now = _data_end(session, ids, [aware(synced) for _, _, synced in repo_rows], now)

    first_recorded: dict[int, datetime] = dict(
        session.execute(
            select(col(PhaseEvent.repo_id), func.min(col(PhaseEvent.recorded_at)))
            .where(col(PhaseEvent.repo_id).in_(ids))
            .group_by(col(PhaseEvent.repo_id))
        ).all()
    )
    events: dict[tuple[int, int], list[tuple[datetime, str | None, str | None]]] = defaultdict(list)
    for rid, number, at, phase, outcome in session.execute(
        select(
            col(PhaseEvent.repo_id),
            col(PhaseEvent.issue_number),
            col(PhaseEvent.at),
            col(PhaseEvent.phase),
            col(PhaseEvent.outcome),
        )
        .where(col(PhaseEvent.repo_id).in_(ids))
        .order_by(col(PhaseEvent.id))
    ):
        events[(rid, number)].append((aware(at) or now, phase, outcome))

    local_outcomes: dict[tuple[int, int], tuple[str, datetime]] = {}
    for rid, number, status, at in session.execute(
        select(
            col(ExperimentOutcome.repo_id),
            col(ExperimentOutcome.issue_number),
            col(ExperimentOutcome.status),
            col(ExperimentOutcome.created_at),
        )
        .where(col(ExperimentOutcome.repo_id).in_(ids))
        .order_by(col(ExperimentOutcome.created_at))
    ):
        local_outcomes[(rid, number)] = (status, aware(at) or now)

    cards: list[CardHistory] = []
    for row in session.execute(
        select(
            col(Issue.repo_id),
            col(Issue.number),
            col(Issue.title),
            col(Issue.kind),
            col(Issue.phase),
            col(Issue.state),
            col(Issue.state_reason),
            col(Issue.outcome),
            col(Issue.created_at),
            col(Issue.updated_at),
            col(Issue.closed_at),
        )
        .where(col(Issue.repo_id).in_(ids), *_live_cards())
        .order_by(col(Issue.repo_id), col(Issue.number))
    ):
        rid, number, title, kind, phase, state, reason, outcome, created, updated, closed = row
        created = aware(created) or aware(updated) or now
        updated = aware(updated) or created
        spans, outcome_at = _spans(events.get((rid, number), []), created, phase, outcome, updated)
        local = local_outcomes.get((rid, number))
        if local and (outcome is None or local[1] > updated):
            outcome, outcome_at = local
        cards.append(
            CardHistory(
                repo=names[rid],
                number=number,
                title=title,
                kind=kind,
                phase=phase,
                state=state,
                state_reason=reason,
                outcome=outcome,
                outcome_at=outcome_at,
                created_at=created,
                closed_at=aware(closed),
                spans=spans,
            )
        )

    statuses = [
        StatusChange(names[rid], number, aware(at) or now, status)
        for rid, number, at, status in session.execute(
            select(
                col(ModelStatus.repo_id),
                col(ModelStatus.issue_number),
                col(ModelStatus.created_at),
                col(ModelStatus.status),
            )
            .where(
                col(ModelStatus.repo_id).in_(ids),
                col(ModelStatus.status).is_not(None),
            )
            .order_by(col(ModelStatus.created_at))
        )
    ]
    signoffs = [
        SignOffFact(names[rid], gate, decision, aware(at) or now)
        for rid, gate, decision, at in session.execute(
            select(
                col(SignOff.repo_id),
                col(SignOff.gate),
                col(SignOff.decision),
                col(SignOff.created_at),
            )
            .where(col(SignOff.repo_id).in_(ids))
            .order_by(col(SignOff.created_at))
        )
    ]
    if since is None:
        since = min((c.created_at.date() for c in cards), default=now.date())
    return ReportData(
        now=now,
        start=min(since, now.date()),
        repos=[
            RepoInfo(name, aware(synced), aware(first_recorded.get(rid)))
            for rid, name, synced in repo_rows
        ],
        cards=cards,
        model_statuses=statuses,
        signoffs=signoffs,
    )


def _spans(
    events: list[tuple[datetime, str | None, str | None]],
    created: datetime,
    phase: str | None,
    outcome: str | None,
    updated: datetime,
) -> tuple[tuple[PhaseSpan, ...], datetime | None]:
    """A card's phase spans from its events, back-dating the first to its creation."""
    spans: list[PhaseSpan] = []
    outcome_at: datetime | None = None
    seen: object = object()  # the outcome of the previous event (a sentinel before the first)
    for i, (at, ev_phase, ev_outcome) in enumerate(events):
        start = created if i == 0 else max(at, spans[-1].start)
        if not spans or spans[-1].phase != ev_phase:
            spans.append(PhaseSpan(start, ev_phase))
        if ev_outcome != seen:
            # The first event is back-dated for its phase only: an outcome already there when
            # the mirror first saw the card dates from that sighting (GitHub's last update).
            seen, outcome_at = ev_outcome, (at if i == 0 else start)
    if not spans:
        spans.append(PhaseSpan(created, phase))
    elif spans[-1].phase != phase:  # changed without an event (written outside the mirror API)
        spans.append(PhaseSpan(max(updated, spans[-1].start), phase))
    if outcome is None:
        outcome_at = None
    elif seen != outcome:
        outcome_at = updated
    return tuple(spans), outcome_at
