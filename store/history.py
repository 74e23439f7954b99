"""History of the mirror for the reports: what was recorded at each sync, and what the charts read.

GitHub's issues list says what a card *is*, not what it was: it has created/closed stamps but no
trail of label changes. So every write of a page (and every local model-status change) appends a
`PhaseEvent` for each card that is new or whose phase, state or outcome moved, with one
INSERT ... SELECT per page that compares against the card's latest event inside SQLite (no
per-row round trip). The read side loads one snapshot (`load_report_data`) and derives each
chart's series from it with pure functions, so tests can check numbers without plotly.

Conventions every chart shares, so they agree with each other:
- a *card* is a non-PR issue with a DSLP kind that GitHub still has (`gone` is NULL);
- dates are UTC days; a card's phase on a day is its phase at the end of that day;
- before a card's first recorded event it is taken to have been in that event's phase since
  GitHub created it (the only assumption about the unrecorded past);
- cycle time runs from GitHub's created_at to closed_at; cards closed as "not planned" are not
  throughput and have no cycle time;
- a card in monitoring (a live model) stays work in progress even when its issue is closed,
  as the portfolio counts it.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import String, bindparam, case, exists, func, insert, literal, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from store.models import (
    ExperimentOutcome,
    Issue,
    ModelStatus,
    PhaseEvent,
    Repository,
    SignOff,
    utcnow,
)
from store.rules import KINDS, MODEL_STATUSES, PHASES

CLOSED = "closed"
NO_STATUS = "no status"
EXPERIMENT_OUTCOMES = ("succeeded", "failed", "on hold")
ROLLING_WINDOW = 10  # closed cards in the rolling median of cycle time
_EVENT_COLS = ("repo_id", "issue_number", "at", "recorded_at", "phase", "state", "outcome")


# --- recording ------------------------------------------------------------------------------


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
        select(func.max(PhaseEvent.id))
        .where(PhaseEvent.repo_id == Issue.repo_id, PhaseEvent.issue_number == Issue.number)  # type: ignore[arg-type]
        .correlate(Issue)
        .scalar_subquery()
    )
    last = aliased(PhaseEvent)
    unchanged = exists().where(
        last.id == last_id,  # type: ignore[arg-type]
        last.phase.is_not_distinct_from(Issue.phase),  # type: ignore[union-attr]
        last.state == Issue.state,  # type: ignore[arg-type]
        last.outcome.is_not_distinct_from(Issue.outcome),  # type: ignore[union-attr]
    )
    if at is None:
        when: Any = case(
            (last_id.is_(None), func.coalesce(Issue.created_at, Issue.updated_at, now)),
            else_=func.coalesce(Issue.updated_at, now),
        )
    elif isinstance(at, datetime):
        when = literal(at, type_=stamp_type)
    else:
        when = func.coalesce(at, now)
    rows = select(
        Issue.repo_id,
        Issue.number,
        when,
        now,
        Issue.phase,
        Issue.state,
        Issue.outcome,
        bindparam("source", type_=String()),
    ).where(
        Issue.repo_id == bindparam("repo_id"),  # type: ignore[arg-type]
        Issue.number.in_(bindparam("numbers", expanding=True)),  # type: ignore[attr-defined]
        Issue.is_pull_request.is_(False),  # type: ignore[attr-defined]
        ~unchanged,
    )
    return insert(PhaseEvent.__table__).from_select([*_EVENT_COLS, "source"], rows)  # type: ignore[attr-defined]


def record_model_change(session: Session, repo_id: int, number: int) -> None:
    """After a model status change: dated at the latest row that set a status (local or read
    from GitHub); a later health-only row ("drifting") does not move the model's phase."""
    latest = (
        select(func.max(ModelStatus.created_at))
        .where(
            ModelStatus.repo_id == repo_id,  # type: ignore[arg-type]
            ModelStatus.issue_number == number,  # type: ignore[arg-type]
            ModelStatus.status.is_not(None),  # type: ignore[union-attr]
        )
        .scalar_subquery()
    )
    record_changes(session, repo_id, [number], source="model_status", at=latest)


