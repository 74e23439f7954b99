"""The gate panel of a project: each phase's sign-offs, and giving one in a modal."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static

from dslp_tui.screens.base import DslpScreen
from dslp_tui.screens.signoff_dialog import SignOffDialog, SignOffForm
from dslp_tui.text import ago
from dslp_tui.widgets.render import DECISION_STYLE, PENDING_SYNC, gate_text, lit, phase_title
from store.read.board import Board, board
from store.read.gates import SignOffView, signoff_history
from store.repos import get_repo
from store.rules import PHASES


class GateScreen(DslpScreen):
    """Seven gates with their status; the highlighted gate's history below; enter signs off."""

    BINDINGS = [
        # priority: over the table's own (hidden) enter, so the footer shows what enter does
        Binding(
            "enter", "sign_off", "Sign off", id="sign-off", tooltip="Give a sign-off", priority=True
        ),
        Binding("j", "cursor(1)", "Down", show=False),
        Binding("k", "cursor(-1)", "Up", show=False),
    ]

    def __init__(self, repo: str) -> None:
        super().__init__()
        self.repo = repo
        self.board: Board | None = None
        self.history: dict[str, list[SignOffView]] = {}
        self.approvers_error: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text.assemble(lit(self.repo, "bold"), (" · gates", "bold")), id="screen-title")
        table: DataTable[Text] = DataTable(id="gates", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(id="gate-history")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key in (
            ("Gate", "gate"),
            ("Cards", "cards"),
            ("Status", "status"),
            ("Latest by", "by"),
            ("When", "when"),
            ("Sign-offs", "count"),
        ):
            table.add_column(label, key=key)
        table.focus()
        super().on_mount()

    async def load(self) -> None:
        repo = self.repo

        def read(session: Any) -> tuple[Board, dict[str, list[SignOffView]], str | None]:
            error = get_repo(session, repo).approvers_error
            return board(session, repo), signoff_history(session, repo), error

        self.board, self.history, self.approvers_error = await self.dslp.read(read)
        self.show()

    def show(self) -> None:
        assert self.board is not None
        now = self.dslp.now()
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        for phase in PHASES:
            gate = self.board.gates[phase]
            cards = len(self.board.columns[phase])
            history = self.history.get(phase, [])
            status = gate_text(gate)
            if any(h.pending_sync for h in history):
                status.append(f"  {PENDING_SYNC}", style="bold yellow")
            table.add_row(
                Text(phase_title(phase), style="bold"),
                Text(str(cards)),
                status,
                lit(gate.stakeholder) if gate.stakeholder else Text("—", style="dim"),
                Text(ago(gate.decided_at, now) if gate.decided_at else "—"),
                Text(str(gate.signoffs)),
                key=phase,
            )
        table.move_cursor(row=keep)
        self.show_history()

    def current_gate(self) -> str:
        table = self.query_one(DataTable)
        return PHASES[min(max(table.cursor_row, 0), len(PHASES) - 1)]

    def show_history(self) -> None:
        assert self.board is not None
        now = self.dslp.now()
        gate = self.current_gate()
        approvers = self.board.gates[gate].approvers
        history = self.history.get(gate, [])
        text = Text(f"{phase_title(gate)} gate: sign-off history\n", style="bold underline")
        if approvers:
            text.append("Approvers (.github/dslp.yml): ", style="dim")
            text.append_text(lit(", ".join(f"@{a}" for a in approvers), "bold"))
            text.append("; only their sign-offs count\n", style="dim")
        else:
            text.append(
                "Anyone may sign this gate (no approvers in .github/dslp.yml)\n", style="dim"
            )
        if self.approvers_error:
            text.append("⚠ ", style="yellow")
            text.append_text(lit(self.approvers_error, "yellow"))
            text.append("\n")
        text.append("Stakeholders can sign off on GitHub: comment ", style="dim")
        text.append(f"/dslp approve {gate}", style="bold cyan")
        text.append(" (or request-changes, reject)\n", style="dim")
        if not history:
            text.append("no sign-offs yet: press enter to give one", style="dim")
        for h in reversed(history):
            text.append(f"{h.decision:<18}", style=DECISION_STYLE.get(h.decision, ""))
            text.append_text(lit(h.stakeholder, "bold"))
            if h.recorded_by != h.stakeholder:
                text.append(" — recorded by ", style="dim")
                text.append_text(lit(h.recorded_by))
            text.append(f"  {ago(h.created_at, now)}", style="dim")
            if h.source == "comment":
                text.append("  via comment", style="dim")
            if h.withdrawn:
                text.append("  withdrawn (comment deleted)", style="bold red")
            elif not h.counts:
                text.append("  does not count (not an approver)", style="bold red")
            if h.pending_sync:
                text.append(f"  {PENDING_SYNC}", style="bold yellow")
            if h.note:
                text.append("\n    ")
                text.append_text(lit(h.note, "italic"))
            text.append("\n")
        text.rstrip()
        self.query_one("#gate-history", Static).update(text)

    def on_data_table_row_highlighted(self) -> None:
        if self.board is not None:
            self.show_history()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_sign_off()

    def action_cursor(self, delta: int) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=table.cursor_row + delta)

    def action_sign_off(self) -> None:
        how = f"comment `/dslp approve {self.current_gate()}` on any issue of {self.repo} on GitHub"
        if self.dslp.refuse_write("a sign-off", instead=how):
            return
        dialog = SignOffDialog(self.repo, self.current_gate(), self.dslp.config.user)
        self.app.push_screen(dialog, self._save)

    def _save(self, form: SignOffForm | None) -> None:
        if form is not None:
            self.run_worker(self._write(form), group="write")

    async def _write(self, form: SignOffForm) -> None:
        from store.outbox import record_signoff

        repo = self.repo

        def write(session: object) -> bool:
            record_signoff(
                session,  # type: ignore[arg-type]
                get_repo(session, repo),  # type: ignore[arg-type]
                gate=form.gate,
                stakeholder=form.stakeholder,
                decision=form.decision,
                note=form.note,
            )
            return True

        if await self.dslp.write(write):
            self.notify(
                f"{phase_title(form.gate)} gate: {form.decision} by {form.stakeholder}"
                " (pending sync)",
                markup=False,
            )
        await self.reload_now()
        # The gate signed may not be the one highlighted (the dialog lets you pick): show it.
        self.query_one(DataTable).move_cursor(row=PHASES.index(form.gate))
        self.show_history()
