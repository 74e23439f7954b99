"""The app at 80x24, 120x40 and 200x60 (issue 15): every phase named in full, whole columns.

Snapshots of the portfolio, the demo board, the 5,000-card board's first screen and a model
card at each size; Pilot tests that read the screen's own text (the compositor's) and check
that every phase title is on it, that the focused column is never cut, and that titles wrap
between words. Update deliberately: `pytest --snapshot-update tests/test_app_sizes.py`, look.
"""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from textual.app import App

from bench.generate import BIG_REPO, make_mirror
from dslp_tui.app import DslpApp
from dslp_tui.screens.board import MIN_WIDTH, BoardScreen
from dslp_tui.widgets.column_window import column_window
from dslp_tui.widgets.phase_column import PhaseColumn
from dslp_tui.widgets.phase_strip import PhaseStrip, Segment, strip_cells
from store.db import Store, open_store
from store.rules import PHASE_TITLES
from tests.app_helpers import app_for, open_board, rendered, settle
from tests.test_app_snapshots import FIXED_NOW, make_app, steps

SIZES = [(80, 24), (120, 40), (200, 60)]
SIZE_IDS = [f"{w}x{h}" for w, h in SIZES]
NAMES = [*PHASE_TITLES.values(), "Unclassified"]


@pytest.fixture
def fixed_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    from dslp_tui import demo

    monkeypatch.setattr(demo, "NOW", FIXED_NOW)
    store = open_store(tmp_path / "snap.db")
    demo.seed_demo(store, clone_dir=tmp_path / "clone")
    yield store
    store.dispose()


@pytest.fixture(scope="module")
def big_mirror(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The benchmark's 5,000-card project alone (bench/generate.py, seed 0), made once."""
    path = tmp_path_factory.mktemp("big") / "big.db"
    make_mirror(path, issues=6_025, projects=1, seed=0)  # bench_app.py's first project
    return path


@pytest.fixture
def big_store(big_mirror: Path, tmp_path: Path) -> Iterator[Store]:
    path = tmp_path / "big.db"
    shutil.copy(big_mirror, path)
    store = open_store(path)
    yield store
    store.dispose()


def screen_text(app: App[None]) -> list[str]:
    """The screen as the terminal shows it, one string per line (the compositor's output)."""
    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), record=True, color_system=None
    )
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text().splitlines()


def strip_lines(app: App[None]) -> list[str]:
    strip = app.screen.query_one(PhaseStrip)
    top, height = strip.region.y, strip.region.height
    assert height >= 1
    return screen_text(app)[top : top + height]


def assert_every_phase_named(app: App[None]) -> None:
    lines = strip_lines(app)
    text = "\n".join(lines)
    for name in NAMES:
        assert re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text), (name, lines)
    assert "…" not in text, lines


def assert_focused_column_whole(board: BoardScreen) -> None:
    focused = board.focused
    assert isinstance(focused, PhaseColumn), focused
    area = board.query_one("#columns").region
    assert area.contains_region(focused.region), (area, focused.region)
    for column in board.query(PhaseColumn):  # no column on screen is cut at the edge either
        if column.display:
            assert area.contains_region(column.region), (column.phase, area, column.region)
            assert column.region.width >= min(MIN_WIDTH, area.width)


