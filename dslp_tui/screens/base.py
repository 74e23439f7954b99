"""What every dslp screen shares: typed access to the app and reload-on-return."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, cast

from textual import work
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import WorkerCancelled, WorkerFailed

if TYPE_CHECKING:
    from dslp_tui.app import DslpApp


class DslpScreen(Screen[None]):
    """A screen whose data comes from `load()`, re-run whenever the screen comes back on top.

    Reloading on resume is what makes a sign-off given in a modal, or a sync, show up on the
    screen beneath without any screen knowing about another.
    """

    BINDINGS = [Binding("escape", "back", "Back", id="back", tooltip="Go back one screen")]

    @property
    def dslp(self) -> DslpApp:
        return cast("DslpApp", self.app)

    async def load(self) -> None:
        """Read the screen's data (through `self.dslp.read`) and show it."""

    @work(exclusive=True, group="load")
    async def reload(self) -> None:
        await self.load()

    async def reload_now(self) -> None:
        """Reload after a write, replacing any reload already running (it may predate the write)."""
        worker = self.reload()
        with contextlib.suppress(WorkerCancelled, WorkerFailed):
            await worker.wait()

    def on_mount(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        if self.is_mounted and getattr(self, "_loaded_once", False):
            self.reload()
        self._loaded_once = True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":  # not on the first screen, even with help or a dialog above it
            stack = self.app.screen_stack
            return self in stack and stack.index(self) > 0
        return True

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def _blink(self, *widgets: Any) -> None:
        for widget in widgets:
            widget.cursor_blink = self.dslp.cursor_blink
