"""A project's phase board: seven phase columns and the unclassified issues, with a preview.

The board is read once per visit; filtering and hiding closed cards work on that snapshot in
memory, so typing in the filter costs no query however large the project is.

Above the columns, the phase strip names every phase in full with its count and gate mark, at
any width. Below it only columns with cards take room, as many whole ones as fit beside the
preview, the focused one always among them (`widgets.column_window`): h/l past the last one
on screen brings the next one in.
"""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, OptionList, Static

from dslp_tui.screens import board_drafts
from dslp_tui.screens.base import DslpScreen
from dslp_tui.text import safe
from dslp_tui.widgets.card_preview import CardPreview
from dslp_tui.widgets.column_window import column_window
from dslp_tui.widgets.phase_column import CardList, PhaseColumn, card_key
from dslp_tui.widgets.phase_strip import PhaseStrip, Segment, segment
from dslp_tui.widgets.render import lit
from dslp_tui.widgets.steady_footer import SteadyFooter
from store.read.board import Board, Card, board
from store.rules import PHASES

COLUMNS: tuple[str, ...] = (*PHASES, "unclassified")
MIN_WIDTH = 19  # "○ #4999 expt ⎇" on one line; fewer columns on screen rather than narrower
MAX_WIDTH = 60  # a project with two busy columns does not get two screen-wide ones
WIDE_ENOUGH_FOR_PREVIEW = 140


def search_text(card: Card) -> str:
    """What the filter looks in: the card's number, title, labels, kind, outcome and branch."""
    return " ".join(
        [
            f"#{card.number}",
            card.title,
            card.kind or "",
            card.outcome or "",
            card.branch or "",
            *list(card.labels),
        ]
    ).lower()


