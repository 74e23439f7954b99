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
        # One row per action, with every key bound to it: `q` and `ctrl+q` both quit.
        keys: dict[str, list[tuple[bool, str]]] = {}
        describe: dict[str, str] = {}
        for active in self.beneath.active_bindings.values():
            binding = active.binding
            # The screen's and the app's own keys; widget plumbing (page up...) stays out.
            if not isinstance(active.node, (Screen, App)) or binding.system:
                continue
            if not binding.description or not active.enabled:
                continue
            keys.setdefault(binding.action, []).append(
                (not binding.show, self.app.get_key_display(binding))
            )
            if binding.tooltip or binding.action not in describe:
                describe[binding.action] = binding.tooltip or binding.description
        # The footer's key first (`q`, then `^q`): it is the one people look for.
        rows = [
            (", ".join(dict.fromkeys(k for _hidden, k in sorted(pairs))), describe[action])
            for action, pairs in keys.items()
        ]
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
