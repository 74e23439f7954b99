"""Start-up: the collector is off from `dslp`'s first import until the first screen painted."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from textual.widgets import DataTable

from dslp_tui import gc_pause
from dslp_tui.app import DslpApp
from store.db import Store
from tests.app_helpers import SIZE, settle


@pytest.fixture
def collector() -> Iterator[None]:
    """Whatever a test does to the collector is undone after it."""
    was_enabled = gc.isenabled()
    yield
    gc_pause.resume()
    gc.unfreeze()
    (gc.enable if was_enabled else gc.disable)()


def test_during_startup_turns_the_collector_off_then_back_on(collector: None) -> None:
    gc.enable()
    with gc_pause.during_startup():
        assert not gc.isenabled()
        assert gc_pause.paused()
    assert gc.isenabled()
    assert not gc_pause.paused()


def test_a_collector_turned_off_by_the_caller_stays_off(collector: None) -> None:
    gc.disable()
    with gc_pause.during_startup():
        assert not gc_pause.paused()
    assert not gc.isenabled()  # not ours to turn on


async def test_the_first_painted_screen_turns_the_collector_back_on(
    demo_store: Store, collector: None
) -> None:
    gc.enable()
    gc_pause.pause()
    app = DslpApp(demo_store, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#portfolio", DataTable)
        assert table.row_count == 3  # the portfolio, with the demo's projects
        assert gc.isenabled()
        assert not gc_pause.paused()
        assert gc.get_freeze_count() > 0  # start-up's survivors are out of later passes