class BoardScreen(DslpScreen):
    """Ideation -> Monitoring columns with counts and gate status; `/` filters as you type."""

    BINDINGS = [
        Binding("slash", "filter", "Filter", id="filter", tooltip="Filter cards as you type"),
        Binding("c", "toggle_closed", "Closed", id="toggle-closed", tooltip="Show/hide closed"),
        Binding("p", "toggle_preview", "Preview", id="preview", tooltip="Show/hide the preview"),
        Binding("g", "gates", "Gates", id="gates", tooltip="Gate sign-offs of this project"),
        Binding("n", "new_card", "New card", id="new-card", tooltip="A new card, as a draft"),
        Binding(
            "o", "browser", "Browser", id="browser", tooltip="Open the card on GitHub", show=False
        ),
        Binding("y", "copy", "Copy URL", id="copy", show=False),
        Binding("h,left", "column(-1)", "Prev column", show=False),
        Binding("l,right", "column(1)", "Next column", show=False),
    ]

    def __init__(self, repo: str) -> None:
        super().__init__()
        self.repo = repo
        self.board: Board | None = None
        self.show_closed = True
        self.terms: list[str] = []
        self._cards: dict[str, Card] = {}  # card_key (the option id) -> card, drafts too
        self._search: dict[str, str] = {}  # card_key -> search_text, made at the first filter
        self._focused_once = False
        self._filter_opening = False
        self._anchor: str | None = None  # the column the window holds: the focused one
        self._first: str | None = None  # the window's first column
        self._segments: list[Segment] = []
        self._offscreen = 0  # columns with cards outside the window

    def compose(self) -> ComposeResult:
        yield Static(id="screen-title")
        yield Input(placeholder="filter: number, title, label, branch…", id="filter")
        yield PhaseStrip(id="phase-strip")
        with Horizontal(id="board-body"):
            with Horizontal(id="columns"):
                for phase in COLUMNS:
                    yield PhaseColumn(phase, id=f"list-{phase}")
                yield Static(id="board-empty")
            yield CardPreview(self.dslp.now, id="preview")
        yield SteadyFooter()

    def on_mount(self) -> None:
        filt = self.query_one("#filter", Input)
        filt.display = False
        self._blink(filt)
        self.query_one(CardPreview).display = self.app.size.width >= WIDE_ENOUGH_FOR_PREVIEW
        # Nothing to lay out until the cards arrive: an empty board laid out and painted first
        # costs two full layout passes, and the cards' arrival a third with other widths.
        self.query_one("#board-body").display = False
        self.query_one(PhaseStrip).display = False
        super().on_mount()

    async def load(self) -> None:
        repo = self.repo
        self.board = await self.dslp.read_first(f"board:{repo}", lambda s: board(s, repo))
        every = [c for cards in self.board.columns.values() for c in cards]
        every += self.board.unclassified
        self._cards = {card_key(c): c for c in every}
        self._search = {}
        self.refresh_board()
        self.dslp.painted("board")

    def _title(self) -> Text:
        title = Text.assemble(lit(self.repo, "bold"), (" · phase board", "bold"))
        if self.terms:
            title.append("   filter: ", style="dim")
            title.append_text(lit(" ".join(self.terms), "bold yellow"))
        if not self.show_closed:
            title.append("   closed cards hidden (c)", style="dim")
        if self._offscreen:
            many = "s" if self._offscreen > 1 else ""
            title.append(f"   {self._offscreen} column{many} off screen (h/l)", style="dim")
        return title

    def refresh_board(self) -> None:
        """Re-fill the columns from the snapshot with the current filter and closed toggle."""
        if self.board is None:
            return
        self._segments = []
        for phase in COLUMNS:
            all_cards = (
                self.board.unclassified if phase == "unclassified" else self.board.columns[phase]
            )
            shown = [
                c
                for c in all_cards
                if (self.show_closed or c.state == "open") and self._matches(c, self.terms)
            ]
            column = self.query_one(f"#list-{phase}", PhaseColumn)
            gate = self.board.gates.get(phase)
            column.show(shown, len(all_cards), gate)
            self._segments.append(segment(phase, column.title, len(shown), len(all_cards), gate))
        first_time = not self._focused_once
        if first_time:
            self._focused_once = True
            first = next((c for c in self._columns() if c.cards), None)
            self._anchor = first.phase if first else None
        self.fit_columns()
        self.query_one("#board-body").display = True
        self.query_one(PhaseStrip).display = True
        focused = self.focused
        if first_time or (isinstance(focused, PhaseColumn) and not focused.display):
            # The focused column has no card left (filtered, closed hidden): its neighbour.
            target = next((c for c in self._columns() if c.display), None)
            anchor = self._anchor
            if anchor is not None:
                target = self._column(self._resolve(anchor)) or target
            if target is not None:
                target.focus()
            elif focused is not None:
                self.set_focus(None)  # no card at all: no hidden list takes the keys
        self._update_preview()

    def _matches(self, card: Card, terms: list[str]) -> bool:
        """Every term appears in the card's search text (made once per card, not per key)."""
        if not terms:
            return True
        key = card_key(card)
        text = self._search.get(key)
        if text is None:
            text = self._search[key] = search_text(card)
        return all(term in text for term in terms)

    def _columns_area(self) -> int:
        """The width the columns share: the screen's, less the preview's when it shows.

        Worked out from the screen, not measured from `#columns`, so the widths are right
        before the first layout of the cards (measuring would need a layout, then another).
        """
        preview = self.query_one(CardPreview)
        width = self.size.width or self.app.size.width
        if preview.display and preview.styles.width is not None:
            width -= int(preview.styles.width.value)
        return width

    def fit_columns(self) -> None:
        """Show the window of whole columns with cards that holds the anchor, widths shared."""
        columns = self._columns()
        full = [c for c in columns if c.cards]
        keys = [c.phase for c in full]
        anchor = keys.index(self._resolve(self._anchor)) if full else 0
        first = keys.index(self._resolve(self._first)) if full else 0
        start, widths = column_window(
            [c.need(MIN_WIDTH) for c in full], self._columns_area(), anchor, first, MAX_WIDTH
        )
        self._first = keys[start] if full else None
        wanted = dict(zip(keys[start:], widths, strict=False))
        for column in columns:
            width = wanted.get(column.phase)
            if column.display != (width is not None):
                column.display = width is not None
            if width is None:
                continue
            if column.styles.width is None or column.styles.width.cells != width:
                column.styles.width = width
            column.label(width)
        empty = self.query_one("#board-empty", Static)
        empty.display = not full
        if not full:
            empty.update(self._empty_text())
        self._offscreen = len(full) - len(widths)
        self.query_one("#screen-title", Static).update(self._title(), layout=False)
        self._update_strip()

    def _resolve(self, key: str | None) -> str:
        """`key`'s column if it has cards, else the next one that has (else the last)."""
        full = [c.phase for c in self._columns() if c.cards]
        if key is None or not full:
            return full[0] if full else COLUMNS[0]
        at = COLUMNS.index(key)
        return next((p for p in full if COLUMNS.index(p) >= at), full[-1])

    def _empty_text(self) -> Text:
        if self.terms:
            return Text("No card matches the filter: escape clears it.", style="dim")
        if not self.show_closed:
            return Text("No open cards: c shows the closed ones too.", style="dim")
        return Text("No cards in this project yet: s syncs it with GitHub.", style="dim")

    def _update_strip(self) -> None:
        focused = self._current_list()
        key = focused.phase if focused is not None else self._anchor
        shown = [c.phase for c in self._columns() if c.display]
        self.query_one(PhaseStrip).show(self._segments, key, shown)

    def on_resize(self) -> None:
        self.call_after_refresh(self._refit)

    def _refit(self) -> None:
        """New widths after a resize or the preview's toggle, the focused column kept in."""
        self.fit_columns()

    # -- helpers ---------------------------------------------------------------------------

    def _lists(self) -> list[CardList]:
        return list(self.query(CardList))

    def _columns(self) -> list[PhaseColumn]:
        return list(self.query(PhaseColumn))

    def _column(self, key: str) -> PhaseColumn | None:
        return next((c for c in self._columns() if c.phase == key), None)

    def show_column(self, column: PhaseColumn) -> None:
        """Focus `column`, bringing it on screen first (an enter right after must land there)."""
        self._anchor = column.phase
        if not column.display:
            self.fit_columns()
        self.set_focus(column)
        self._update_strip()

    def _current_list(self) -> PhaseColumn | None:
        focused = self.focused
        return focused if isinstance(focused, PhaseColumn) else None

    def selected_card(self) -> Card | None:
        listing = self._current_list()
        option = listing.highlighted_option if listing else None
        return self._cards.get(option.id) if option is not None and option.id else None

    def _update_preview(self) -> None:
        self.query_one(CardPreview).show(self.repo, self.selected_card())

    def _url(self, card: Card) -> str | None:
        if card.html_url or card.number is None:  # a draft has no address until it is pushed
            return card.html_url
        return f"https://github.com/{safe(self.repo)}/issues/{card.number}"

    # -- events ----------------------------------------------------------------------------

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list is self.focused:
            self._update_preview()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None and event.option.id.isdigit():
            self.dslp.open_card(self.repo, int(event.option.id))
        elif event.option.id is not None and event.option.id in self._cards:
            board_drafts.open_draft(self, self._cards[event.option.id])

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        widget = event.widget
        if widget.id == "filter":
            self._filter_opening = False
        if isinstance(widget, PhaseColumn):  # by h/l, a click, tab: the window follows
            self._anchor = widget.phase
            if not widget.display:
                self.fit_columns()
        self._update_strip()
        self._update_preview()

    @on(PhaseStrip.Selected)
    def _strip_selected(self, event: PhaseStrip.Selected) -> None:
        column = self._column(event.key)
        if column is not None and column.cards:
            self.show_column(column)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.terms = event.value.lower().split()
        self.refresh_board()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        first = next((c for c in self._lists() if c.option_count), None)
        if first is not None:
            first.focus()

    def on_key(self, event: events.Key) -> None:
        """Open the filter at once and send the keys typed right after it there.

        A terminal delivers "/tabnet" typed fast in one read; the binding would run only after
        the letters had already gone to the board, so the filter key is handled here instead.
        """
        filt = self.query_one("#filter", Input)
        if filt.has_focus:
            return
        active = self.active_bindings.get(event.key)
        if active is not None and active.binding.action == "filter":
            self.action_filter()
        elif self._filter_opening and event.is_printable:
            filt.insert_text_at_cursor(event.character or "")
        else:
            return
        event.stop()
        event.prevent_default()

    # -- actions ---------------------------------------------------------------------------

    def action_filter(self) -> None:
        filt = self.query_one("#filter", Input)
        filt.display = True
        self._filter_opening = True
        self.set_focus(filt)

    def action_back(self) -> None:
        filt = self.query_one("#filter", Input)
        if filt.display and (filt.value or filt.has_focus):
            filt.value = ""
            filt.display = False
            self.terms = []
            self.refresh_board()
            first = next((c for c in self._lists() if c.option_count), None)
            if first is not None:
                first.focus()
            return
        super().action_back()

    def action_toggle_closed(self) -> None:
        self.show_closed = not self.show_closed
        self.refresh_board()

    def action_toggle_preview(self) -> None:
        preview = self.query_one(CardPreview)
        preview.display = not preview.display
        self.call_after_refresh(self._refit)

    def action_gates(self) -> None:
        self.dslp.open_gates(self.repo)

    def action_new_card(self) -> None:
        listing = self._current_list()
        board_drafts.new_card(self, listing.phase if listing else None)

    def action_column(self, delta: int) -> None:
        """Move to the next column that has cards, keeping about the same row."""
        lists = self._lists()
        current = self._current_list()
        start = lists.index(current) if current in lists else 0
        row = current.highlighted if current is not None and current.highlighted else 0
        for step in range(1, len(lists)):
            target = lists[(start + delta * step) % len(lists)]
            if target.option_count and isinstance(target, PhaseColumn):
                self.show_column(target)  # now, not later: an enter right after must land here
                if target.highlighted is not None:
                    target.highlighted = min(row, target.option_count - 1)
                return

    def action_browser(self) -> None:
        card = self.selected_card()
        if card is not None:
            self.dslp.open_url(self._url(card))

    def action_copy(self) -> None:
        card = self.selected_card()
        if card is not None:
            self.dslp.copy_url(self._url(card))
