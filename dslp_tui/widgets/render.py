"""Rich `Text` renderers for cards, badges and bars.

Everything that comes from data goes through `lit()`: stripped of escapes and controls and
wrapped in `Text`, so a title like `[bold red]x[/bold red]` shows its brackets.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from rich.text import Text

from dslp_tui.text import ago, safe
from store.read.board import Card
from store.read.gates import GateStatus
from store.read.portfolio import ModelInfo
from store.rules import PHASE_TITLES, PHASES

STALE_DAYS = 7
KIND_SHORT = {
    "ask": "ask",
    "data": "data",
    "explore": "expl",
    "experiment": "expt",
    "model": "model",
}
OUTCOME_STYLE = {
    "succeeded": "bold black on green",
    "failed": "bold white on red",
    "on hold": "bold black on yellow",
    "blocked - need access": "bold black on dark_orange",
}
OUTCOME_ICON = {"succeeded": "✔", "failed": "✘", "on hold": "⏸", "blocked - need access": "⛔"}
HEALTH_STYLE = {
    "healthy": "green",
    "drifting": "yellow",
    "retraining": "dark_orange",
    "rolled-back": "red",
}
DECISION_STYLE = {"approved": "green", "changes-requested": "yellow", "rejected": "red"}
PENDING_SYNC = "⇡ pending sync"
_BLOCKS = " ▁▂▃▄▅▆▇█"


def lit(value: str | None, style: str = "") -> Text:
    """Data as literal text: never markup, never escape sequences."""
    return Text(safe(value), style=style)


def outcome_badge(outcome: str | None) -> Text:
    if not outcome:
        return Text()
    label = "blocked" if outcome.startswith("blocked") else outcome
    return Text(
        f" {OUTCOME_ICON.get(outcome, '')} {label} ", style=OUTCOME_STYLE.get(outcome, "reverse")
    )


def state_icon(state: str) -> Text:
    return Text("○", style="green") if state == "open" else Text("●", style="magenta")


def card_prompt(card: Card) -> Text:
    """A card in a board column: number, state, kind, branch, then the title, then badges.

    The column wraps it between words (a word wider than the column ends in "…": the
    board's `text-overflow: ellipsis`), so each part starts a line of its own.
    """
    closed = card.state != "open"
    head = Text.assemble(
        state_icon(card.state),
        (
            f" #{card.number}" if card.number is not None else " new",
            "bold dim" if closed else "bold",
        ),
        (f" {KIND_SHORT.get(card.kind or '', '—')}", "dim"),
    )
    if card.branch:
        head.append(" ⎇", style="cyan")
    text = Text.assemble(head, "\n", lit(card.title, "dim" if closed else ""))
    if card.outcome:
        text.append("\n")
        text.append_text(outcome_badge(card.outcome))
    if card.pending_sync:  # a line of its own: "⇡" never left at the end of the badge's line
        text.append("\n")
        text.append(PENDING_SYNC, style="bold yellow")
    return text


def gate_text(gate: GateStatus | None) -> Text:
    if gate is None:
        return Text("no gate", style="dim")
    if gate.pending:
        if gate.decision == "rejected":
            return Text("✘ rejected", style="bold red")
        if gate.decision:
            return Text(f"⚠ {gate.decision.replace('-', ' ')}", style="bold yellow")
        return Text("⚠ sign-off due", style="bold yellow")
    if gate.decision:
        return Text(f"✔ {gate.decision}", style=DECISION_STYLE.get(gate.decision, ""))
    return Text("· no cards", style="dim")


def mini_bar(cards: dict[str, int], current: str) -> Text:
    """One block per phase, height by card count; the project's phase in bold colour."""
    top = max(cards.values(), default=0) or 1
    bar = Text()
    for phase in PHASES:
        n = cards.get(phase, 0)
        glyph = "·" if n == 0 else _BLOCKS[max(1, round(n / top * 8))]
        bar.append(glyph, style="bold cyan" if phase == current else "blue")
    return bar


def synced_text(when: datetime | None, now: datetime) -> Text:
    """'9 days ago', in warning colours when older than a week: teams sync weekly."""
    label = ago(when, now)
    if when is None:
        return Text(label, style="bold black on yellow")
    aware = when if when.tzinfo else when.replace(tzinfo=now.tzinfo)
    if now - aware > timedelta(days=STALE_DAYS):
        return Text(f" {label} ", style="bold black on yellow")
    return Text(label)


def health_text(health: str | None) -> Text:
    if not health:
        return Text("—", style="dim")
    return Text(health, style=HEALTH_STYLE.get(health, ""))


def models_cell(models: list[ModelInfo]) -> Text:
    """Models in production and their health: one model named, many counted by health.

    A project with 144 live models gets "144: 130 healthy, 14 drifting", not 144 words.
    """
    live = [m for m in models if m.phase == "monitoring"]
    if not live:
        return Text("—", style="dim")
    if len(live) == 1:
        return Text("1 ").append_text(health_text(live[0].health))
    counts = Counter(m.health for m in live)
    order = [*HEALTH_STYLE, *sorted(h for h in counts if h and h not in HEALTH_STYLE), None]
    out = Text(f"{len(live)}: ")
    for i, health in enumerate(h for h in order if counts[h]):
        if i:
            out.append(", ")
        out.append(f"{counts[health]} ")
        out.append_text(health_text(health) if health else Text("no health", style="dim"))
    return out


def phase_title(phase: str) -> str:
    return PHASE_TITLES.get(phase, phase.title())
