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
