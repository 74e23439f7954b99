"""An OptionList that also answers to vim keys, for every list a user walks in the app."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import OptionList


class NavList(OptionList):
    """OptionList with j/k beside the arrows (the board, lineage and checklist all use it)."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def highlighted_number(self) -> int | None:
        """The highlighted option's id as an issue number (None on an info line)."""
        option = self.highlighted_option
        if option is None or option.id is None or not option.id.isdigit():
            return None
        return int(option.id)
