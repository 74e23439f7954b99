"""The strip above the board's columns: every phase by its full name, its count and gate mark.

The columns below show what fits the screen; the strip shows the whole lifecycle at once, so
no phase loses its name at 80 columns and empty phases take no column at all. It lays itself
out in the first shape that fits the width, widest first:

1. one line: `Ideation 1 ✔ › Data 2 ✔ › … │ Unclassified 1`;
2. two lines, each phase a cell with its name above its count and mark, `›` between cells;
3. the same without the arrows;
4. the same with the counts shortened (`1514` for `1514/2292`; the mark without its space);
5. the short cells flowing over as many lines as they need.

The focused phase is highlighted, phases with a column on screen are bold, empty ones dim.
A click on a phase with cards selects it (`PhaseStrip.Selected`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget

from dslp_tui.widgets.render import gate_text
from store.read.gates import GateStatus

ARROW = "›"  # DSLP's flow, left to right
APART = "│"  # before the unclassified issues: not a phase
MARKS = ("✔", "⚠", "✘")


@dataclass(frozen=True)
class Segment:
    """One phase (or the unclassified issues) as the strip shows it."""

    key: str
    name: str
    count: str  # "4", "12/40" (filtered), "0"
    mark: Text  # the gate's ✔ ⚠ ✘ in its colour, or empty

    @property
    def empty(self) -> bool:
        return self.count.split("/")[0] == "0"

    def tail(self, short: bool) -> Text:
        """The count and mark: "12/40 ⚠", or "12⚠" when short."""
        count = self.count.split("/")[0] if short else self.count
        text = Text(count, style="bold cyan" if not self.empty else "")
        if self.mark:
            if not short:
                text.append(" ")
            text.append_text(self.mark)
        return text


def segment(key: str, name: str, shown: int, total: int, gate: GateStatus | None) -> Segment:
    """A strip segment from a column's shown and total card counts and its gate."""
    count = f"{shown}" if shown == total else f"{shown}/{total}"
    mark = Text()
    if key != "unclassified":
        gate_mark = gate_text(gate)
        if gate_mark.plain[:1] in MARKS:
            mark = Text(gate_mark.plain[:1], style=gate_mark.style)
    return Segment(key, name, count, mark)


@dataclass(frozen=True)
class Cell:
    """What one segment shows on one line: `text` at column `x`, `width` cells with padding."""

    key: str
    line: int
    x: int
    width: int
    text: Text


def _one_line(segments: Sequence[Segment]) -> list[Cell]:
    cells: list[Cell] = []
    x = 0
    for i, seg in enumerate(segments):
        if i:
            x += 1  # the separator
        text = Text(seg.name)
        text.append(" ")
        text.append_text(seg.tail(short=False))
        width = text.cell_len + 2
        cells.append(Cell(seg.key, 0, x, width, text))
        x += width
    return cells


def _grid(segments: Sequence[Segment], *, gap: int, short: bool) -> list[Cell]:
    cells: list[Cell] = []
    x = 0
    for i, seg in enumerate(segments):
        if i:
            x += gap
        tail = seg.tail(short)
        width = max(cell_len(seg.name), tail.cell_len) + 2
        cells.append(Cell(seg.key, 0, x, width, Text(seg.name)))
        cells.append(Cell(seg.key, 1, x, width, tail))
        x += width
    return cells


def _flow(segments: Sequence[Segment], width: int) -> list[Cell]:
    cells: list[Cell] = []
    x = line = 0
    for seg in segments:
        text = Text(seg.name)
        text.append(" ")
        text.append_text(seg.tail(short=True))
        cell_width = min(width, text.cell_len + 2)
        if x and x + cell_width > width:
            x, line = 0, line + 1
        cells.append(Cell(seg.key, line, x, cell_width, text))
        x += cell_width
    return cells


def strip_cells(segments: Sequence[Segment], width: int) -> list[Cell]:
    """The cells of the first layout (see the module's docstring) that fits `width`."""
    for cells in (
        _one_line(segments),
        _grid(segments, gap=1, short=False),
        _grid(segments, gap=0, short=False),
        _grid(segments, gap=0, short=True),
    ):
        if not cells or max(c.x + c.width for c in cells) <= width:
            return cells
    return _flow(segments, width)


class PhaseStrip(Widget):
    """All phases of the board in a line or two: name, count and gate mark, the focus shown."""

    DEFAULT_CSS = """
    PhaseStrip {
        height: auto;
    }
    """
    COMPONENT_CLASSES = {
        "phase-strip--focused",
        "phase-strip--shown",
        "phase-strip--empty",
        "phase-strip--separator",
    }

    class Selected(Message):
        """A phase with cards was clicked: the board moves to its column."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.segments: tuple[Segment, ...] = ()
        self.focused_key: str | None = None
        self.shown_keys: frozenset[str] = frozenset()
        self._cells: tuple[int, tuple[Segment, ...], list[Cell]] | None = None

    def show(
        self,
        segments: Sequence[Segment],
        focused: str | None,
        shown: Sequence[str],
    ) -> None:
        """The phases, the focused one and those with a column on screen; repaints on change."""
        segments, shown_keys = tuple(segments), frozenset(shown)
        if (segments, focused, shown_keys) == (self.segments, self.focused_key, self.shown_keys):
            return
        relayout = len(segments) != len(self.segments) or any(
            (a.name, a.count, a.mark.plain) != (b.name, b.count, b.mark.plain)
            for a, b in zip(segments, self.segments, strict=False)
        )
        self.segments, self.focused_key, self.shown_keys = segments, focused, shown_keys
        self.refresh(layout=relayout)

    def cells(self, width: int) -> list[Cell]:
        cached = self._cells
        if cached is not None and cached[0] == width and cached[1] == self.segments:
            return cached[2]
        cells = strip_cells(self.segments, width)
        self._cells = (width, self.segments, cells)
        return cells

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        cells = self.cells(width)
        return 1 + max((c.line for c in cells), default=0)

    def _style(self, key: str, empty: bool) -> Style:
        if key == self.focused_key:
            return self.get_component_rich_style("phase-strip--focused")
        if empty:
            return self.get_component_rich_style("phase-strip--empty")
        if key in self.shown_keys:
            return self.get_component_rich_style("phase-strip--shown")
        return Style()

    def render(self) -> Text:
        width = self.content_region.width or self.size.width
        cells = self.cells(width)
        lines = [Text() for _ in range(1 + max((c.line for c in cells), default=0))]
        empty = {s.key for s in self.segments if s.empty}
        keys = [s.key for s in self.segments]
        separator = self.get_component_rich_style("phase-strip--separator")
        for cell in cells:
            line = lines[cell.line]
            if cell.x > line.cell_len:  # the gap before it: an arrow on the names' line
                gap = cell.x - line.cell_len
                nxt = keys.index(cell.key)
                sign = APART if cell.key == "unclassified" else ARROW
                show_sign = cell.line == 0 and gap == 1 and nxt > 0
                line.append(sign if show_sign else " " * gap, style=separator)
            body = Text(" ", style=self._style(cell.key, cell.key in empty))
            body.append_text(cell.text)
            body.truncate(cell.width - 1, overflow="ellipsis")
            body.append(" " * (cell.width - body.cell_len))
            line.append_text(body)
        return Text("\n").join(lines)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        for cell in self.cells(self.content_region.width):
            if cell.line == offset.y and cell.x <= offset.x < cell.x + cell.width:
                if not next(s for s in self.segments if s.key == cell.key).empty:
                    self.post_message(self.Selected(cell.key))
                return
