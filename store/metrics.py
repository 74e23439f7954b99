"""The report's metrics as pure functions of `ReportData`: no session, no plotly.

Cumulative flow, cycle time, throughput, success rate, card-days, models by status, sign-off
lead time and open-card ages, each a plain series that tests can check number by number.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from store.report_data import ReportData, StatusChange
from store.rules import KINDS, MODEL_STATUSES, PHASES

CLOSED = "closed"
NO_STATUS = "no status"
EXPERIMENT_OUTCOMES = ("succeeded", "failed", "on hold")
ROLLING_WINDOW = 10  # closed cards in the rolling median of cycle time


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
