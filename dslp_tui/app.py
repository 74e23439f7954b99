"""The Textual app: portfolio -> phase board -> card detail, gates, models, sync.

The app object owns what every screen shares: the store (read and written in short sessions
on a worker thread, so the UI never waits on SQLite), the config, the clock (injectable, so
"3 days ago" is stable in snapshot tests), and the actions reachable from anywhere.
"""

from __future__ import annotations

import asyncio
import os
import webbrowser
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.theme import BUILTIN_THEMES

from dslp_tui import gc_pause
from dslp_tui.config import DEFAULT_THEME, Config, load_config
from dslp_tui.screens.palette import DslpCommands
from dslp_tui.serve_env import READ_ONLY_ENV, SERVED_ENV
from store.db import Store

T = TypeVar("T")
GC_PAUSE_LIMIT = 5.0  # seconds: the collector is back by then, painted or not


class DslpApp(App[None]):
    """dslp: the DSLP portfolio of a team, read from the local mirror."""

    TITLE = "dslp"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {DslpCommands}
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit", tooltip="Leave dslp"),
        Binding("question_mark", "help", "Help", id="help", tooltip="List the keys of this screen"),
        Binding("s", "sync", "Sync", id="sync", tooltip="Push the outbox and pull from GitHub"),
        Binding("m", "models", "Models", id="models", tooltip="Models in deploy and monitoring"),
        Binding("O", "outbox", "Outbox", id="outbox", tooltip="Changes waiting for GitHub"),
        Binding("r", "report", "Report", id="report", show=False, tooltip="Write the team report"),
    ]

    def __init__(
        self,
        store: Store,
        *,
        config: Config | None = None,
        config_file: Path | None = None,
        clock: Callable[[], datetime] | None = None,
        cursor_blink: bool = True,
        start_repo: str | None = None,
        read_only: bool | None = None,
        served: bool | None = None,
        **kwargs: Any,
    ) -> None:
        """`start_repo` opens that project's board at start instead of the portfolio.

        `read_only` (default: `DSLP_READ_ONLY=1` in the environment) refuses every outbox
        change (see `refuse_write`); `served` (default: `DSLP_SERVED=1`) marks a session of
        `dslp serve`, which never syncs. `dslp serve` sets both for its sessions.
        """
        self.store = store
        self.read_only = os.environ.get(READ_ONLY_ENV) == "1" if read_only is None else read_only
        self.served = os.environ.get(SERVED_ENV) == "1" if served is None else served
        self.start_repo = start_repo
        self._prefetch: dict[str, Future[Any]] = {}
        self._start_prefetch()  # first: the query overlaps all of Textual's start-up
        super().__init__(**kwargs)
        self._config_file = config_file
        self.config, self.config_error = (config, None) if config else load_config(config_file)
        self._clock = clock
        self.cursor_blink = cursor_blink

    # -- shared services -------------------------------------------------------------------

    def now(self) -> datetime:
        return self._clock() if self._clock else datetime.now(UTC)

    def _in_session(self, fn: Callable[[Any], T], write: bool) -> T:
        with self.store.session(write=write) as session:
            return fn(session)

    async def read(self, fn: Callable[[Any], T]) -> T:
        """Run a query function in a short session on a thread; the UI keeps painting."""
        return await asyncio.to_thread(self._in_session, fn, False)

    async def read_first(self, key: str, fn: Callable[[Any], T]) -> T:
        """`read(fn)`, served by the start-up prefetch of the first screen when it is `key`."""
        prefetched = self._prefetch.pop(key, None)
        if prefetched is not None:
            try:
                return cast(T, await asyncio.wrap_future(prefetched))
            except Exception:
                pass
        return await self.read(fn)

    def _start_prefetch(self) -> None:
        """Start the first screen's query at once, while Textual starts the terminal.

        Called first thing in `__init__`: the query runs on a thread during the App's own set-up,
        the driver start, CSS and compose, instead of after them: on a large mirror that is
        most of what the first paint waits for.
        """
        from concurrent.futures import ThreadPoolExecutor

        fn: Callable[[Any], Any]
        if self.start_repo:
            from store.read.board import board

            repo = self.start_repo
            key, fn = f"board:{repo}", (lambda s: board(s, repo))
        else:
            from store.read.portfolio import project_summaries

            key, fn = "portfolio", project_summaries
        pool = ThreadPoolExecutor(1, thread_name_prefix="dslp-prefetch")
        self._prefetch[key] = pool.submit(self._in_session, fn, False)
        pool.shutdown(wait=False)  # the thread ends with its one query

    def refuse_write(self, what: str, *, instead: str | None = None) -> bool:
        """True, after a one-line notice, when this session may not record `what` ("a
        sign-off"): call it first in every form or key that makes an outbox entry, and return
        if it says True. `instead` says what to do ("comment ... on GitHub instead")."""
        if not self.read_only:
            return False
        advice = instead or "run dslp on your own machine to make changes"
        self.notify(
            f"Read-only session (dslp serve): {what} cannot be recorded here; {advice}.",
            title="Read-only",
            severity="warning",
            markup=False,
        )
        return True

    async def write(self, fn: Callable[[Any], T]) -> T | None:
        """Run an outbox change in one write transaction; a refused change becomes a notice.

        A read-only session refuses here too, whatever screen asked (see `refuse_write`)."""
        from store.outbox import InvalidChange

        if self.refuse_write("a change"):
            return None
        try:
            return await asyncio.to_thread(self._in_session, fn, True)
        except InvalidChange as exc:
            self.notify(str(exc), severity="error", markup=False)
            return None

    def open_url(self, url: str | None, *, new_tab: bool = True) -> None:
        if not url:
            self.notify("This card has no GitHub address yet.", severity="warning")
            return
        if self.is_web:  # served: the browser of the user opens it, not the server's
            super().open_url(url, new_tab=new_tab)
            return
        self.run_worker(lambda: webbrowser.open(url), thread=True, group="browser")
        self.notify(f"Opening {url}", markup=False)

    def copy_url(self, url: str | None) -> None:
        if not url:
            self.notify("This card has no GitHub address yet.", severity="warning")
            return
        self.copy_to_clipboard(url)
        self.notify(f"Copied {url}", markup=False)

    # -- start-up --------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        if self.start_repo:
            from dslp_tui.screens.board import BoardScreen

            return BoardScreen(self.start_repo)
        from dslp_tui.screens.portfolio import PortfolioScreen

        return PortfolioScreen()

    def painted(self, screen: str) -> None:
        """A screen ("portfolio", "board") has shown its data: start-up is over (the collector
        comes back once that frame is out). Called by a screen each time it has loaded."""
        if gc_pause.paused():
            self.call_after_refresh(gc_pause.resume)

    def on_mount(self) -> None:
        if gc_pause.paused():  # a first screen that never paints (its query failed) too
            self.set_timer(GC_PAUSE_LIMIT, gc_pause.resume)
        theme = self.config.theme
        if theme in self.available_themes or theme in BUILTIN_THEMES:
            self.theme = theme
        else:
            self.theme = DEFAULT_THEME
            self.notify(
                f"config: unknown theme {theme!r}; using {DEFAULT_THEME}",
                severity="warning",
                markup=False,
            )
        if self.config.keymap:
            self.set_keymap(self.config.keymap)
        if self.config_error:
            self.notify(self.config_error, severity="warning", markup=False, timeout=10)

    # -- navigation and actions reachable from any screen --------------------------------

    def open_board(self, repo: str) -> None:
        from dslp_tui.screens.board import BoardScreen

        self.push_screen(BoardScreen(repo))

    def open_card(self, repo: str, number: int) -> None:
        from dslp_tui.screens.card import CardScreen

        self.push_screen(CardScreen(repo, number))

    def open_gates(self, repo: str) -> None:
        from dslp_tui.screens.gates import GateScreen

        self.push_screen(GateScreen(repo))

    def action_models(self) -> None:
        from dslp_tui.screens.models import ModelsScreen

        if not isinstance(self.screen, ModelsScreen):
            self.push_screen(ModelsScreen())

    def action_outbox(self) -> None:
        from dslp_tui.screens.outbox import OutboxScreen

        if not isinstance(self.screen, OutboxScreen):
            self.push_screen(OutboxScreen())

    def action_sync(self) -> None:
        from dslp_tui.screens.sync import SyncScreen

        if self.served or self.read_only:
            self.notify(
                "No sync from a served session: the server's operator runs `dslp sync` "
                "(it has no GitHub token here).",
                severity="warning",
                markup=False,
            )
            return
        if not isinstance(self.screen, SyncScreen):
            self.push_screen(SyncScreen())

    def action_help(self) -> None:
        from dslp_tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_report(self) -> None:
        """The team report of this project (on its board or a card) or of all, in the browser."""
        repo = getattr(self.screen, "repo", None)
        self.notify("Writing the team report…")
        self.run_worker(
            lambda: self._write_report(repo if isinstance(repo, str) else None),
            thread=True,
            group="report",
            exit_on_error=False,
        )

    def _write_report(self, repo: str | None) -> None:
        from dslp_tui.report.write import write_report
        from store.db import data_dir, private_dirs

        stamp = self.now().strftime("%Y-%m-%d")
        name = f"report-{repo.replace('/', '-')}-{stamp}.html" if repo else f"report-{stamp}.html"
        folder = data_dir() / "reports"
        try:
            private_dirs(folder)
            path = write_report(self.store, folder / name, repos=[repo] if repo else None)
        except Exception as exc:  # one line in the UI, never a traceback
            self.call_from_thread(
                self.notify, f"Report failed: {exc}", severity="error", markup=False
            )
            return
        if self.is_web:  # served: the file goes to the user's browser
            self.call_from_thread(self.deliver_text, path, open_method="browser")
        else:
            webbrowser.open(path.as_uri())
        self.call_from_thread(self.notify, f"Report written to {path}", markup=False)
