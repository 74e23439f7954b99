"""`s` in the app: the sync worker, its progress messages, errors, cancellation, no engine."""

from __future__ import annotations

import asyncio
import sys
import threading
import types
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from textual.widgets import ProgressBar, Static

from dslp_tui.app import DslpApp
from dslp_tui.screens.board import BoardScreen
from dslp_tui.screens.card import CardScreen
from dslp_tui.screens.outcome_dialog import OutcomeDialog
from dslp_tui.screens.sync import RepoProgress, SyncScreen
from store.db import Store
from store.mirror import ensure_repo
from store.models import OutboxEntry
from store.rules import make_marker
from sync.engine import sync_repos
from sync.events import Progress, RepoDone, SyncEvent, SyncReport, Waiting
from tests.app_helpers import SIZE, rendered, settle, static_text
from tests.fakegithub import FakeGitHub


def fake_engine(
    monkeypatch: pytest.MonkeyPatch,
    run: Callable[[Callable[[SyncEvent], None], Callable[[], bool]], SyncReport],
) -> list[dict[str, object]]:
    calls: list[dict[str, object]] = []

    def sync_repos(
        store: Store,
        repos: list[str] | None,
        *,
        token: str | None = None,
        on_event: Callable[[SyncEvent], None],
        cancelled: Callable[[], bool],
        sleep: Callable[[float], object],
    ) -> SyncReport:
        calls.append({"repos": repos, "token": token, "sleep": sleep})
        return run(on_event, cancelled)

    module = types.ModuleType("sync.engine")
    module.sync_repos = sync_repos  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sync.engine", module)
    return calls


async def test_sync_shows_progress_and_one_line_per_error(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def run(emit: Callable[[SyncEvent], None], cancelled: Callable[[], bool]) -> SyncReport:
        report = SyncReport(seconds=1.5)
        for done in range(0, 501, 10):  # a fast loop: replaceable messages, no flood
            emit(Progress("acme/churn-prediction", "issues", done, 500))
        emit(Waiting("acme/demand-forecast", 3, "rate limit\nsecond line"))
        ok = RepoDone("acme/churn-prediction", True, new=4, updated=2, pushed=3)
        bad = RepoDone("acme/demand-forecast", False, error="401 Bad credentials\ntraceback…")
        for event in (ok, bad):
            emit(event)
            report.repos.append(event)
        return report

    calls = fake_engine(monkeypatch, run)
    app = DslpApp(demo_store, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SyncScreen)
        # Waits (rate limits, back-offs) are on the cancel flag: escape ends them at once.
        assert calls == [{"repos": None, "token": None, "sleep": screen.cancel_flag.wait}]
        churn = screen.rows["acme/churn-prediction"]
        assert churn.query_one(ProgressBar).percentage == 1.0
        assert "4 new, 2 updated, 3 pushed" in rendered(churn.query_one(".repo-status"))
        errors = rendered(screen.query_one("#sync-errors")).strip().splitlines()
        assert errors == ["✘ acme/demand-forecast: 401 Bad credentials"]
        assert "1 ok, 1 failed" in rendered(screen.query_one("#sync-status"))
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, SyncScreen)


