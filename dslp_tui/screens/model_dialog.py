"""The status and health form of a Model card: only what changed is saved, to the outbox."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static

from dslp_tui.screens.form_dialog import FormDialog
from dslp_tui.widgets.render import lit
from store.outbox import VERSION
from store.rules import MODEL_HEALTH, MODEL_STATUSES


@dataclass(frozen=True)
class ModelForm:
    status: str | None
    health: str | None
    version: str | None


class ModelDialog(FormDialog[ModelForm]):
    """Status, health and version of a model, starting from the current ones."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save", tooltip="Save the model status locally"),
    ]

    def __init__(
        self,
        number: int,
        title: str,
        *,
        status: str | None = None,
        health: str | None = None,
        version: str | None = None,
    ) -> None:
        super().__init__()
        self.number = number
        self.card_title = title
        self.current = ModelForm(
            status if status in MODEL_STATUSES else None,
            health if health in MODEL_HEALTH else None,
            version,
        )

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="model-dialog"):
            yield Static(
                Text.assemble(("Model status  ", "bold"), f"#{self.number} ", lit(self.card_title)),
                classes="dialog-title",
            )
            yield Label("Status")
            yield Select(
                [(s, s) for s in MODEL_STATUSES],
                value=self.current.status or Select.NULL,
                prompt="not set",
                id="status",
            )
            yield Label("Health")
            yield Select(
                [(h, h) for h in MODEL_HEALTH],
                value=self.current.health or Select.NULL,
                prompt="not set",
                id="health",
            )
            yield Label("Version")
            yield Input(value=self.current.version or "", placeholder="e.g. 1.2.0", id="version")
            yield Static(id="model-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save  ctrl+s", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.prepare_fields()
        self.query_one("#status", Select).focus()

    def _value(self, select_id: str) -> str | None:
        value = self.query_one(f"#{select_id}", Select).value
        return value if isinstance(value, str) else None

    def validate(self) -> ModelForm | None:
        """What changed (None for what did not), or None after showing why nothing can be saved."""
        status, health = self._value("status"), self._value("health")
        version = " ".join(self.query_one("#version", Input).value.split()) or None
        form = ModelForm(
            status if status != self.current.status else None,
            health if health != self.current.health else None,
            version if version != self.current.version else None,
        )
        message = None
        if form.version is not None and not VERSION.fullmatch(form.version):
            message = "a version is letters, digits and . + - _, e.g. 1.2.0"
        elif form.status is None and form.health is None and form.version is None:
            message = "change the status, the health or the version"
        self.show_error("model", message)
        return None if message else form

    @on(Input.Submitted, "#version")
    def _submit(self) -> None:
        self.action_save()
