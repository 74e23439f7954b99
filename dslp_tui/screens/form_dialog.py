"""What every form dialog shares: save validates then dismisses with a typed value, cancel
dismisses with None, errors show under their field, the cursor blinks as the app says."""

from __future__ import annotations

from typing import Generic, TypeVar

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Button, Static

T = TypeVar("T")


class FormDialog(ModalScreen[T | None], Generic[T]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel")]

    def __init__(self) -> None:
        super().__init__(classes="dialog-screen")

    def validate(self) -> T | None:
        """The form's value, or None after showing every error."""
        raise NotImplementedError

    def prepare_fields(self) -> None:
        """Inputs blink as the app says; error lines stay hidden until there is an error."""
        blink = getattr(self.app, "cursor_blink", True)
        for widget in self.query("Input, TextArea"):
            widget.cursor_blink = blink  # type: ignore[attr-defined]
        for err in self.query(".field-error"):
            err.display = False

    def show_error(self, field_id: str, message: str | None) -> None:
        widget = self.query_one(f"#{field_id}-error", Static)
        widget.update(Text(f"✘ {message}" if message else "", style="bold red"))
        widget.display = bool(message)

    def action_save(self) -> None:
        value = self.validate()
        if value is not None:
            self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)
