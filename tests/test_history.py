"""History recording at sync time and the series the report's charts are drawn from.

The mirror here is built by hand with known answers (see `known_mirror`), so every number a
chart shows can be checked without plotly.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from store.db import Store
from store.metrics import (
    CLOSED,
    NO_STATUS,
    active_days_by_week,
    cumulative_flow,
    cycle_times,
    models_by_status,
    open_card_ages,
    outcomes_by_month,
    percentile,
    rolling_median,
    shares,
    signoff_lead_times,
    throughput_by_week,
)
from store.mirror import ensure_repo, upsert_issues
from store.models import Issue, ModelStatus, PhaseEvent, SignOff
from store.outbox import record_model_status
from store.read.portfolio import weekly_throughput
from store.report_data import load_report_data
from store.rules import card_phase

NOW = datetime(2026, 3, 31, 12, tzinfo=UTC)


def d(month: int, day: int, year: int = 2026) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def add_issue(
    session: object,
    repo_id: int,
    number: int,
    kind: str | None,
    created: datetime,
    *,
    closed: datetime | None = None,
    outcome: str | None = None,
    phase: str | None = None,
    reason: str | None = None,
    pr: bool = False,
    updated: datetime | None = None,
) -> None:
    session.add(  # type: ignore[attr-defined]
        Issue(
            repo_id=repo_id,
            number=number,
            title=f"card {number}",
            state="closed" if closed else "open",
            state_reason=reason,
            created_at=created,
            closed_at=closed,
            updated_at=updated or closed or created,
            kind=kind,
            phase=phase or card_phase(kind, [], None),
            outcome=outcome,
            is_pull_request=pr,
            labels=[],
        )
    )


@pytest.fixture
def known_mirror(store: Store) -> Iterator[Store]:
    yield build_known_mirror(store)


def build_known_mirror(store: Store) -> Store:
    """o/a: 5 closed cards with known cycle times, 3 succeeded + 1 failed + 1 on hold
    experiment, a model that went to production; o/b: one open Ask and nothing closed."""
    with store.session(write=True) as s:
        a = ensure_repo(s, "o/a").id
        b = ensure_repo(s, "o/b").id
        assert a is not None and b is not None
        for n, closed in ((1, d(3, 5)), (2, d(3, 10)), (3, d(3, 20))):
            add_issue(s, a, n, "experiment", d(3, 1), closed=closed, outcome="succeeded")
        add_issue(s, a, 4, "experiment", d(3, 1), closed=d(3, 25), outcome="failed")
        add_issue(s, a, 5, "experiment", d(3, 1), outcome="on hold", updated=d(3, 15))
        add_issue(s, a, 6, "experiment", d(1, 1))
        add_issue(s, a, 7, "ask", d(1, 1))
        add_issue(s, a, 8, "data", d(2, 1), closed=d(2, 11), reason="completed")
        add_issue(s, a, 9, "data", d(2, 10), closed=d(2, 20), reason="not_planned")
        add_issue(s, a, 10, None, d(2, 1), pr=True)
        add_issue(s, a, 11, "model", d(2, 15), phase="monitoring", updated=d(3, 20))
        add_issue(s, a, 12, "explore", d(3, 30))
        add_issue(s, b, 1, "ask", d(3, 1))
        s.add(PhaseEvent(repo_id=a, issue_number=11, at=d(2, 15), phase="model", state="open"))
        s.add(PhaseEvent(repo_id=a, issue_number=11, at=d(3, 20), phase="monitoring", state="open"))
        s.add(
            ModelStatus(id="m1", repo_id=a, issue_number=11, status="candidate", created_at=d(3, 1))
        )
        s.add(
            ModelStatus(
                id="m2", repo_id=a, issue_number=11, status="production", created_at=d(3, 20)
            )
        )
        s.add(
            SignOff(
                id="s1",
                repo_id=a,
                gate="experiment",
                stakeholder="Dana",
                decision="changes-requested",
                created_at=d(3, 2),
            )
        )
        s.add(
            SignOff(
                id="s2",
                repo_id=a,
                gate="experiment",
                stakeholder="Dana",
                decision="approved",
                created_at=d(3, 11),
            )
        )
    return store


def data_of(store: Store, repos: list[str] | None = None, since: date | None = None):  # type: ignore[no-untyped-def]
    with store.session() as s:
        return load_report_data(s, repos, since, NOW)


# --- recording -----------------------------------------------------------------------------


def _item(
    number: int, labels: list[str], updated: str = "2026-01-03T00:00:00Z", **extra: object
) -> dict[str, object]:
    return {
        "id": 5000 + number,
        "number": number,
        "title": f"Issue {number}",
        "labels": [{"name": n} for n in labels],
        "state": "open",
        "created_at": "2026-01-02T00:00:00Z",
        "updated_at": updated,
        **extra,
    }


def _events(store: Store) -> list[tuple[int, datetime, str | None, str, str | None, str]]:
    with store.session() as s:
        return [
            (e.issue_number, e.at, e.phase, e.state, e.outcome, e.source)
            for e in s.execute(select(PhaseEvent).order_by(PhaseEvent.id)).scalars()  # type: ignore[arg-type]
        ]


def test_sync_records_new_cards_once_and_only_real_changes(store: Store) -> None:
    page = [_item(1, ["Ask"]), _item(2, ["Experiment"]), _item(3, [], pull_request={})]
    with store.session(write=True) as s:
        repo = ensure_repo(s, "o/r")
        assert repo.id is not None
        upsert_issues(s, repo.id, page)
    assert _events(store) == [
        (1, d(1, 2), "ideation", "open", None, "sync"),
        (2, d(1, 2), "experiment", "open", None, "sync"),
    ]  # the PR is not a card; new cards are dated at their GitHub creation
    with store.session(write=True) as s:
        upsert_issues(s, repo.id, page)  # unchanged page: nothing new
        upsert_issues(s, repo.id, [_item(1, ["Ask"], title="renamed")])  # title only: nothing
    assert len(_events(store)) == 2
    moved = _item(2, ["Experiment", "succeeded"], "2026-02-01T00:00:00Z", state="closed")
    with store.session(write=True) as s:
        upsert_issues(s, repo.id, [moved])
    assert _events(store)[-1] == (2, d(2, 1), "experiment", "closed", "succeeded", "sync")
    assert len(_events(store)) == 3


def test_a_local_model_status_change_is_recorded_at_its_own_time(store: Store) -> None:
    with store.session(write=True) as s:
        repo = ensure_repo(s, "o/r")
        assert repo.id is not None
        upsert_issues(s, repo.id, [_item(4, ["Model"])])
        record_model_status(s, repo, 4, status="production")
    last = _events(store)[-1]
    assert last[0] == 4 and last[2] == "monitoring" and last[5] == "model_status"
    with store.session() as s:
        stamp = s.execute(select(ModelStatus.created_at)).scalar_one()
    assert last[1] == stamp
    with store.session(write=True) as s:
        record_model_status(s, repo, 4, health="healthy")  # phase unchanged: no event
    assert len(_events(store)) == 2


def test_a_health_row_pulled_with_the_status_does_not_date_the_move(store: Store) -> None:
    """Production on 9-25 and "drifting" on 11-20 arrive in one page of comments: the model
    went to monitoring on 9-25."""
    from store.mirror import refresh_model_phase

    with store.session(write=True) as s:
        repo = ensure_repo(s, "o/r")
        assert repo.id is not None
        upsert_issues(s, repo.id, [_item(4, ["Model"])])
        s.add(
            ModelStatus(
                id="p", repo_id=repo.id, issue_number=4, status="production", created_at=d(9, 25)
            )
        )
        s.add(
            ModelStatus(
                id="h", repo_id=repo.id, issue_number=4, health="drifting", created_at=d(11, 20)
            )
        )
        s.flush()
        refresh_model_phase(s, repo.id, 4)
    last = _events(store)[-1]
    assert last[2] == "monitoring"
    assert last[1].replace(tzinfo=UTC) == d(9, 25)


def test_an_outcome_seen_at_the_first_sync_dates_from_that_sighting(store: Store) -> None:
    with store.session(write=True) as s:
        repo = ensure_repo(s, "o/r")
        assert repo.id is not None
        add_issue(s, repo.id, 1, "experiment", d(1, 5), outcome="succeeded", updated=d(3, 10))
        s.add(
            PhaseEvent(
                repo_id=repo.id,
                issue_number=1,
                at=d(3, 10),
                phase="experiment",
                state="open",
                outcome="succeeded",
            )
        )
    months = outcomes_by_month(data_of(store))
    assert [(m.month, m.succeeded) for m in months if m.succeeded] == [(date(2026, 3, 1), 1)]


# --- series ----------------------------------------------------------------------------------


def test_cycle_times_percentile_and_rolling_median(known_mirror: Store) -> None:
    times = cycle_times(data_of(known_mirror))
    assert [(t.number, t.days) for t in times] == [(8, 10), (1, 4), (2, 9), (3, 19), (4, 24)]
    assert percentile([t.days for t in times], 85) == 24  # nearest rank: ceil(0.85 * 5) = 5th
    assert percentile(range(1, 21), 85) == 17
    assert percentile([], 85) is None
    assert rolling_median([t.days for t in times]) == [10, 7, 9, 9.5, 10]
    assert rolling_median([1, 2, 3, 4], window=2) == [1, 1.5, 2.5, 3.5]


def test_throughput_by_week_leaves_out_not_planned(known_mirror: Store) -> None:
    weekly = throughput_by_week(data_of(known_mirror))
    assert weekly.weeks[0] == date(2025, 12, 29) and weekly.weeks[-1] == date(2026, 3, 30)
    got = {
        (w.isoformat(), k): v
        for k, row in weekly.series.items()
        for w, v in zip(weekly.weeks, row, strict=True)
        if v
    }
    assert got == {
        ("2026-02-09", "data"): 1,
        ("2026-03-02", "experiment"): 1,
        ("2026-03-09", "experiment"): 1,
        ("2026-03-16", "experiment"): 1,
        ("2026-03-23", "experiment"): 1,
    }


def test_success_rate_three_succeeded_one_failed_is_75_percent(known_mirror: Store) -> None:
    months = outcomes_by_month(data_of(known_mirror))
    assert [(m.month, m.succeeded, m.failed, m.on_hold) for m in months] == [
        (date(2026, 1, 1), 0, 0, 0),  # every month of the range, with results or not
        (date(2026, 2, 1), 0, 0, 0),
        (date(2026, 3, 1), 3, 1, 1),
    ]
    assert [m.rate for m in months] == [None, None, 75.0]


def test_cumulative_flow_follows_recorded_phase_changes(known_mirror: Store) -> None:
    flow = cumulative_flow(data_of(known_mirror))
    assert flow.days[0] == date(2026, 1, 1) and flow.days[-1] == date(2026, 3, 31)
    at = {day: i for i, day in enumerate(flow.days)}

    def on(day: date) -> dict[str, int]:
        return {k: v[at[day]] for k, v in flow.series.items() if v[at[day]]}

    assert on(date(2026, 3, 31)) == {
        CLOSED: 6, "monitoring": 1, "experiment": 2, "explore": 1, "ideation": 2
    }  # fmt: skip
    assert on(date(2026, 3, 19))["model"] == 1 and "monitoring" not in on(date(2026, 3, 19))
    assert on(date(2026, 3, 20))["monitoring"] == 1 and "model" not in on(date(2026, 3, 20))
    assert on(date(2026, 2, 11)) == {CLOSED: 1, "data": 1, "experiment": 1, "ideation": 1}


def test_time_by_work_type_shares_of_card_days(known_mirror: Store) -> None:
    data = data_of(known_mirror, ["o/a"], since=date(2026, 3, 30))
    days = active_days_by_week(data)
    assert days.weeks == [date(2026, 3, 30)]
    assert {k: v[0] for k, v in days.series.items() if v[0]} == {
        "experiment": 4,
        "ask": 2,
        "explore": 2,
    }  # fmt: skip  (the monitoring model is watched, not worked on)
    assert {k: v[0] for k, v in shares(days).series.items() if v[0]} == {
        "experiment": 50.0, "ask": 25.0, "explore": 25.0
    }  # fmt: skip


def test_a_live_models_working_days_count_until_it_went_live(known_mirror: Store) -> None:
    """Model #11 was worked on from 2-15 and went to monitoring on 3-20."""
    days = active_days_by_week(data_of(known_mirror, ["o/a"], since=date(2026, 3, 16)))
    assert days.weeks == [date(2026, 3, 16), date(2026, 3, 23), date(2026, 3, 30)]
    assert days.series["model"] == [4, 0, 0]  # 3-16 .. 3-19, then watched, not worked on