# -- snapshots -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_portfolio_at(snap_compare, fixed_store: Store, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(fixed_store), terminal_size=size, run_before=steps())


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_demo_board_at(snap_compare, fixed_store: Store, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    run = steps("enter", "l", "l", "l")  # on Experiment, the column the issue was about
    assert snap_compare(make_app(fixed_store), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_big_board_at(snap_compare, big_store: Store, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    app = DslpApp(big_store, clock=lambda: FIXED_NOW, cursor_blink=False, start_repo=BIG_REPO)
    assert snap_compare(app, terminal_size=size, run_before=steps())


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_model_card_at(snap_compare, fixed_store: Store, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    run = steps("enter", "l", "l", "l", "l", "enter")
    assert snap_compare(make_app(fixed_store), terminal_size=size, run_before=run)


# -- what the screen says ---------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_every_phase_is_named_in_full_on_every_column(
    demo_store: Store, size: tuple[int, int]
) -> None:
    """h/l round every column of each demo project: all names on screen, the focus whole."""
    app = app_for(demo_store)
    async with app.run_test(size=size) as pilot:
        for row in range(3):  # the portfolio keeps its row: one down for each next project
            board = await open_board(pilot, row=1 if row else 0)
            assert (
                board.repo
                == ("acme/churn-prediction", "acme/demand-forecast", "acme/fraud-signals")[row]
            )
            assert_every_phase_named(app)
            columns = [c for c in board.query(PhaseColumn) if c.cards]
            for key in ["l"] * len(columns) + ["h"] * len(columns):
                assert_focused_column_whole(board)
                await pilot.press(key)
                await settle(pilot)
            assert_every_phase_named(app)
            assert_focused_column_whole(board)
            await pilot.press("escape")
            await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_every_phase_is_named_in_full_on_the_5000_card_board(
    big_store: Store, size: tuple[int, int]
) -> None:
    app = app_for(big_store, start_repo=BIG_REPO)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        board = app.screen
        assert isinstance(board, BoardScreen)
        for key in ["l"] * 8 + ["p"] + ["h"] * 8:  # the preview takes its share on the way
            assert_every_phase_named(app)
            assert_focused_column_whole(board)
            await pilot.press(key)
            await settle(pilot)
        shown = [c for c in board.query(PhaseColumn) if c.display]
        title = "\n".join(screen_text(app)[:1])
        if len(shown) < 8:  # the others are named in the strip, and the title says how to go
            assert "off screen (h/l)" in title


async def test_an_empty_phase_takes_no_column_but_keeps_its_name(demo_store: Store) -> None:
    app = app_for(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        board = await open_board(pilot)  # acme/churn-prediction: no Deploy, no Monitoring
        for phase in ("deploy", "monitoring"):
            assert not board.query_one(f"#list-{phase}", PhaseColumn).display
        strip = "\n".join(strip_lines(app))
        assert "Deploy 0" in strip and "Monitoring 0" in strip
        assert "Experiment 4 ⚠" in strip and "Ideation 1 ✔" in strip
        await pilot.press("slash", *"nosuchcard")
        await settle(pilot)
        assert "No card matches the filter" in "\n".join(screen_text(app))
        assert "0/4 ⚠" in "\n".join(strip_lines(app))  # two lines now: the counts grew


async def test_titles_wrap_between_words_and_a_long_word_ends_in_an_ellipsis(
    store: Store,
) -> None:
    from dslp_tui.demo import _issue
    from store.mirror import ensure_repo, upsert_issues

    word = "supercalifragilistic-expialidocious-features"
    with store.session(write=True) as s:
        repo = ensure_repo(s, "acme/words")
        assert repo.id is not None
        items = [
            _issue("acme/words", 1, "Survival model for time-to-churn", ["Experiment"]),
            _issue("acme/words", 2, f"Try {word} again", ["Experiment"]),
        ]  # and a card in each column before it: four columns of 20 at 80x24
        items += [
            _issue("acme/words", 3 + i, "x", [k]) for i, k in enumerate(["Ask", "Data", "Explore"])
        ]
        upsert_issues(s, repo.id, items)
    app = app_for(store)
    async with app.run_test(size=(80, 24)) as pilot:
        board = await open_board(pilot)
        lines = [line.strip() for line in rendered(board.query_one("#list-experiment")).split("\n")]
        assert "time-to-churn" in lines  # whole, on a line of its own at this width
        assert not any(line.endswith("time-to-chur") for line in lines)
        cut = [line for line in lines if line.startswith("supercali")]
        assert len(cut) == 1 and cut[0].endswith("…"), lines  # cut once, never folded
        assert "again" in lines


# -- the layout rules ----------------------------------------------------------------------


def test_the_window_holds_the_focus_and_moves_as_little_as_it_can() -> None:
    needs = [19, 19, 19, 21, 19, 19, 20, 22]
    assert column_window(needs, 200, 5, 0, 60) == (0, [25, 25, 25, 25, 25, 25, 25, 25])
    first, widths = column_window(needs, 80, 0, 0, 60)
    assert (first, widths) == (0, [20, 20, 19, 21])  # whole columns, the width all used
    assert column_window(needs, 80, 4, 0, 60)[0] == 1  # one step right: the window slides one
    assert column_window(needs, 80, 2, 1, 60)[0] == 1  # back inside it: it stays
    assert column_window(needs, 80, 7, 0, 60) == (4, [19, 19, 20, 22])  # from the end, leftwards
    assert column_window([19, 19], 300, 0, 0, 60) == (0, [60, 60])  # no screen-wide columns
    assert column_window([40], 30, 0, 0, 60) == (0, [30])
    assert column_window([], 80, 0, 0, 60) == (0, [])


def test_the_strip_takes_the_widest_shape_that_fits() -> None:
    from rich.text import Text

    def seg(key: str, count: str) -> Segment:
        return Segment(key, key.title(), count, Text("✔"))

    segments = [seg(p, "2292/2300") for p in PHASE_TITLES] + [seg("unclassified", "261")]
    for width in (200, 120, 80, 60, 40):
        cells = strip_cells(segments, width)
        assert max(c.x + c.width for c in cells) <= width
        assert {c.key for c in cells} == {s.key for s in segments}
        for s in segments:  # each name whole in one of its cells
            assert any(c.key == s.key and s.name in c.text.plain for c in cells)
    assert {c.line for c in strip_cells(segments, 200)} == {0}
    assert {c.line for c in strip_cells(segments, 120)} == {0, 1}
    assert "2292/2300 ✔" in [c.text.plain for c in strip_cells(segments, 120)]
    assert "2292✔" in [c.text.plain for c in strip_cells(segments, 80)]  # the count shortened


async def test_a_click_on_a_phase_in_the_strip_brings_its_column(demo_store: Store) -> None:
    app = app_for(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        board = await open_board(pilot)
        model = board.query_one("#list-model", PhaseColumn)
        assert not model.display  # Ideation..Experiment fill 80 columns
        strip = board.query_one(PhaseStrip)
        cell = next(c for c in strip.cells(strip.content_region.width) if c.key == "model")
        await pilot.click(PhaseStrip, offset=(cell.x + 1, cell.line))
        await settle(pilot)
        assert board.focused is model and model.display
        assert_focused_column_whole(board)
        deploy = next(c for c in strip.cells(strip.content_region.width) if c.key == "deploy")
        await pilot.click(PhaseStrip, offset=(deploy.x + 1, deploy.line))  # empty: nothing
        await settle(pilot)
        assert board.focused is model
