"""Driving the app in tests: a fixed size, settling workers, and reading what a widget paints."""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Static

from dslp_tui.app import DslpApp
from dslp_tui.screens.board import BoardScreen
from store.db import Store

SIZE = (120, 40)


async def settle(pilot: Pilot[None]) -> None:
    """Let messages run and every worker (and the workers they start) finish."""
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def rendered(widget: Widget) -> str:
    """The text a widget paints right now inside its border, line by line."""
    width, height = widget.region.size
    top, right, bottom, left = widget.styles.border.spacing
    lines = widget.render_lines(Region(0, 0, width, height))[top : height - bottom]
    return "\n".join(line.crop(left, width - right).text.rstrip() for line in lines)


def static_text(widget: Static) -> str:
    visual = widget.render()
    return visual.plain if isinstance(visual, Text) else str(visual)


async def open_board(pilot: Pilot[None], row: int = 0) -> BoardScreen:
    await settle(pilot)
    for _ in range(row):
        await pilot.press("j")
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, BoardScreen)
    return screen


def app_for(store: Store, **kwargs: object) -> DslpApp:
    return DslpApp(store, cursor_blink=False, **kwargs)  # type: ignore[arg-type]
