"""The hand-off checklist of a Model card: space ticks an item, the screen stores it."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets.option_list import Option

from dslp_tui.widgets.nav_list import NavList
from dslp_tui.widgets.render import PENDING_SYNC, lit
from store.read.card import ChecklistView

ORIGIN_TAG = {"body": "issue", "standard": "dslp", "local": "added"}


class Checklist(NavList):
    """Items as `[x] text  origin`; space or enter asks the screen to toggle the highlighted one."""

    BINDINGS = [
        Binding(
            "space", "toggle_item", "Toggle", id="toggle-item", tooltip="Tick or untick the item"
        ),
    ]

    class Toggle(Message):
        def __init__(self, item: ChecklistView) -> None:
            super().__init__()
            self.item = item

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.items: list[ChecklistView] = []

    def show(self, items: list[ChecklistView]) -> None:
        keep = self.highlighted
        self.items = items
        options = []
        for i, item in enumerate(items):
            box = Text("[x] ", style="bold green") if item.done else Text("[ ] ", style="bold")
            line = Text.assemble(box, lit(item.text, "dim" if item.done else ""))
            line.append(f"  {ORIGIN_TAG.get(item.origin, item.origin)}", style="italic dim")
            if item.pending_sync:
                line.append(f"  {PENDING_SYNC}", style="bold yellow")
            options.append(Option(line, id=f"item-{i}"))
        self.set_options(options)
        if items:
            self.highlighted = min(keep or 0, len(items) - 1)

    def action_toggle_item(self) -> None:
        if self.highlighted is not None and self.highlighted < len(self.items):
            self.post_message(self.Toggle(self.items[self.highlighted]))

    def _on_option_list_option_selected(self, event: NavList.OptionSelected) -> None:
        event.stop()
        self.action_toggle_item()
