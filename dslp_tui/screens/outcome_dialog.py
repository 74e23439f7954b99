"""The Log outcome form of an Experiment card: checked here, saved by the caller at once.

It shows what the outcome will set off on GitHub before it is saved ("closes #12 and PR #41
unmerged"): the same plan `dslp log` queues, asked of the store as the choices change."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    Label,
    RadioButton,
    RadioSet,
    Select,
    Static,
    TextArea,
)

from dslp_tui.screens.form_dialog import FormDialog
from dslp_tui.widgets.render import lit
from store.outbox import COMMIT, NEXT_STEPS, OUTCOME_CHOICES

# (status, next step, keep open, next title) -> what the save will do on GitHub, one per line
Preview = Callable[[str, str | None, bool, str | None], Awaitable[list[str]]]

_METRIC_NAME = re.compile(r"^[A-Za-z_][\w.\-/@]*$")


@dataclass(frozen=True)
class OutcomeForm:
    status: str
    tldr: str
    metrics: dict[str, float | int] = field(default_factory=dict)
    run_links: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    commit: str | None = None
    next_step: str | None = None
    next_title: str | None = None
    keep_open: bool = False


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


def parse_params(text: str) -> tuple[dict[str, Any], str | None]:
    """`name=value` lines, read as `dslp log --param` reads them (words allowed, numbers kept)."""
    from dslp_tui.errors import UsageError
    from dslp_tui.offline_commands import parse_pairs

    params: dict[str, Any] = {}
    for i, raw in enumerate(text.splitlines(), 1):
        if raw.strip():
            try:
                params.update(parse_pairs([raw.strip()], "parameter", numbers=False))
            except UsageError:
                return params, f"line {i}: write name=value, e.g. depth=6"
    return params, None


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

    def __init__(
        self,
        number: int,
        title: str,
        current: str | None = None,
        preview: Preview | None = None,
    ) -> None:
        super().__init__()
        self.number = number
        self.card_title = title
        self.current = current if current in OUTCOME_CHOICES else None
        self.preview = preview

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
            yield Static(id="consequences", classes="consequences")
            yield Label("TLDR: what did the experiment show, in one line")
            yield Input(id="tldr", placeholder="e.g. AUC 0.81 on the hold-out month: go to model")
            yield Static(id="tldr-error", classes="field-error")
            yield Label("Metrics: one name=value a line")
            yield TextArea(id="metrics", soft_wrap=False, show_line_numbers=False)
            yield Static(id="metrics-error", classes="field-error")
            yield Label("Run links: one URL a line")
            yield TextArea(id="links", soft_wrap=False)
            yield Static(id="links-error", classes="field-error")
            yield Label("Parameters: one name=value a line")
            yield TextArea(id="params", soft_wrap=False)
            yield Static(id="params-error", classes="field-error")
            yield Label("Commit")
            yield Input(id="commit", placeholder="the commit the run used (4-40 hex digits)")
            yield Static(id="commit-error", classes="field-error")
            yield Label("Next step")
            yield Select(
                [("none", "none"), *((step, step) for step in NEXT_STEPS)],
                value="none",
                allow_blank=False,
                id="next",
            )
            yield Static(id="next-error", classes="field-error")
            yield Input(id="next-title", placeholder="title of the card the next step opens")
            yield Checkbox("Keep a failed experiment and its PRs open", id="keep-open")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save  ctrl+s", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.prepare_fields()
        self.query_one(RadioSet).focus()
        self._changed()

    def _choices(self) -> tuple[str, str | None, bool, str | None]:
        pressed = self.query_one("#outcome", RadioSet).pressed_button
        status = str(pressed.label) if pressed is not None else ""
        step = str(self.query_one("#next", Select).value)
        title = " ".join(self.query_one("#next-title", Input).value.split()) or None
        keep = self.query_one("#keep-open", Checkbox).value
        return status, None if step == "none" else step, keep, title

    @on(RadioSet.Changed)
    @on(Checkbox.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        if self.preview is not None:
            # the function, not a coroutine: a run cancelled by the next change never starts
            work: Any = self._show_consequences
            self.run_worker(work, exclusive=True, group="preview")

    async def _show_consequences(self) -> None:
        status, step, keep, title = self._choices()
        widget = self.query_one("#consequences", Static)
        if not status or self.preview is None:
            widget.update(Text("Choose an outcome to see what the next sync will do.", "dim"))
            return
        if step == "open-model" and status != "succeeded":
            widget.update(Text("open-model follows a succeeded experiment only.", "yellow"))
            return
        says = await self.preview(status, step, keep, title)
        lines = ["the outcome comment and its label", *says]
        widget.update(Text("On the next sync: " + "; ".join(lines) + ".", style="bold"))

    def validate(self) -> OutcomeForm | None:
        """The form's value, or None after showing every error at once."""
        pressed = self.query_one(RadioSet).pressed_button
        status = str(pressed.label) if pressed is not None else ""
        tldr = " ".join(self.query_one("#tldr", Input).value.split())
        metrics, metrics_err = parse_metrics(self.query_one("#metrics", TextArea).text)
        links, links_err = parse_links(self.query_one("#links", TextArea).text)
        params, params_err = parse_params(self.query_one("#params", TextArea).text)
        commit = self.query_one("#commit", Input).value.strip() or None
        commit_err = None if commit is None or COMMIT.fullmatch(commit) else "4-40 hex digits"
        _status, step, keep, next_title = self._choices()
        next_err = (
            "open-model follows a succeeded experiment only"
            if step == "open-model" and status != "succeeded"
            else None
        )
        self.show_error("outcome", None if status else "choose succeeded, failed or on hold")
        self.show_error("tldr", None if tldr else "a TLDR is required: one line on what it showed")
        self.show_error("metrics", metrics_err)
        self.show_error("links", links_err)
        self.show_error("params", params_err)
        self.show_error("commit", commit_err)
        self.show_error("next", next_err)
        if not status or not tldr or metrics_err or links_err or params_err or commit_err:
            return None
        if next_err:
            return None
        return OutcomeForm(
            status=status,
            tldr=tldr,
            metrics=metrics,
            run_links=links,
            params=params,
            commit=commit,
            next_step=step,
            next_title=next_title,
            keep_open=keep,
        )

    @on(Input.Submitted, "#tldr")
    def _next(self) -> None:
        self.query_one("#metrics", TextArea).focus()
