"""The pane beside the board: the highlighted card's summary, so a lead can sweep a column."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from rich.text import Text
from textual.visual import visualize
from textual.widgets import Static

from dslp_tui.text import ago
from dslp_tui.widgets.render import PENDING_SYNC, lit, outcome_badge, phase_title, state_icon
from store.read.board import Card


class CardPreview(Static):
    """Summary of a `Card` from the board query: no extra reads, so it follows the cursor freely."""

    def __init__(self, now: Callable[[], datetime], **kwargs: object) -> None:
        super().__init__(Text("No card selected", style="dim"), **kwargs)  # type: ignore[arg-type]
        self._now = now
        self._fitted = False  # the text shown fits the pane: no scrollbar, nothing to lay out

    def _set(self, text: Text) -> None:
        """Show `text`; lay the screen out again only when it or the last one needs scrolling.

        The pane's size is fixed by the stylesheet, so a summary that fits changes nothing
        around it: at 200x60 a layout per cursor step was most of a key press's cost.
        """
        region = self.content_region
        fits = bool(region) and (
            visualize(self, text, markup=False).get_height(cast(Any, self.styles), region.width)
            <= region.height
        )
        # Hidden (below 140 columns until p), the display toggle lays it out when it shows.
        self.update(text, layout=self.display and not (fits and self._fitted))
        self._fitted = fits

    def show(self, repo: str, card: Card | None) -> None:
        if card is None:
            self._set(Text("No card selected", style="dim"))
            return
        number = f"#{card.number} " if card.number is not None else "new "
        text = Text.assemble((number, "bold"), lit(card.title, "bold"), "\n\n")
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
        self._set(text)
