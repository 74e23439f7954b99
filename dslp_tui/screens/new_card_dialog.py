"""The New card form (`n` on a board) and the draft form (enter on a draft): a card made here,
stored as a draft at once and created on GitHub by the next sync."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static

from dslp_tui.screens.form_dialog import FormDialog
from dslp_tui.widgets.render import lit
from store.drafts import DRAFT_KINDS, MAX_TITLE

# The kind a new card gets from the focused column.
KIND_OF_PHASE = {
    "ideation": "ask",
    "data": "data",
    "explore": "explore",
    "experiment": "experiment",
    "model": "model",
    "deploy": "model",
    "monitoring": "model",
}


@dataclass(frozen=True)
class NewCardForm:
    kind: str
    title: str
    ask: int | None = None
    based_on: int | None = None
    discard: bool = False  # the draft form's "Discard draft"


def _number(text: str) -> tuple[int | None, str | None]:
    value = text.strip().lstrip("#")
    if not value:
        return None, None
    if not value.isdigit() or int(value) < 1:
        return None, f"an issue number, e.g. 12 (got {text.strip()!r})"
    return int(value), None


class NewCardDialog(FormDialog[NewCardForm]):
    """Kind, title, the Ask it serves, a Model's experiment. With `draft_title`, the form edits
    a draft (its kind and links are fixed) and can discard it."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save", tooltip="Store the card as a draft"),
    ]

    def __init__(
        self,
        repo: str,
        kind: str = "experiment",
        ask: int | None = None,
        *,
        draft_title: str | None = None,
    ) -> None:
        super().__init__()
        self.repo = repo
        self.kind = kind if kind in DRAFT_KINDS else "experiment"
        self.ask = ask
        self.editing = draft_title is not None
        self.draft_title = draft_title or ""

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="new-card-dialog"):
            heading = "Edit draft  " if self.editing else "New card  "
            yield Static(Text.assemble((heading, "bold"), lit(self.repo)), classes="dialog-title")
            if not self.editing:
                yield Label("Kind")
                yield Select(
                    [(kind.title(), kind) for kind in DRAFT_KINDS],
                    value=self.kind,
                    allow_blank=False,
                    id="kind",
                )
            yield Label("Title")
            yield Input(value=self.draft_title, id="title", max_length=MAX_TITLE)
            yield Static(id="title-error", classes="field-error")
            if not self.editing:
                yield Label("Ask it serves (issue number; blank: the only open Ask)")
                yield Input(value=str(self.ask or ""), id="ask", placeholder="e.g. 1")
                yield Static(id="ask-error", classes="field-error")
                yield Label("Based on experiment (Model cards)")
                yield Input(id="based-on", placeholder="e.g. 12")
                yield Static(id="based-on-error", classes="field-error")
            yield Static(
                Text(
                    "Stored now as a draft (new · pending sync); the next sync creates the "
                    "issue from the repo's template.",
                    style="dim",
                ),
                id="new-card-hint",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save  ctrl+s", variant="primary", id="save")
                if self.editing:
                    yield Button("Discard draft", variant="error", id="discard")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.prepare_fields()
        self.query_one("#title", Input).focus()

    def validate(self) -> NewCardForm | None:
        title = " ".join(self.query_one("#title", Input).value.split())
        self.show_error("title", None if title else "a card needs a title")
        if self.editing:
            return NewCardForm(self.kind, title) if title else None
        kind = str(self.query_one("#kind", Select).value)
        ask, ask_err = _number(self.query_one("#ask", Input).value)
        based_on, based_err = _number(self.query_one("#based-on", Input).value)
        if based_on is not None and kind != "model" and based_err is None:
            based_err = "only a Model card is based on an experiment"
        self.show_error("ask", ask_err)
        self.show_error("based-on", based_err)
        if not title or ask_err or based_err:
            return None
        return NewCardForm(kind, title, ask, based_on)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "discard":
            self.dismiss(NewCardForm(self.kind, self.draft_title, discard=True))
