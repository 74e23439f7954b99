"""Giving a stakeholder's sign-off at a phase gate: gate, who, decision, note."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Select, Static

from dslp_tui.screens.form_dialog import FormDialog
from dslp_tui.widgets.render import lit, phase_title
from store.rules import DECISIONS, PHASES


@dataclass(frozen=True)
class SignOffForm:
    gate: str
    stakeholder: str
    decision: str
    note: str


class SignOffDialog(FormDialog[SignOffForm]):
    """A typed form that dismisses with a `SignOffForm`, or None when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save", tooltip="Record the sign-off locally"),
    ]

    def __init__(self, repo: str, gate: str, stakeholder: str = "") -> None:
        super().__init__()
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
        self.prepare_fields()
        self.query_one("#stakeholder", Input).focus()

    def validate(self) -> SignOffForm | None:
        gate = self.query_one("#gate", Select).value
        who = " ".join(self.query_one("#stakeholder", Input).value.split())
        pressed = self.query_one(RadioSet).pressed_button
        decision = (pressed.id or "").removeprefix("decision-") if pressed is not None else ""
        self.show_error("stakeholder", None if who else "who signs? give the stakeholder's name")
        self.show_error(
            "decision", None if decision else "choose approved, changes requested or rejected"
        )
        if not who or not decision or not isinstance(gate, str):
            return None
        note = self.query_one("#note", Input).value.strip()
        return SignOffForm(gate=gate, stakeholder=who, decision=decision, note=note)

    @on(Input.Submitted, "#stakeholder")
    def _to_decision(self) -> None:
        self.query_one(RadioSet).focus()

    @on(Input.Submitted, "#note")
    def _submit(self) -> None:
        self.action_save()
