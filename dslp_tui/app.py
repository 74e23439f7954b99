"""The Textual app: the portfolio of projects (the full screens grow from here)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header

from dslp_tui.text import ago, safe
from store.db import Store
from store.queries import project_summaries


class DslpApp(App[None]):
    TITLE = "dslp"
    BINDINGS = [Binding("q", "quit", "Quit")]

    def __init__(self, store: Store, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.store = store

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="portfolio", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Project", "Phase", "Pending sign-offs", "Outbox", "Last synced")
        with self.store.session() as session:
            projects = project_summaries(session)
        for p in projects:
            table.add_row(
                Text(safe(p.repo)),
                p.phase,
                str(p.pending_signoffs),
                str(p.outbox_pending),
                ago(p.last_synced),
            )
