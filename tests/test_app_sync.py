"""`s` in the app: the sync worker, its progress messages, errors, cancellation, no engine."""

from __future__ import annotations

import asyncio
import sys
import threading
import types
from collections.abc import Callable

import pytest
from textual.widgets import ProgressBar

from dslp_tui.app import DslpApp
from dslp_tui.screens.sync import RepoProgress, SyncScreen
from store.db import Store
from sync.events import Progress, RepoDone, SyncEvent, SyncReport, Waiting
from tests.test_app_flows import SIZE, rendered, settle


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
    ) -> SyncReport:
        calls.append({"repos": repos, "token": token})
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
        assert calls == [{"repos": None, "token": None}]
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


async def test_sync_without_an_engine_says_so_in_one_line(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "sync.engine", None)  # import fails
    app = DslpApp(demo_store, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any(m.startswith("sync is not available yet") for m in messages), messages
        assert all("\n" not in m for m in messages)


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
