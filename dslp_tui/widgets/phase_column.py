"""A board column: a header with count and gate status over an OptionList of cards.

OptionList, not ListView: it paints thousands of rows in a fraction of a second. Columns
still cap what they render (`CAP`) and end with an "N more" line, so a 5,000-card column
costs the same as a 300-card one; the filter narrows it.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static
from textual.widgets.option_list import Option, OptionDoesNotExist

from dslp_tui.widgets.nav_list import NavList
from dslp_tui.widgets.render import card_prompt, gate_text, phase_title
from store.queries import Card, GateStatus

CAP = 300


class CardList(NavList):
    """The cards of one column; left/right go to the board (OptionList would scroll sideways)."""

    BINDINGS = [
        Binding("left,h", "screen.column(-1)", "Prev column", show=False),
        Binding("right,l", "screen.column(1)", "Next column", show=False),
    ]

    def __init__(self, phase: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.phase = phase


class PhaseColumn(Vertical):
    """One phase (or the unclassified issues) of the board."""

    def __init__(self, phase: str, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="phase-column")
        self.phase = phase

    def compose(self) -> ComposeResult:
        yield Static(Text(self.title), classes="column-title")
        yield Static(Text(""), classes="column-gate")
        yield CardList(self.phase, id=f"list-{self.phase}", classes="card-list")

    @property
    def title(self) -> str:
        return "Unclassified" if self.phase == "unclassified" else phase_title(self.phase)

    @property
    def cards(self) -> CardList:
        return self.query_one(CardList)

    def show(self, cards: list[Card], total: int, gate: GateStatus | None) -> None:
        """Replace the column's cards, keeping the highlight on the same card when it stays."""
        count = f"{len(cards)}" if len(cards) == total else f"{len(cards)}/{total}"
        title = Text(self.title, style="bold")
        if cards or total:
            title.append(f" {count}", style="bold cyan")
        self.query_one(".column-title", Static).update(title)
        gate_line = (
            gate_text(gate) if self.phase != "unclassified" else Text("no label", style="dim")
        )
        self.query_one(".column-gate", Static).update(gate_line)
        self.set_class(not cards, "-empty")
        listing = self.cards
        keep = listing.highlighted_number()
        options: list[Option | None] = []
        for card in cards[:CAP]:
            if options:
                options.append(None)  # a rule between cards
            options.append(Option(card_prompt(card), id=str(card.number)))
        if len(cards) > CAP:
            more = Text(f"… {len(cards) - CAP:,} more: type / to filter", style="italic dim")
            options.extend([None, Option(more, disabled=True)])
        listing.set_options(options)
        if options:
            index = 0
            if keep is not None:
                try:
                    index = listing.get_option_index(str(keep))
                except OptionDoesNotExist:  # the card left this column (filtered out or closed)
                    index = 0
            listing.highlighted = index
