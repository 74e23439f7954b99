"""The start screen: every tracked project at a glance, and what waits for a signature."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Sparkline, Static

from dslp_tui.screens.base import DslpScreen
from dslp_tui.widgets.render import lit, mini_bar, models_cell, phase_title, synced_text
from store.read.portfolio import ProjectSummary, project_summaries

THROUGHPUT_WEEKS = 12

EMPTY_HELP = Text.assemble(
    ("No projects in this mirror yet.\n\n", "bold"),
    "Track a GitHub repository:   ",
    ("dslp repo add OWNER/NAME", "bold cyan"),
    "\nthen pull it:                ",
    ("dslp sync", "bold cyan"),
    "   (or press s here)\n\nOr look around the demo:     ",
    ("dslp demo", "bold cyan"),
)


def _count(n: int, style: str) -> Text:
    return Text(str(n), style=style) if n else Text("0", style="dim")


class PortfolioScreen(DslpScreen):
    """Phase, cards per phase, pending sign-offs, blocked, outbox, models, freshness."""

    BINDINGS = [
        # priority: over the table's own (hidden) enter, so the footer shows what enter does
        Binding(
            "enter",
            "open",
            "Board",
            id="open",
            tooltip="Open the project's phase board",
            priority=True,
        ),
        Binding("g", "gates", "Gates", id="gates", tooltip="Sign-offs of the project's gates"),
        Binding("j", "cursor(1)", "Down", show=False),
        Binding("k", "cursor(-1)", "Up", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Static(Text("dslp · portfolio", style="bold"), id="screen-title")
        with Horizontal(id="throughput"):
            yield Static(
                Text(f"Closed a week, last {THROUGHPUT_WEEKS} weeks"), id="throughput-label"
            )
            yield Sparkline([], id="throughput-spark")
            yield Static(Text(""), id="throughput-total")
        table: DataTable[Text] = DataTable(id="portfolio", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(EMPTY_HELP, id="empty-help")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # What a lead decides on first comes first: at 80 columns the table scrolls sideways
        # after "Last synced", so the stale highlight and the sign-offs due are never off-screen.
        for label, key in (
            ("Project", "project"),
            ("Phase", "phase"),
            ("Cards by phase", "bar"),
            ("Sign-offs due", "signoffs"),
            ("Last synced", "synced"),
            ("In production", "models"),
            ("Blocked", "blocked"),
            ("Outbox", "outbox"),
        ):
            table.add_column(label, key=key)
        self.query_one("#empty-help").display = False
        self.query_one("#throughput").display = False
        super().on_mount()

    async def load(self) -> None:
        projects = await self.dslp.read_first("portfolio", project_summaries)
        self.show(projects)

    def show(self, projects: list[ProjectSummary]) -> None:
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        now = self.dslp.now()
        for p in projects:
            due = Text(str(p.pending_signoffs), style="bold yellow") if p.pending_signoffs else None
            table.add_row(
                lit(p.repo, "bold"),
                Text(phase_title(p.phase)),
                mini_bar(p.cards, p.phase),
                due or Text("0", style="dim"),
                synced_text(p.last_synced, now),
                models_cell(p.models),
                _count(p.blocked, "bold red"),
                _count(p.outbox_pending, "bold yellow"),
                key=p.repo,
            )
        table.display = bool(projects)
        self.query_one("#empty-help").display = not projects
        if projects:
            table.move_cursor(row=min(keep, len(projects) - 1))
            table.focus()
            # The team's throughput comes second: the projects paint first, then the sparkline.
            self.call_after_refresh(self.load_throughput)
        else:
            self.query_one("#throughput").display = False
        self.dslp.painted("portfolio")

    @work(exclusive=True, group="throughput", exit_on_error=False)
    async def load_throughput(self) -> None:
        """Cards closed per week over the team's projects, oldest week first (issue 6)."""
        from store.read.portfolio import weekly_throughput

        now = self.dslp.now()
        counts = await self.dslp.read(
            lambda s: weekly_throughput(s, None, weeks=THROUGHPUT_WEEKS, now=now)
        )
        self.show_throughput(counts)

    def show_throughput(self, counts: list[int]) -> None:
        self.query_one("#throughput-spark", Sparkline).data = [float(n) for n in counts]
        total = sum(counts)
        summary = Text.assemble(
            (f"{counts[-1] if counts else 0}", "bold"),
            " this week · ",
            (f"{total / max(1, len(counts)):.1f}", "bold"),
            " a week on average · ",
            (f"{max(counts, default=0)}", "bold"),
            " at most",
        )
        self.query_one("#throughput-total", Static).update(summary)
        self.query_one("#throughput").display = True

    def _selected(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return str(key.value)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.dslp.open_board(str(event.row_key.value))

    def action_open(self) -> None:
        repo = self._selected()
        if repo:
            self.dslp.open_board(repo)

    def action_gates(self) -> None:
        repo = self._selected()
        if repo:
            self.dslp.open_gates(repo)

    def action_cursor(self, delta: int) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=table.cursor_row + delta)
