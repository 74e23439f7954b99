"""The pane beside the board: the highlighted card's summary, so a lead can sweep a column."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from dslp_tui.text import ago
from dslp_tui.widgets.render import PENDING_SYNC, lit, outcome_badge, phase_title, state_icon
from store.read.board import Card


class CardPreview(Static):
    """Summary of a `Card` from the board query: no extra reads, so it follows the cursor freely."""

    def __init__(self, now: Callable[[], datetime], **kwargs: object) -> None:
        super().__init__(Text("No card selected", style="dim"), **kwargs)  # type: ignore[arg-type]
        self._now = now

    def show(self, repo: str, card: Card | None) -> None:
        if card is None:
            self.update(Text("No card selected", style="dim"))
            return
        text = Text.assemble((f"#{card.number} ", "bold"), lit(card.title, "bold"), "\n\n")
        text.append_text(state_icon(card.state))
        text.append(f" {card.state}")
        text.append(f"  ·  {card.kind or 'unclassified'}")
        if card.phase:
            text.append(f"  ·  {phase_title(card.phase)}")
        text.append("\n")
        if card.outcome:
            text.append("\nOutcome  ")
            text.append_text(outcome_badge(card.outcome))
            text.append("\n")
        if card.branch:
            text.append("\nBranch   ")
            text.append_text(lit(card.branch, "cyan"))
            text.append("\n")
        if card.labels:
            text.append("\nLabels   ")
            for i, label in enumerate(card.labels):
                if i:
                    text.append(", ")
                text.append_text(lit(label, "italic"))
            text.append("\n")
        if card.updated_at:
            text.append(f"\nUpdated  {ago(card.updated_at, self._now())}\n")
        if card.pending_sync:
            text.append(f"\n{PENDING_SYNC}\n", style="bold yellow")
        text.append("\n")
        text.append_text(lit(repo, "dim"))
        text.append("\n\nenter open · o browser · y copy URL", style="dim")
        self.update(text)
