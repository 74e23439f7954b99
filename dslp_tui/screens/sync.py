"""The sync screen: a thread worker runs `sync.engine.sync_repos`; events come back as messages.

Progress messages replace each other per repo and resource (`can_replace`), so a fast page loop
cannot flood the UI; `escape` or `ctrl+c` sets the flag the engine polls through `cancelled()`.
"""

from __future__ import annotations

import threading

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Footer, ProgressBar, Static
from textual.worker import Worker, WorkerState

from dslp_tui.errors import explain_error
from dslp_tui.screens.base import DslpScreen
from dslp_tui.text import safe
from dslp_tui.widgets.render import lit
from store.repos import list_repos
from sync.events import Progress, RepoDone, SyncEvent, SyncReport, Waiting


def _one_line(text: str) -> str:
    lines = safe(text, keep_newlines=True).strip().splitlines()
    return lines[0] if lines else text


class SyncEventMessage(Message):
    """One event from the engine, posted from the worker thread."""

    def __init__(self, event: SyncEvent) -> None:
        super().__init__()
        self.event = event

    def can_replace(self, message: Message) -> bool:
        return (
            isinstance(message, SyncEventMessage)
            and isinstance(self.event, Progress)
            and isinstance(message.event, Progress)
            and message.event.repo == self.event.repo
            and message.event.resource == self.event.resource
        )


class SyncFinished(Message):
    def __init__(self, report: SyncReport) -> None:
        super().__init__()
        self.report = report


class RepoProgress(Horizontal):
    """One repo: its name, the resource being pulled, a bar, and how it ended."""

    def __init__(self, repo: str) -> None:
        super().__init__(classes="repo-progress")
        self.repo = repo
        self.ended = False

    def compose(self) -> ComposeResult:
        yield Static(lit(self.repo, "bold"), classes="repo-name")
        yield Static(Text("waiting", style="dim"), classes="repo-resource")
        yield ProgressBar(total=None, show_eta=False, classes="repo-bar")
        yield Static(Text(""), classes="repo-status")

    def progress(self, event: Progress) -> None:
        label = f"{event.resource} {event.done}" + (f"/{event.total}" if event.total else "")
        self.query_one(".repo-resource", Static).update(Text(label))
        self.query_one(ProgressBar).update(total=event.total, progress=event.done)

    def waiting(self, event: Waiting) -> None:
        status = f"waiting {event.seconds:.0f}s: {_one_line(event.reason)}"
        self.query_one(".repo-status", Static).update(Text(status, style="yellow"))

    def not_run(self) -> None:
        """The sync stopped before this repo ended: a still bar, not one that looks busy."""
        if self.ended:
            return
        self.query_one(ProgressBar).update(total=1, progress=0)
        self.query_one(".repo-resource", Static).update(Text("not synced", style="dim"))

    def done(self, event: RepoDone) -> None:
        self.ended = True
        bar = self.query_one(ProgressBar)
        bar.update(total=1, progress=1)
        if event.ok:
            text = Text("✔ ", style="bold green")
            text.append(f"{event.new} new, {event.updated} updated, {event.pushed} pushed")
            if event.conflicts:
                text.append(f", {event.conflicts} conflicts", style="bold yellow")
        else:
            text = Text("✘ ", style="bold red")
            text.append_text(lit(_one_line(event.error or "failed"), "red"))
        self.query_one(".repo-status", Static).update(text)
        self.query_one(".repo-resource", Static).update(Text("done" if event.ok else "failed"))