def test_models_by_status_and_signoff_lead_times(known_mirror: Store) -> None:
    data = data_of(known_mirror)
    status = models_by_status(data)
    at = {day: i for i, day in enumerate(status.days)}
    assert status.series[NO_STATUS][at[date(2026, 2, 20)]] == 1
    assert status.series["candidate"][at[date(2026, 3, 10)]] == 1
    assert status.series[NO_STATUS][at[date(2026, 3, 10)]] == 0
    assert status.series["production"][at[date(2026, 3, 31)]] == 1
    assert status.series["candidate"][at[date(2026, 3, 31)]] == 0
    leads = {(g.repo, g.gate): (round(g.days, 2), g.approved) for g in signoff_lead_times(data)}
    assert leads[("o/a", "experiment")] == (
        69.0,
        True,
    )  # first experiment card 01-01, approved 03-11
    assert leads[("o/a", "data")] == (58.5, False)  # waiting since 02-01
    assert leads[("o/b", "ideation")] == (30.5, False)


def test_open_card_ages_include_live_models(known_mirror: Store) -> None:
    ages = {
        (a.repo, a.number): (a.phase, a.age_days) for a in open_card_ages(data_of(known_mirror))
    }
    assert ages == {
        ("o/a", 5): ("experiment", 30.5),
        ("o/a", 6): ("experiment", 89.5),
        ("o/a", 7): ("ideation", 89.5),
        ("o/a", 11): ("monitoring", 11.5),  # live since 3-20, not open since 2-15
        ("o/a", 12): ("explore", 1.5),
        ("o/b", 1): ("ideation", 30.5),
    }