# --- the snapshot the report reads ------------------------------------------------------------


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


def _aware(value: datetime | None) -> datetime | None:
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
            select(func.max(model.created_at)).where(model.repo_id.in_(ids))  # type: ignore[attr-defined]
        ).scalar_one_or_none()
        if latest is not None:
            stamps.append(_aware(latest))  # type: ignore[arg-type]
    return min(now, max(stamps))


def _live_cards() -> list[Any]:
    return [
        Issue.is_pull_request.is_(False),  # type: ignore[attr-defined]
        Issue.kind.is_not(None),  # type: ignore[union-attr]
        Issue.gone.is_(None),  # type: ignore[union-attr]
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
    now = _aware(now) or utcnow()
    query = select(Repository.id, Repository.full_name, Repository.last_synced_at).order_by(
        Repository.full_name
    )
    if repos:
        wanted = {r.lower() for r in repos}
        query = query.where(func.lower(Repository.full_name).in_(wanted))
    repo_rows = session.execute(query).all()
    names = {rid: name for rid, name, _ in repo_rows}
    ids = list(names)
    now = _data_end(session, ids, [_aware(synced) for _, _, synced in repo_rows], now)

    first_recorded: dict[int, datetime] = dict(
        session.execute(
            select(PhaseEvent.repo_id, func.min(PhaseEvent.recorded_at))
            .where(PhaseEvent.repo_id.in_(ids))  # type: ignore[attr-defined]
            .group_by(PhaseEvent.repo_id)
        ).all()
    )
    events: dict[tuple[int, int], list[tuple[datetime, str | None, str | None]]] = defaultdict(list)
    for rid, number, at, phase, outcome in session.execute(
        select(
            PhaseEvent.repo_id,
            PhaseEvent.issue_number,
            PhaseEvent.at,
            PhaseEvent.phase,
            PhaseEvent.outcome,
        )
        .where(PhaseEvent.repo_id.in_(ids))  # type: ignore[attr-defined]
        .order_by(PhaseEvent.id)  # type: ignore[arg-type]
    ):
        events[(rid, number)].append((_aware(at) or now, phase, outcome))

    local_outcomes: dict[tuple[int, int], tuple[str, datetime]] = {}
    for rid, number, status, at in session.execute(
        select(
            ExperimentOutcome.repo_id,
            ExperimentOutcome.issue_number,
            ExperimentOutcome.status,
            ExperimentOutcome.created_at,
        )
        .where(ExperimentOutcome.repo_id.in_(ids))  # type: ignore[attr-defined]
        .order_by(ExperimentOutcome.created_at)  # type: ignore[arg-type]
    ):
        local_outcomes[(rid, number)] = (status, _aware(at) or now)

    cards: list[CardHistory] = []
    for row in session.execute(
        select(
            Issue.repo_id,
            Issue.number,
            Issue.title,
            Issue.kind,
            Issue.phase,
            Issue.state,
            Issue.state_reason,
            Issue.outcome,
            Issue.created_at,
            Issue.updated_at,
            Issue.closed_at,
        )
        .where(Issue.repo_id.in_(ids), *_live_cards())  # type: ignore[attr-defined]
        .order_by(Issue.repo_id, Issue.number)
    ):
        rid, number, title, kind, phase, state, reason, outcome, created, updated, closed = row
        created = _aware(created) or _aware(updated) or now
        updated = _aware(updated) or created
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
                closed_at=_aware(closed),
                spans=spans,
            )
        )

    statuses = [
        StatusChange(names[rid], number, _aware(at) or now, status)
        for rid, number, at, status in session.execute(
            select(
                ModelStatus.repo_id,
                ModelStatus.issue_number,
                ModelStatus.created_at,
                ModelStatus.status,
            )
            .where(
                ModelStatus.repo_id.in_(ids),  # type: ignore[attr-defined]
                ModelStatus.status.is_not(None),  # type: ignore[union-attr]
            )
            .order_by(ModelStatus.created_at)  # type: ignore[arg-type]
        )
    ]
    signoffs = [
        SignOffFact(names[rid], gate, decision, _aware(at) or now)
        for rid, gate, decision, at in session.execute(
            select(SignOff.repo_id, SignOff.gate, SignOff.decision, SignOff.created_at)
            .where(SignOff.repo_id.in_(ids))  # type: ignore[attr-defined]
            .order_by(SignOff.created_at)  # type: ignore[arg-type]
        )
    ]
    if since is None:
        since = min((c.created_at.date() for c in cards), default=now.date())
    return ReportData(
        now=now,
        start=min(since, now.date()),
        repos=[
            RepoInfo(name, _aware(synced), _aware(first_recorded.get(rid)))
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


# --- series for the charts (pure) ------------------------------------------------------------


@dataclass(frozen=True)
class DailySeries:
    """Counts per day (index-aligned with `days`) for each key, in display order."""

    days: list[date]
    series: dict[str, list[int]]


@dataclass(frozen=True)
class WeeklySeries:
    """Values per week (weeks start on Monday) for each key, in display order."""

    weeks: list[date]
    series: dict[str, list[float]]

    def totals(self) -> list[float]:
        return [sum(col) for col in zip(*self.series.values(), strict=True)] if self.series else []


@dataclass(frozen=True)
class CycleTime:
    repo: str
    number: int
    title: str
    kind: str
    closed_at: datetime
    days: float


@dataclass(frozen=True)
class MonthOutcomes:
    month: date
    succeeded: int
    failed: int
    on_hold: int

    @property
    def rate(self) -> float | None:
        """succeeded / (succeeded + failed) in percent; on hold is not a result yet."""
        decided = self.succeeded + self.failed
        return 100.0 * self.succeeded / decided if decided else None


@dataclass(frozen=True)
class GateLeadTime:
    repo: str
    gate: str
    days: float
    approved: bool  # False: still waiting for an approval, `days` so far


@dataclass(frozen=True)
class OpenCardAge:
    repo: str
    number: int
    title: str
    phase: str
    kind: str
    age_days: float


def percentile(values: Iterable[float], q: float) -> float | None:
    """Nearest-rank percentile: `q`% of the values are at or below the answer."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _month(day: date) -> date:
    return day.replace(day=1)


class _DayCounter:
    """Difference arrays: add 1 per day over [from, to) for a key, then prefix-sum once."""

    def __init__(self, start: date, end: date, keys: Sequence[str]) -> None:
        self.start = start
        self.n = (end - start).days + 1
        self.diff: dict[str, list[int]] = {k: [0] * (self.n + 1) for k in keys}

    def add(self, key: str, first: date, stop: date | None) -> None:
        lo = max(0, (first - self.start).days)
        hi = self.n if stop is None else min(self.n, (stop - self.start).days)
        if lo < hi:
            row = self.diff[key]
            row[lo] += 1
            row[hi] -= 1

    def counts(self) -> dict[str, list[int]]:
        out = {}
        for key, row in self.diff.items():
            total, values = 0, []
            for step in row[: self.n]:
                total += step
                values.append(total)
            out[key] = values
        return out


def cumulative_flow(data: ReportData) -> DailySeries:
    """Cards per phase at the end of each day, and cards closed since the range began."""
    keys = [CLOSED, *reversed(PHASES)]
    counter = _DayCounter(data.start, data.end, keys)
    for card in data.cards:
        closed = card.closed_at.date() if card.is_closed and card.closed_at else None
        spans = card.spans
        for i, span in enumerate(spans):
            first = span.start.date()
            stop = spans[i + 1].start.date() if i + 1 < len(spans) else None
            if span.phase is None:
                continue
            if closed is None or span.phase == "monitoring":
                counter.add(span.phase, first, stop)
                continue
            counter.add(span.phase, first, closed if stop is None else min(stop, closed))
            if closed >= data.start:
                counter.add(CLOSED, max(first, closed), stop)
    return DailySeries(_days(data.start, data.end), counter.counts())


def cycle_times(data: ReportData) -> list[CycleTime]:
    """Created-to-closed days of each card done within the range, oldest close first."""
    out = [
        CycleTime(
            card.repo,
            card.number,
            card.title,
            card.kind,
            card.closed_at,
            max(0.0, (card.closed_at - card.created_at).total_seconds() / 86400),
        )
        for card in data.cards
        if card.done and card.closed_at and card.closed_at.date() >= data.start
    ]
    out.sort(key=lambda c: (c.closed_at, c.repo, c.number))
    return out


def rolling_median(values: Sequence[float], window: int = ROLLING_WINDOW) -> list[float]:
    """Median of each value and the `window - 1` before it (fewer at the start)."""
    return [statistics.median(values[max(0, i - window + 1) : i + 1]) for i in range(len(values))]


def _week_keys(data: ReportData) -> list[date]:
    first, last = _monday(data.start), _monday(data.end)
    return [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]


def throughput_by_week(data: ReportData) -> WeeklySeries:
    """Cards done per week, by work type."""
    weeks = _week_keys(data)
    index = {w: i for i, w in enumerate(weeks)}
    series: dict[str, list[float]] = {k: [0] * len(weeks) for k in KINDS}
    for card in data.cards:
        if card.done and card.closed_at and card.closed_at.date() >= data.start:
            i = index.get(_monday(card.closed_at.date()))
            if i is not None:
                series[card.kind][i] += 1
    return WeeklySeries(weeks, series)


def outcomes_by_month(data: ReportData) -> list[MonthOutcomes]:
    """Experiment results per month: by closing month, or when an open one's outcome appeared."""
    counts: dict[date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(EXPERIMENT_OUTCOMES, 0))
    for card in data.cards:
        if card.kind != "experiment" or card.outcome not in EXPERIMENT_OUTCOMES:
            continue
        when = card.closed_at if card.is_closed else (card.outcome_at or card.created_at)
        if when is None or when.date() < data.start:
            continue
        counts[_month(when.date())][card.outcome] += 1
    if not counts:
        return []
    months, month = [], _month(data.start)
    while month <= _month(data.end):  # every month, so a month without results shows as one
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    for month in counts:  # results dated outside the range (clock skew) are kept, not lost
        if month not in months:
            months.append(month)
    return [
        MonthOutcomes(m, counts[m]["succeeded"], counts[m]["failed"], counts[m]["on hold"])
        for m in sorted(months)
    ]


def active_days_by_week(data: ReportData) -> WeeklySeries:
    """Card-days per week and work type: a card counts each day it was open, both ends included.

    Days in monitoring are left out: a live model is watched, not worked on, and would swamp
    the share of the work that is being done. The days its Model card was worked on count.
    """
    weeks = _week_keys(data)
    counter = _DayCounter(data.start, data.end, KINDS)
    for card in data.cards:
        stop = (
            card.closed_at.date() + timedelta(days=1) if card.is_closed and card.closed_at else None
        )
        live = next((span.start for span in card.spans if span.phase == "monitoring"), None)
        if live is not None:
            stop = live.date() if stop is None else min(stop, live.date())
        elif card.phase == "monitoring":  # in monitoring, date unknown: no working days known
            continue
        counter.add(card.kind, card.created_at.date(), stop)
    daily = counter.counts()
    series: dict[str, list[float]] = {k: [0] * len(weeks) for k in KINDS}
    first = _monday(data.start)
    for kind, values in daily.items():
        row = series[kind]
        for offset, value in enumerate(values):
            if value:
                row[((data.start - first).days + offset) // 7] += value
    return WeeklySeries(weeks, series)


def shares(weekly: WeeklySeries) -> WeeklySeries:
    """Each key's percent of the week's total (0 for an empty week)."""
    totals = weekly.totals()
    return WeeklySeries(
        weekly.weeks,
        {
            k: [100.0 * v / t if t else 0.0 for v, t in zip(values, totals, strict=True)]
            for k, values in weekly.series.items()
        },
    )


def models_by_status(data: ReportData) -> DailySeries:
    """Models per status at the end of each day; open Model cards with no status yet apart."""
    keys = [*MODEL_STATUSES, NO_STATUS]
    counter = _DayCounter(data.start, data.end, keys)
    by_model: dict[tuple[str, int], list[StatusChange]] = defaultdict(list)
    for change in data.model_statuses:
        if change.status in MODEL_STATUSES:
            by_model[(change.repo, change.number)].append(change)
    for card in data.cards:
        if card.kind != "model":
            continue
        changes = by_model.get((card.repo, card.number), [])
        end = card.closed_at.date() if card.is_closed and card.closed_at else None
        if changes:
            end = changes[0].at.date() if end is None else min(end, changes[0].at.date())
        counter.add(NO_STATUS, card.created_at.date(), end)
    for changes in by_model.values():
        for i, change in enumerate(changes):
            stop = changes[i + 1].at.date() if i + 1 < len(changes) else None
            counter.add(change.status, change.at.date(), stop)
    return DailySeries(_days(data.start, data.end), counter.counts())


def signoff_lead_times(data: ReportData) -> list[GateLeadTime]:
    """Days from a phase's first card to its gate's first approval, per project and gate.

    Gates whose phase has cards but no approval yet are listed with approved=False and the
    days they have waited so far.
    """
    entered: dict[tuple[str, str], datetime] = {}
    for card in data.cards:
        for span in card.spans:
            if span.phase is None:
                continue
            key = (card.repo, span.phase)
            if key not in entered or span.start < entered[key]:
                entered[key] = span.start
    approved: dict[tuple[str, str], datetime] = {}
    for s in data.signoffs:
        if s.decision == "approved":
            approved.setdefault((s.repo, s.gate), s.at)
    out = []
    for (repo, gate), since in sorted(entered.items()):
        at = approved.get((repo, gate))
        if at is None:
            out.append(GateLeadTime(repo, gate, (data.now - since).total_seconds() / 86400, False))
        elif at.date() >= data.start:
            out.append(
                GateLeadTime(repo, gate, max(0.0, (at - since).total_seconds() / 86400), True)
            )
    order = {p: i for i, p in enumerate(PHASES)}
    out.sort(key=lambda g: (order.get(g.gate, 99), g.repo))
    return out


def open_card_ages(data: ReportData) -> list[OpenCardAge]:
    """Age of every card in progress now, by its current phase: days since it was opened, and
    for a live model days since it went live (its build was done then; it is not late)."""
    out = []
    for card in data.cards:
        if card.phase is None or not card.in_progress:
            continue
        since = card.created_at
        if card.phase == "monitoring":
            since = next((s.start for s in card.spans if s.phase == "monitoring"), since)
        age = max(0.0, (data.now - since).total_seconds() / 86400)
        out.append(OpenCardAge(card.repo, card.number, card.title, card.phase, card.kind, age))
    return out


# --- in-app summary ---------------------------------------------------------------------------


def weekly_throughput(
    session: Session, repo: str | None = None, weeks: int = 12, now: datetime | None = None
) -> list[int]:
    """Cards done per week over the last `weeks` weeks, oldest first, this week last.

    One indexed query; meant for a sparkline on the portfolio (all repos) or a project.
    """
    today = (_aware(now) or utcnow()).date()
    first = _monday(today) - timedelta(weeks=weeks - 1)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    query = select(Issue.closed_at).where(
        *_live_cards(),
        Issue.state == "closed",  # type: ignore[arg-type]
        Issue.closed_at >= start,  # type: ignore[operator]
        Issue.state_reason.is_distinct_from("not_planned"),  # type: ignore[union-attr]
    )
    if repo is not None:
        query = query.join(Repository, Repository.id == Issue.repo_id).where(  # type: ignore[arg-type]
            func.lower(Repository.full_name) == repo.lower()
        )
    counts = [0] * weeks
    for (closed,) in session.execute(query):
        i = (_monday((_aware(closed) or start).date()) - first).days // 7
        if 0 <= i < weeks:
            counts[i] += 1
    return counts