class SyncScreen(DslpScreen):
    """Runs one sync of every tracked repo; the rest of the app stays usable meanwhile."""

    BINDINGS = [
        Binding("escape", "back", "Back / cancel", id="back", tooltip="Cancel a running sync"),
        Binding("ctrl+c", "cancel", "Cancel", id="cancel-sync", priority=True, show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.cancel_flag = threading.Event()
        self.rows: dict[str, RepoProgress] = {}
        self.errors: list[str] = []
        self.worker: Worker[SyncReport] | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("Sync with GitHub", style="bold"), id="screen-title")
        with VerticalScroll(id="sync-body"):
            yield Vertical(id="sync-rows")
            yield Static(Text("Starting…", style="dim"), id="sync-status")
            yield Static(id="sync-errors")
        yield Footer()

    async def load(self) -> None:
        repos = await self.dslp.read(lambda s: [r.full_name for r in list_repos(s)])
        for repo in repos:
            await self._row(repo)
        if self.worker is None:
            self.query_one("#sync-status", Static).update(
                Text("Syncing… escape or ctrl+c cancels", style="bold")
            )
            self.worker = self.run_sync()

    def on_screen_resume(self) -> None:
        """A sync screen shows one run: no reload when it comes back on top."""

    async def _row(self, repo: str) -> RepoProgress:
        if repo not in self.rows:
            self.rows[repo] = RepoProgress(repo)
            await self.query_one("#sync-rows").mount(self.rows[repo])
        return self.rows[repo]

    @work(thread=True, exclusive=True, exit_on_error=False, group="sync")
    def run_sync(self) -> SyncReport:
        from sync.engine import sync_repos  # the engine loads when a sync runs, not at start

        def emit(event: SyncEvent) -> None:
            self.post_message(SyncEventMessage(event))

        report = sync_repos(
            self.dslp.store,
            None,
            token=None,
            on_event=emit,
            cancelled=self.cancel_flag.is_set,
            sleep=self.cancel_flag.wait,  # a rate-limit wait ends the moment escape is pressed
        )
        self.post_message(SyncFinished(report))
        return report

    async def on_sync_event_message(self, message: SyncEventMessage) -> None:
        event = message.event
        row = await self._row(event.repo)
        if isinstance(event, Progress):
            row.progress(event)
        elif isinstance(event, Waiting):
            row.waiting(event)
        elif isinstance(event, RepoDone):
            row.done(event)
            if not event.ok:
                self._add_error(f"{event.repo}: {_one_line(event.error or 'failed')}")

    def _add_error(self, line: str) -> None:
        self.errors.append(line)
        text = Text()
        for err in self.errors:
            text.append("✘ ", style="bold red")
            text.append_text(lit(err))
            text.append("\n")
        text.rstrip()
        self.query_one("#sync-errors", Static).update(text)

    def on_sync_finished(self, message: SyncFinished) -> None:
        for row in self.rows.values():
            row.not_run()
        status = self.query_one("#sync-status", Static)
        report = message.report
        ok = sum(1 for r in report.repos if r.ok)
        failed = len(report.repos) - ok
        summary = (
            f"{'Cancelled' if self.cancel_flag.is_set() else 'Done'} in {report.seconds:.1f} s"
        )
        summary += f": {ok} ok, {failed} failed · escape to go back"
        status.update(Text(summary, style="bold green" if report.ok else "bold yellow"))
        self.notify(summary.split(" · ")[0], markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self.worker or event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        assert error is not None
        known, _code = explain_error(error)  # a known error says what to do; a bug names itself
        detail = _one_line(known) if known else f"{type(error).__name__}: {_one_line(str(error))}"
        line = f"sync failed: {detail}"
        self.query_one("#sync-status", Static).update(Text(line, style="bold red"))
        self.notify(line, severity="error", markup=False)
        for row in self.rows.values():
            row.not_run()

    @property
    def running(self) -> bool:
        return self.worker is not None and self.worker.state in (
            WorkerState.PENDING,
            WorkerState.RUNNING,
        )

    def action_cancel(self) -> None:
        if self.running and not self.cancel_flag.is_set():
            self.cancel_flag.set()
            self.query_one("#sync-status", Static).update(
                Text("Cancelling… the current page finishes first", style="bold yellow")
            )

    def action_back(self) -> None:
        if self.running:
            self.action_cancel()
            return
        super().action_back()