def test_single_project_and_since_filter(known_mirror: Store) -> None:
    data = data_of(known_mirror, ["o/b"])
    assert [r.name for r in data.repos] == ["o/b"] and len(data.cards) == 1
    assert cycle_times(data) == [] and outcomes_by_month(data) == []
    assert not any(throughput_by_week(data).totals())
    later = data_of(known_mirror, since=date(2026, 3, 12))
    assert [t.number for t in cycle_times(later)] == [3, 4]


def test_empty_mirror_gives_empty_series(store: Store) -> None:
    data = data_of(store)
    assert data.cards == [] and data.repos == [] and data.start == NOW.date()
    flow = cumulative_flow(data)
    assert flow.days == [NOW.date()] and not any(sum(v) for v in flow.series.values())
    assert cycle_times(data) == [] and open_card_ages(data) == []
    assert signoff_lead_times(data) == [] and outcomes_by_month(data) == []
    with store.session() as s:
        assert weekly_throughput(s, weeks=4, now=NOW) == [0, 0, 0, 0]


def test_weekly_throughput_for_the_app_sparkline(known_mirror: Store) -> None:
    with known_mirror.session() as s:
        assert weekly_throughput(s, weeks=5, now=NOW) == [1, 1, 1, 1, 0]
        assert weekly_throughput(s, "o/a", weeks=8, now=NOW) == [
            1, 0, 0, 1, 1, 1, 1, 0
        ]  # fmt: skip
        assert weekly_throughput(s, "O/B", weeks=3, now=NOW) == [0, 0, 0]


def test_the_report_ends_where_the_mirror_knows_its_data(store: Store) -> None:
    """Synced on 3-1, reported on 3-31: an open card's age and the range stop at 3-1."""
    with store.session(write=True) as s:
        repo = ensure_repo(s, "o/a", last_synced_at=d(3, 1))
        assert repo.id is not None
        add_issue(s, repo.id, 1, "ask", d(2, 1))
    data = data_of(store)
    assert data.end == date(2026, 3, 1)
    assert [round(c.age_days) for c in open_card_ages(data)] == [28]
    with store.session(write=True) as s:  # a sign-off logged here later moves the end to it
        s.add(
            SignOff(
                id="late",
                repo_id=repo.id,
                gate="ideation",
                stakeholder="Dana",
                decision="approved",
                created_at=d(3, 10),
            )
        )
    assert data_of(store).end == date(2026, 3, 10)


def test_a_mirror_never_synced_is_reported_to_now(store: Store) -> None:
    with store.session(write=True) as s:
        repo = ensure_repo(s, "o/a")
        assert repo.id is not None
        add_issue(s, repo.id, 1, "ask", d(2, 1))
    assert data_of(store).end == NOW.date()
