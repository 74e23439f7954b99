"""The Log outcome form of an Experiment card: checked here, saved by the caller at once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static, TextArea

from dslp_tui.screens.form_dialog import FormDialog
from dslp_tui.widgets.render import lit
from store.outbox import OUTCOME_CHOICES

_METRIC_NAME = re.compile(r"^[A-Za-z_][\w.\-/@]*$")


@dataclass(frozen=True)
class OutcomeForm:
    status: str
    tldr: str
    metrics: dict[str, float | int] = field(default_factory=dict)
    run_links: list[str] = field(default_factory=list)


def parse_metrics(text: str) -> tuple[dict[str, float | int], str | None]:
    """`name=value` lines into numbers; the first bad line becomes the error message."""
    metrics: dict[str, float | int] = {}
    for i, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        name, sep, value = (part.strip() for part in line.partition("="))
        if not sep or not name or not value:
            return metrics, f"line {i}: write name=value, e.g. auc=0.81"
        if not _METRIC_NAME.match(name):
            return metrics, f"line {i}: a metric name is letters, digits, _ . - / (got {name!r})"
        try:
            number: float | int = int(value) if re.fullmatch(r"[+-]?\d+", value) else float(value)
        except ValueError:
            return metrics, f"line {i}: {name} must be a number (got {value!r})"
        if number != number or number in (float("inf"), float("-inf")):
            return metrics, f"line {i}: {name} must be a finite number"
        if name in metrics:
            return metrics, f"line {i}: {name} is given twice"
        metrics[name] = number
    return metrics, None


def parse_links(text: str) -> tuple[list[str], str | None]:
    links: list[str] = []
    for i, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if not re.fullmatch(r"https?://\S+", line):
            return links, f"line {i}: a run link starts with http:// or https:// and has no spaces"
        links.append(line)
    return links, None


class OutcomeDialog(FormDialog[OutcomeForm]):
    """Outcome, TLDR, metrics and run links; errors show under their field, nothing is lost."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="save", tooltip="Save the outcome locally"),
    ]

    def __init__(self, number: int, title: str, current: str | None = None) -> None:
        super().__init__()
        self.number = number
        self.card_title = title
        self.current = current if current in OUTCOME_CHOICES else None

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="outcome-dialog"):
            yield Static(
                Text.assemble(("Log outcome  ", "bold"), f"#{self.number} ", lit(self.card_title)),
                classes="dialog-title",
            )
            yield Label("Outcome")
            with RadioSet(id="outcome"):
                for choice in OUTCOME_CHOICES:
                    yield RadioButton(
                        choice,
                        value=choice == self.current,
                        id=f"outcome-{choice.replace(' ', '-')}",
                    )
            yield Static(id="outcome-error", classes="field-error")
            yield Label("TLDR: what did the experiment show, in one line")
            yield Input(id="tldr", placeholder="e.g. AUC 0.81 on the hold-out month: go to model")
            yield Static(id="tldr-error", classes="field-error")
            yield Label("Metrics: one name=value a line")
            yield TextArea(id="metrics", soft_wrap=False, show_line_numbers=False)
            yield Static(id="metrics-error", classes="field-error")
            yield Label("Run links: one URL a line")
            yield TextArea(id="links", soft_wrap=False)
            yield Static(id="links-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save  ctrl+s", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.prepare_fields()
        self.query_one(RadioSet).focus()

    def validate(self) -> OutcomeForm | None:
        """The form's value, or None after showing every error at once."""
        pressed = self.query_one(RadioSet).pressed_button
        status = str(pressed.label) if pressed is not None else ""
        tldr = " ".join(self.query_one("#tldr", Input).value.split())
        metrics, metrics_err = parse_metrics(self.query_one("#metrics", TextArea).text)
        links, links_err = parse_links(self.query_one("#links", TextArea).text)
        self.show_error("outcome", None if status else "choose succeeded, failed or on hold")
        self.show_error("tldr", None if tldr else "a TLDR is required: one line on what it showed")
        self.show_error("metrics", metrics_err)
        self.show_error("links", links_err)
        if not status or not tldr or metrics_err or links_err:
            return None
        return OutcomeForm(status=status, tldr=tldr, metrics=metrics, run_links=links)

    @on(Input.Submitted, "#tldr")
    def _next(self) -> None:
        self.query_one("#metrics", TextArea).focus()
