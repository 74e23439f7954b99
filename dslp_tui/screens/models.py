"""Models in Deploy and Monitoring across projects: version, status, health."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static

from dslp_tui.screens.base import DslpScreen
from dslp_tui.widgets.render import health_text, lit, phase_title
from store.read.portfolio import ProjectSummary, project_summaries

LIVE_PHASES = ("deploy", "monitoring")


class ModelsScreen(DslpScreen):
    """One row per model in deploy or monitoring; enter opens its card."""

    BINDINGS = [
        Binding("j", "cursor(1)", "Down", show=False),
        Binding("k", "cursor(-1)", "Up", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Static(Text("Models in deploy and monitoring", style="bold"), id="screen-title")
        yield DataTable(id="models", cursor_type="row", zebra_stripes=True)
        yield Static(id="models-empty")
        yield Footer()

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        for label in ("Project", "#", "Model", "Phase", "Version", "Status", "Health"):
            table.add_column(label, key=label)
        table.focus()
        super().on_mount()

    async def load(self) -> None:
        projects: list[ProjectSummary] = await self.dslp.read(project_summaries)
        table: DataTable[Text] = self.query_one(DataTable)
        table.clear()
        for p in projects:
            for m in p.models:
                if m.phase not in LIVE_PHASES:
                    continue
                table.add_row(
                    lit(p.repo),
                    Text(f"#{m.number}"),
                    lit(m.title),
                    Text(phase_title(m.phase or "")),
                    lit(m.version or "—"),
                    lit(m.status or "—"),
                    health_text(m.health),
                    key=f"{p.repo}#{m.number}",
                )
        empty = self.query_one("#models-empty", Static)
        empty.update(Text("No model is in deploy or monitoring yet.", style="dim"))
        empty.display = table.row_count == 0

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        repo, _, number = str(event.row_key.value).rpartition("#")
        self.dslp.open_card(repo, int(number))

    def action_cursor(self, delta: int) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=table.cursor_row + delta)
