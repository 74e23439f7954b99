"""The outbox: every change made here that GitHub does not have yet, and why a conflict stuck.

Pending entries go out at the next sync; in-flight ones were being sent when a sync stopped
(the next sync looks for their marker before re-sending); conflicts wait for the user to fix
the cause (a closed issue, a missing label, a token without write access) and retry.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static

from dslp_tui.screens.base import DslpScreen
from dslp_tui.text import ago, safe
from dslp_tui.widgets.render import lit

SHOWN_STATES = ("pending", "in_flight", "conflict")
STATE_STYLE = {"pending": "bold yellow", "in_flight": "bold cyan", "conflict": "bold red"}


def summary(kind: str, payload: dict[str, Any], number: int | None = None) -> str:
    """One line saying what the entry will do on GitHub."""
    from store.steps import STEP_KINDS, describe_step

    if kind in STEP_KINDS:
        return describe_step(kind, number, payload)
    if kind == "outcome":
        return f"{payload.get('status', '?')}: {payload.get('tldr', '')}"
    if kind == "signoff":
        gate, decision = payload.get("gate", "?"), payload.get("decision", "?")
        return f"{gate} gate {decision} by {payload.get('by', '?')}"
    if kind == "checklist":
        return f"{payload.get('action', '?')} “{payload.get('text', '')}”"
    if kind == "model":
        parts = [f"{k} {payload[k]}" for k in ("status", "health", "version") if payload.get(k)]
        return ", ".join(parts) or "model"
    return ", ".join(f"{k}={v}" for k, v in payload.items())


WHAT_WIDTH = 44


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _one_line(text: str | None) -> str:
    lines = safe(text or "", keep_newlines=True).strip().splitlines()
    return lines[0] if lines else ""


class OutboxScreen(DslpScreen):
    """Pending, in-flight and conflicted entries, oldest first; `r` retries a conflict."""

    BINDINGS = [
        Binding("r", "retry", "Retry", id="retry", tooltip="Queue the highlighted conflict again"),
        Binding(
            "R", "retry_all", "Retry all", id="retry-all", tooltip="Queue every conflict again"
        ),
        # priority: over the table's own (hidden) enter, so the footer shows what enter does
        Binding(
            "enter", "open", "Card", id="open-card", tooltip="Open the entry's card", priority=True
        ),
        Binding("j", "cursor(1)", "Down", show=False),
        Binding("k", "cursor(-1)", "Up", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Static(Text("Outbox: changes waiting for GitHub", style="bold"), id="screen-title")
        yield Static(id="outbox-summary")
        yield DataTable(id="outbox", cursor_type="row", zebra_stripes=True)
        yield Static(id="outbox-reason")
        yield Footer()

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        for label in ("Project", "#", "Kind", "What", "State", "Tries", "Entered"):
            table.add_column(label, key=label)
        table.focus()
        super().on_mount()

    async def load(self) -> None:
        from store.read.outbox import list_outbox

        self.entries = await self.dslp.read(lambda s: list_outbox(s, states=SHOWN_STATES))
        self.show()

    def show(self) -> None:
        now = self.dslp.now()
        table: DataTable[Text] = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        for e in self.entries:
            table.add_row(
                lit(e.repo),
                Text(f"#{e.issue_number}" if e.issue_number is not None else "—"),
                Text(e.kind),
                lit(_clip(_one_line(summary(e.kind, e.payload, e.issue_number)), WHAT_WIDTH)),
                Text(e.state.replace("_", " "), style=STATE_STYLE.get(e.state, "")),
                Text(str(e.attempts)),
                Text(ago(e.created_at, now)),
                key=e.id,
            )
        if self.entries:
            table.move_cursor(row=min(keep, len(self.entries) - 1))
        counts = {s: sum(1 for e in self.entries if e.state == s) for s in SHOWN_STATES}
        line = Text()
        if not self.entries:
            line.append("Nothing waits for a push: GitHub has every change made here.", "dim")
        else:
            line.append(f"{counts['pending']} pending", STATE_STYLE["pending"])
            line.append(" · ")
            line.append(f"{counts['in_flight']} in flight", STATE_STYLE["in_flight"])
            line.append(" · ")
            line.append(f"{counts['conflict']} conflicts", STATE_STYLE["conflict"])
            line.append("   pending entries go out at the next sync (s)", "dim")
        self.query_one("#outbox-summary", Static).update(line)
        table.display = bool(self.entries)
        self.show_reason()

    def current(self) -> Any | None:
        table = self.query_one(DataTable)
        if not self.entries or table.cursor_row < 0:
            return None
        return self.entries[min(table.cursor_row, len(self.entries) - 1)]

    def show_reason(self) -> None:
        entry = self.current()
        text = Text()
        if entry is not None and entry.state == "conflict":
            text.append("Conflict: ", style="bold red")
            text.append_text(lit(_one_line(entry.last_error) or "no reason recorded"))
            text.append("\nfix the cause, then r retries it (R retries every conflict)", "dim")
        elif entry is not None and entry.state == "in_flight":
            text.append(
                "Was being sent when a sync stopped: the next sync checks GitHub for it "
                "before sending again, so it never lands twice.",
                style="dim",
            )
        elif entry is not None and entry.last_error:
            text.append("Last error: ", style="bold yellow")
            text.append_text(lit(_one_line(entry.last_error)))
        self.query_one("#outbox-reason", Static).update(text)
        self.query_one("#outbox-reason").display = bool(text.plain)

    def on_data_table_row_highlighted(self) -> None:
        self.show_reason()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_cursor(self, delta: int) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=table.cursor_row + delta)

    def action_open(self) -> None:
        entry = self.current()
        if entry is not None and entry.issue_number is not None:
            self.dslp.open_card(entry.repo, entry.issue_number)

    def action_retry(self) -> None:
        entry = self.current()
        if entry is None:
            self.notify("Nothing to retry: the outbox is empty.")
            return
        if entry.state != "conflict":
            self.notify("Only a conflict can be retried; pending entries go out at the next sync.")
            return
        self.run_worker(self._retry([entry.id]), group="write")

    def action_retry_all(self) -> None:
        if not any(e.state == "conflict" for e in self.entries):
            self.notify("No conflicts to retry.")
            return
        self.run_worker(self._retry(None), group="write")

    async def _retry(self, ids: list[str] | None) -> None:
        from store.outbox import retry_conflicts

        count = await self.dslp.write(lambda s: retry_conflicts(s, ids))
        if count:
            self.notify(
                f"{count} {'entry' if count == 1 else 'entries'} queued again for the next sync"
            )
        await self.reload_now()
