"""A board column: an OptionList of cards, its count and gate status in its border.

OptionList, not ListView: it paints thousands of rows in a fraction of a second. Still, every
option is measured (wrapped) when it is added, so a column renders one page (`CAP` cards) and
ends with an "N more" line; reaching that line appends the next page (`PAGE`). A 5,000-card
column opens as fast as a 50-card one, every card stays reachable, and the filter narrows it.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from dslp_tui.widgets.nav_list import NavList
from dslp_tui.widgets.render import card_prompt, gate_text, phase_title
from store.read.board import Card
from store.read.gates import GateStatus

CAP = 20  # cards rendered when a column is filled: two screens of them at 120x40
PAGE = 200  # cards appended each time the cursor reaches the "N more" line
MORE_ID = "more"


def card_key(card: Card) -> str:
    """The card's option id: its number, or for a draft not yet numbered its draft id."""
    return str(card.number) if card.number is not None else f"draft-{card.draft}"


class CardList(NavList):
    """The cards of one column; left/right go to the board (OptionList would scroll sideways)."""

    BINDINGS = [
        Binding("enter", "select", "Open", id="open-card", tooltip="Open the card"),
        Binding("left,h", "screen.column(-1)", "Prev column", show=False),
        Binding("right,l", "screen.column(1)", "Next column", show=False),
    ]

    def __init__(self, phase: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.phase = phase
        self.cards: list[Card] = []
        self.rendered = 0
        self._lines_width: int | None = None  # the width the option heights were measured at

    def _update_lines(self) -> None:
        measured = len(self._line_cache.lines)
        super()._update_lines()
        if len(self._line_cache.lines) != measured:
            self._lines_width = self.scrollable_content_region.width

    @property
    def _lines(self) -> Sequence[tuple[int, int]]:
        """The (option, line) pairs, re-measured only when options were added since.

        OptionList brings its lines up to date on every painted line, and working out that
        nothing changed costs more than painting the line: a board paints hundreds of them.
        """
        lines = self._line_cache.lines
        if lines and lines[-1][0] == len(self.options) - 1:
            return lines
        self._update_lines()
        return self._line_cache.lines

    def _on_resize(self, event: events.Resize | None = None) -> None:
        """Re-measure the cards only when the width changed.

        OptionList drops its caches on every resize, and the first layout of a board sends
        one right after the lists were measured at that very width: every card was wrapped
        twice. Only OptionList handles Resize below this class, so stopping the default here
        skips nothing else.
        """
        if event is not None and self.scrollable_content_region.width == self._lines_width:
            event.prevent_default()  # no refresh either: the new size already repainted it

    def fill(self, cards: list[Card], keep: str | None) -> None:
        """Show the first page of `cards`, on `keep`'s card when it is among them."""
        self.cards = cards
        upto = CAP
        if keep is not None:
            at = next((i for i, c in enumerate(cards) if card_key(c) == keep), None)
            if at is not None and at >= CAP:
                upto = at + 1 + PAGE // 4  # the kept card and a little after it
        self.rendered = 0
        self.set_options(self._page(upto))
        if self.option_count:
            index = 0
            if keep is not None:
                try:
                    index = self.get_option_index(keep)
                except OptionDoesNotExist:  # the card left this column (filtered out or closed)
                    index = 0
            self.highlighted = index

    def _page(self, upto: int) -> list[Option | None]:
        """Options for cards[rendered:upto], then the "N more" line if cards remain."""
        options: list[Option | None] = []
        for card in self.cards[self.rendered : upto]:
            if options or self.rendered:
                options.append(None)  # a rule between cards
            options.append(Option(card_prompt(card), id=card_key(card)))
        self.rendered = min(upto, len(self.cards))
        left = len(self.cards) - self.rendered
        if left > 0:
            more = Text(f"… {left:,} more: ↓ shows them, / filters", style="italic dim")
            options.extend([None, Option(more, id=MORE_ID)])
        return options

    def more(self) -> None:
        """Replace the "N more" line with the next page of cards."""
        if self.rendered >= len(self.cards):
            return
        at = self.get_option_index(MORE_ID)
        self.remove_option(MORE_ID)
        if self.highlighted is None or self.highlighted >= self.option_count:
            self.highlighted = max(0, at - 1)
        self.add_options(self._page(self.rendered + PAGE))

    def _on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id == MORE_ID:
            self.call_later(self._more_and_step, event.option_index)

    def _more_and_step(self, index: int) -> None:
        if self.highlighted == index and self.rendered < len(self.cards):
            self.more()
            self.highlighted = index  # the first card of the new page, where "more" was


BORDER_LABEL_COST = 6  # corners, a rule and a space either side of a border title
# The gate status in a column's bottom border: the words that fit (the gate screen has all).
SHORT_GATE = (
    ("changes requested", "changes"),
    ("changes-requested", "changes"),
    ("sign-off due", "sign-off"),
)


class PhaseColumn(CardList):
    """One phase (or the unclassified issues) of the board: one widget, its list of cards.

    The title and count are the border title, the gate status the border subtitle: a column
    is a single widget, so the compositor cuts each screen line at 8 columns' edges, not 32.
    The board makes a column as wide as its `need()`; one narrower still (a tiny terminal)
    shortens the phase name, never the count. The full names are in the phase strip.
    """

    def __init__(self, phase: str, *, id: str | None = None) -> None:
        super().__init__(phase, id=id, classes="phase-column card-list")
        self._count = ""
        self._gate: GateStatus | None = None
        self._label_width = 24

    @property
    def title(self) -> str:
        return "Unclassified" if self.phase == "unclassified" else phase_title(self.phase)

    @property
    def listing(self) -> CardList:
        return self

    def label(self, width: int) -> None:
        """Border title and subtitle fitted to a column `width` cells wide."""
        self._label_width = width
        room = max(1, width - BORDER_LABEL_COST)
        count = self._count
        if "/" in count and len(count) + 2 > room:  # "1514/2292" would crowd out the name
            count = count.split("/")[0]  # the cards shown; the total is on the filter line
        name = self.title
        left = room - (len(count) + 1 if count else 0)
        if count and left < 2:
            name = ""  # the count alone: never a cut number
        elif len(name) > left:
            name = name[: max(0, left - 1)] + "…"
        title = Text(name, style="bold")
        if count:
            title.append(f" {count}" if name else count, style="bold cyan")
        self.border_title = title
        if self.phase == "unclassified":
            self.border_subtitle = Text("no label", style="dim")
        else:
            gate = gate_text(self._gate)
            short = gate.plain
            for long, brief in SHORT_GATE:
                short = short.replace(long, brief)
            if len(short) > max(1, width - BORDER_LABEL_COST):
                short = short.replace("no cards", "none")
            self.border_subtitle = Text(short, style=gate.style)

    def need(self, least: int) -> int:
        """The width (at least `least`) at which the title and the count of shown cards fit."""
        count = self._count.split("/")[0]
        return max(least, BORDER_LABEL_COST + len(self.title) + (len(count) + 1 if count else 0))

    def show(self, cards: list[Card], total: int, gate: GateStatus | None) -> None:
        """Replace the column's cards, keeping the highlight on the same card when it stays."""
        count = f"{len(cards)}" if len(cards) == total else f"{len(cards)}/{total}"
        self._count = count if cards or total else ""
        self._gate = gate
        self.label(self._label_width)
        self.set_class(not cards, "-empty")
        option = self.highlighted_option
        self.fill(cards, option.id if option is not None and option.id != MORE_ID else None)
