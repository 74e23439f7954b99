"""`?`: the keys of the screen beneath, read from its live bindings so it never goes stale."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

GENERAL = (
    ("↑↓←→ / hjkl", "move"),
    ("enter", "open / select"),
    ("escape", "back"),
    ("tab", "next pane"),
    ("ctrl+p", "command palette: projects, cards by number or title, actions"),
    ("mouse", "click to select, wheel to scroll"),
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,question_mark,q", "close", "Close", id="close-help"),
    ]

    def __init__(self, beneath: Screen[object]) -> None:
        super().__init__(classes="dialog-screen")
        self.beneath = beneath

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help"):
            yield Static(Text("Keys", style="bold"), classes="dialog-title")
            yield Static(self._keys(), id="help-keys")

    def _keys(self) -> Text:
        text = Text()
        seen: set[str] = set()
        rows: list[tuple[str, str]] = []
        for active in self.beneath.active_bindings.values():
            binding = active.binding
            # The screen's and the app's own keys; widget plumbing (page up...) stays out.
            if not isinstance(active.node, (Screen, App)) or binding.system:
                continue
            if not binding.description or binding.action in seen or not active.enabled:
                continue
            seen.add(binding.action)
            rows.append((self.app.get_key_display(binding), binding.tooltip or binding.description))
        text.append("This screen\n", style="bold underline")
        for key, what in rows:
            text.append(f"  {key:<12}", style="bold cyan")
            text.append(f"{what}\n")
        text.append("\nEverywhere\n", style="bold underline")
        for key, what in GENERAL:
            text.append(f"  {key:<12}", style="bold cyan")
            text.append(f"{what}\n")
        text.append("\nescape closes this help", style="dim")
        return text

    def action_close(self) -> None:
        self.dismiss(None)
