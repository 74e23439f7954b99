"""Snapshots of each screen at 120x40, on a demo seeded at a fixed instant with a fixed clock.

Records created "now" by the demo (its offline changes) are newer than the fixed clock and
read "just now", so nothing in the pictures depends on the day the tests run.
Update deliberately: `pytest --snapshot-update tests/test_app_snapshots.py`, then look.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot

from dslp_tui.app import DslpApp
from store.db import Store, open_store

FIXED_NOW = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
SIZE = (120, 40)


@pytest.fixture
def fixed_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    from dslp_tui import demo

    monkeypatch.setattr(demo, "NOW", FIXED_NOW)
    store = open_store(tmp_path / "snap.db")
    demo.seed_demo(store, clone_dir=tmp_path / "clone")
    yield store
    store.dispose()


def make_app(store: Store) -> DslpApp:
    return DslpApp(store, clock=lambda: FIXED_NOW, cursor_blink=False)


def steps(*keys: str):  # type: ignore[no-untyped-def]
    """Press keys one by one, letting each screen load before the next key."""

    async def run(pilot: Pilot[None]) -> None:
        for _ in range(2):
            await pilot.pause()
            await pilot.app.workers.wait_for_complete()
        for key in keys:
            await pilot.press(key)
            for _ in range(2):
                await pilot.pause()
                await pilot.app.workers.wait_for_complete()
        # Focus moved by a load restyles on a later refresh: let it land before the picture.
        for _ in range(3):
            await pilot.pause()
            await pilot.wait_for_scheduled_animations()
        await tables_measured(pilot)

    return run


async def tables_measured(pilot: Pilot[None]) -> None:
    """A DataTable sizes its columns to their cells when its queue next runs empty: on a busy
    machine that can come after the picture, which then shows header-wide columns. Wait until
    every column is as wide as its widest cell (each pause lets the app run; bounded)."""
    from textual.widgets import DataTable

    def width(cell: object) -> int:
        return int(getattr(cell, "cell_len", len(str(cell))))

    def measured(table: DataTable[object]) -> bool:
        if table._require_update_dimensions or table._updated_cells:
            return False
        for key, column in table.columns.items():
            cells = [table.get_cell(row, key) for row in table.rows]
            if column.content_width < max([width(column.label), *map(width, cells)]):
                return False
        return True

    for _ in range(200):
        if all(measured(t) for t in pilot.app.screen.query(DataTable)):
            break
        await pilot.pause()
    await pilot.pause()


def test_portfolio(snap_compare, fixed_store: Store) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(fixed_store), terminal_size=SIZE, run_before=steps())


def test_board(snap_compare, fixed_store: Store) -> None:  # type: ignore[no-untyped-def]
    run = steps("enter", "l", "l", "l")
    assert snap_compare(make_app(fixed_store), terminal_size=SIZE, run_before=run)


def test_board_with_preview_80x24(snap_compare, fixed_store: Store) -> None:  # type: ignore[no-untyped-def]
    run = steps("enter", "p", "l")
    assert snap_compare(make_app(fixed_store), terminal_size=(80, 24), run_before=run)


def test_card_detail_model(snap_compare, fixed_store: Store) -> None:  # type: ignore[no-untyped-def]
    run = steps("enter", "l", "l", "l", "l", "enter")
    assert snap_compare(make_app(fixed_store), terminal_size=SIZE, run_before=run)


def test_gate_panel(snap_compare, fixed_store: Store) -> None:  # type: ignore[no-untyped-def]
    run = steps("enter", "g", "j", "j", "j")
    assert snap_compare(make_app(fixed_store), terminal_size=SIZE, run_before=run)


def test_outcome_modal(snap_compare, fixed_store: Store) -> None:  # type: ignore[no-untyped-def]
    run = steps("enter", "l", "l", "l", "enter", "l", "ctrl+s")
    assert snap_compare(make_app(fixed_store), terminal_size=SIZE, run_before=run)


def test_signoff_modal(snap_compare, fixed_store: Store) -> None:  # type: ignore[no-untyped-def]
    run = steps("g", "enter")
    assert snap_compare(make_app(fixed_store), terminal_size=SIZE, run_before=run)


def test_models(snap_compare, fixed_store: Store) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(fixed_store), terminal_size=SIZE, run_before=steps("m"))


def test_help(snap_compare, fixed_store: Store) -> None:  # type: ignore[no-untyped-def]
    run = steps("enter", "question_mark")
    assert snap_compare(make_app(fixed_store), terminal_size=SIZE, run_before=run)


def test_outbox(snap_compare, fixed_store: Store) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(fixed_store), terminal_size=SIZE, run_before=steps("O"))


def test_model_status_modal(snap_compare, fixed_store: Store) -> None:  # type: ignore[no-untyped-def]
    run = steps("enter", "l", "l", "l", "l", "enter", "u")
    assert snap_compare(make_app(fixed_store), terminal_size=SIZE, run_before=run)


def test_outcome_modal_with_its_consequences(snap_compare, fixed_store: Store) -> None:  # type: ignore[no-untyped-def]
    """A failed outcome and a next step chosen: the form says what the save sets off."""

    async def run(pilot: Pilot[None]) -> None:
        await steps("enter", "l", "l", "l", "enter", "l")(pilot)
        from textual.widgets import RadioButton, Select

        pilot.app.screen.query_one("#outcome-failed", RadioButton).value = True
        pilot.app.screen.query_one("#next", Select).value = "new-experiment"
        for _ in range(3):
            await pilot.pause()
            await pilot.app.workers.wait_for_complete()

    assert snap_compare(make_app(fixed_store), terminal_size=SIZE, run_before=run)


def test_new_card_modal(snap_compare, fixed_store: Store) -> None:  # type: ignore[no-untyped-def]
    run = steps("enter", "l", "l", "l", "n")
    assert snap_compare(make_app(fixed_store), terminal_size=SIZE, run_before=run)
