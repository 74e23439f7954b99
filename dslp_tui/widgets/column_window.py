"""Which of the board's columns are on screen, and how wide: a pure function of their needs.

Only columns with cards take room (the phase strip names the empty ones). When they do not all
fit, the board shows a window of whole columns that holds the focused one, moved as little as
possible as the focus moves, so no column is ever cut at the screen's edge and the focused one
is never clipped. The columns on screen share the width left over evenly, each at least as wide
as it needs to show its title and count whole.
"""

from __future__ import annotations

from collections.abc import Sequence


def column_window(
    needs: Sequence[int], area: int, anchor: int, first: int, max_width: int
) -> tuple[int, list[int]]:
    """(index of the first column shown, widths of the columns shown from it).

    `needs` are the columns' smallest widths in board order, `area` the width they share,
    `anchor` the focused column (always shown), `first` the window's first column until now
    (kept when the anchor is still inside). No column grows past `max_width`; a single column
    wider than the area gets the area.
    """
    n = len(needs)
    if n == 0:
        return 0, []
    anchor = min(max(anchor, 0), n - 1)
    if sum(needs) <= area:
        first, last = 0, n - 1
    else:
        first = min(max(first, 0), anchor)
        while first < anchor and sum(needs[first : anchor + 1]) > area:
            first += 1
        last = anchor
        while last + 1 < n and sum(needs[first : last + 2]) <= area:
            last += 1
        while first > 0 and sum(needs[first - 1 : last + 1]) <= area:
            first -= 1
    widths = [min(need, area) for need in needs[first : last + 1]]
    extra = area - sum(widths)
    while extra > 0:  # the narrowest column that may grow, one cell at a time
        growable = [i for i, w in enumerate(widths) if w < max_width]
        if not growable:
            break
        widths[min(growable, key=lambda i: (widths[i], i))] += 1
        extra -= 1
    return first, widths