async def test_sync_is_cancellable_and_the_app_stays_responsive(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = threading.Event()

    def run(emit: Callable[[SyncEvent], None], cancelled: Callable[[], bool]) -> SyncReport:
        started.set()
        done = 0
        while not cancelled() and done < 10_000:
            emit(Progress("acme/churn-prediction", "issues", done, None))
            threading.Event().wait(0.01)
            done += 1
        event = RepoDone("acme/churn-prediction", False, error="cancelled")
        emit(event)
        return SyncReport(repos=[event])

    fake_engine(monkeypatch, run)
    app = DslpApp(demo_store, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        assert await asyncio.to_thread(started.wait, 10)
        await pilot.press("question_mark")  # the UI answers while the worker runs
        await pilot.pause()
        assert app.screen.id is None and type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        screen = app.screen
        assert isinstance(screen, SyncScreen) and screen.running
        await pilot.press("ctrl+c")
        await settle(pilot)
        assert not screen.running and screen.cancel_flag.is_set()
        assert "Cancelled" in rendered(screen.query_one("#sync-status"))
        assert isinstance(screen.rows["acme/churn-prediction"], RepoProgress)


async def test_sync_engine_crash_is_one_line_not_a_traceback(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def run(emit: Callable[[SyncEvent], None], cancelled: Callable[[], bool]) -> SyncReport:
        raise RuntimeError("disk full\nmore detail")

    fake_engine(monkeypatch, run)
    app = DslpApp(demo_store, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        status = rendered(app.screen.query_one("#sync-status")).strip()
        assert status == "sync failed: RuntimeError: disk full"
        assert app.is_running


# -- the real engine against the fake GitHub ---------------------------------------------


def track(store: Store, fake: FakeGitHub, repo: str) -> None:
    with store.session(write=True) as s:
        ensure_repo(s, repo, api_url=fake.base_url)


def fake_cards(fake: FakeGitHub, repo: str) -> dict[int, str]:
    """Number -> title of every issue (not PR) the fake serves."""
    with fake._lock:
        issues = fake._repo(repo).issues.values()
        return {it.number: it.title for it in issues if it.pull is None}


async def test_s_pulls_the_fake_github_into_the_portfolio_and_board(
    store: Store, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    repo = "acme/vision"
    fake.add_repo(repo)
    fake.bulk_generate(repo, 240, seed=7)
    expected = fake_cards(fake, repo)
    track(store, fake, repo)
    app = DslpApp(store, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "never" in rendered(app.screen.query_one("#portfolio")).lower()
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SyncScreen) and not screen.errors
        assert "1 ok, 0 failed" in rendered(screen.query_one("#sync-status"))
        await pilot.press("escape")  # back to the portfolio, which reloads
        await settle(pilot)
        portfolio = rendered(app.screen.query_one("#portfolio"))
        assert "acme/vision" in portfolio and "never" not in portfolio.lower()
        await pilot.press("enter")
        await settle(pilot)
        board = app.screen
        assert isinstance(board, BoardScreen) and board.board is not None
        shown = {c.number: c.title for c in board._cards.values()}
        assert shown == expected  # every issue, no PR, as GitHub titles it
        newest_ask = max(c.number for c in board.board.columns["ideation"] if c.state == "open")
        assert f"#{newest_ask}" in rendered(board.query_one("#list-ideation"))


async def test_outcome_logged_offline_in_the_app_reaches_github_once(
    store: Store, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    repo = "acme/churn"
    fake.add_repo(repo)
    fake.add_issue(repo, "Reduce churn", labels=["Ask"])  # 1
    fake.add_issue(repo, "GBM baseline", labels=["Experiment"])  # 2
    track(store, fake, repo)
    sync_repos(store, token="test-token", sleep=lambda _s: None)  # last week's sync
    app = DslpApp(store, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # the board
        await settle(pilot)
        await pilot.press("l", "l", "l")  # ideation -> experiment
        board = app.screen
        assert isinstance(board, BoardScreen) and board.selected_card().number == 2  # type: ignore[union-attr]
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("l")  # log outcome
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, OutcomeDialog)
        await pilot.click("#outcome-succeeded")
        await pilot.click("#tldr")
        await pilot.press(*"AUC 0.81")
        await pilot.press("ctrl+s")
        await settle(pilot)
        card = app.screen
        assert isinstance(card, CardScreen)
        assert "pending sync" in static_text(card.query_one("#card-header", Static))
        with store.session() as s:
            (entry,) = s.execute(select(OutboxEntry)).scalars()
            entry_id = entry.id
        marker = make_marker("outcome", entry_id)
        assert fake.count_comments(repo, 2, contains=marker) == 0  # offline until the sync
        for _ in range(2):  # a second sync must not post it again
            await pilot.press("s")
            await app.workers.wait_for_complete()
            await settle(pilot)
            assert isinstance(app.screen, SyncScreen) and not app.screen.errors
            await pilot.press("escape")
            await settle(pilot)
        assert fake.count_comments(repo, 2, contains=marker) == 1
        assert app.screen is card
        header = static_text(card.query_one("#card-header", Static))
        assert "succeeded" in header and "pending sync" not in header
    with store.session() as s:
        assert s.get(OutboxEntry, entry_id).state == "sent"  # type: ignore[union-attr]


async def test_sync_without_a_token_says_what_to_do_and_stops_the_bars(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no `gh` to ask either
    app = DslpApp(demo_store, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SyncScreen)
        status = rendered(screen.query_one("#sync-status")).strip()
        assert status.startswith("sync failed: no GitHub token: set GITHUB_TOKEN"), status
        assert "NoToken" not in status
        for row in screen.rows.values():
            assert row.query_one(ProgressBar).total == 1  # still, not an endless pulse
            assert static_text(row.query_one(".repo-resource", Static)) == "not synced"
