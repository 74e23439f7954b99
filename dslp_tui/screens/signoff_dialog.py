"""Giving a stakeholder's sign-off at a phase gate: gate, who, decision, note."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Select, Static

from dslp_tui.widgets.render import lit, phase_title
from store.rules import DECISIONS, PHASES


@dataclass(frozen=True)
class SignOffForm:
    gate: str
    stakeholder: str
    decision: str
    note: str


class SignOffDialog(ModalScreen[SignOffForm | None]):
    """A typed form that dismisses with a `SignOffForm`, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel"),
        Binding("ctrl+s", "save", "Save", id="save", tooltip="Record the sign-off locally"),
    ]

    def __init__(self, repo: str, gate: str, stakeholder: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.repo = repo
        self.gate = gate if gate in PHASES else PHASES[0]
        self.stakeholder = stakeholder

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="signoff-dialog"):
            yield Static(
                Text.assemble(("Sign off a gate  ", "bold"), lit(self.repo)),
                classes="dialog-title",
            )
            yield Label("Gate")
            yield Select(
                [(phase_title(p), p) for p in PHASES], value=self.gate, allow_blank=False, id="gate"
            )
            yield Label("Stakeholder")
            yield Input(value=self.stakeholder, placeholder="name (role)", id="stakeholder")
            yield Static(id="stakeholder-error", classes="field-error")
            yield Label("Decision")
            with RadioSet(id="decision"):
                for decision in DECISIONS:
                    yield RadioButton(decision.replace("-", " "), id=f"decision-{decision}")
            yield Static(id="decision-error", classes="field-error")
            yield Label("Note")
            yield Input(placeholder="why, conditions, next step (optional)", id="note")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Sign off  ctrl+s", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        blink = getattr(self.app, "cursor_blink", True)
        for widget in self.query(Input):
            widget.cursor_blink = blink
        for err in self.query(".field-error"):
            err.display = False
        self.query_one("#stakeholder", Input).focus()

    def _error(self, field_id: str, message: str | None) -> None:
        widget = self.query_one(f"#{field_id}-error", Static)
        widget.update(Text(f"✘ {message}" if message else "", style="bold red"))
        widget.display = bool(message)

    def validate(self) -> SignOffForm | None:
        gate = self.query_one("#gate", Select).value
        who = " ".join(self.query_one("#stakeholder", Input).value.split())
        pressed = self.query_one(RadioSet).pressed_button
        decision = (pressed.id or "").removeprefix("decision-") if pressed is not None else ""
        self._error("stakeholder", None if who else "who signs? give the stakeholder's name")
        self._error(
            "decision", None if decision else "choose approved, changes requested or rejected"
        )
        if not who or not decision or not isinstance(gate, str):
            return None
        note = self.query_one("#note", Input).value.strip()
        return SignOffForm(gate=gate, stakeholder=who, decision=decision, note=note)

    def action_save(self) -> None:
        form = self.validate()
        if form is not None:
            self.dismiss(form)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#stakeholder")
    def _to_decision(self) -> None:
        self.query_one(RadioSet).focus()

    @on(Input.Submitted, "#note")
    def _submit(self) -> None:
        self.action_save()
