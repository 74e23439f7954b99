"""Command palette (ctrl+p): jump to a project or to a card by number or title, run actions.

Built from the mirror at the moment the palette opens (as posting builds its commands from
the screen's state), read on a thread so opening it never blocks the UI.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from dslp_tui.text import safe
from store.read.board import CardRef, card_index
from store.repos import list_repos

if TYPE_CHECKING:
    from dslp_tui.app import DslpApp

CARD_HITS = 60  # cards shown for a query: a screenful and more, never 12,000


class DslpCommands(Provider):
    """Projects (board, gates), cards (`#12`, `churn 12`, words of the title) and app actions."""

    async def startup(self) -> None:
        app = cast("DslpApp", self.app)
        self.repos: list[str] = []
        self.cards: list[CardRef] = []
        try:
            self.repos, self.cards = await app.read(
                lambda s: ([r.full_name for r in list_repos(s)], card_index(s))
            )
        except Exception as exc:  # the palette must open even if the mirror is busy or odd
            app.log.error(f"palette: {exc}")
        self._lower = [self._card_text(card).lower() for card in self.cards]  # once, not a key

    def _actions(self) -> list[tuple[str, str, Callable[[], object]]]:
        app = cast("DslpApp", self.app)
        out: list[tuple[str, str, Callable[[], object]]] = [
            ("Sync now", "Push the outbox and pull every project from GitHub", app.action_sync),
            ("Models", "Models in deploy and monitoring", app.action_models),
            ("Outbox", "Changes waiting for GitHub; retry conflicts", app.action_outbox),
            ("Keys", "List the keys of this screen", app.action_help),
        ]
        for repo in self.repos:
            name = safe(repo)
            out.append((f"Board: {name}", "Open the phase board", partial(app.open_board, repo)))
            out.append((f"Gates: {name}", "Sign-offs of the gates", partial(app.open_gates, repo)))
        return out

    def _card_text(self, card: CardRef) -> str:
        return f"{safe(card.repo)}#{card.number} {safe(card.title)}"

    async def discover(self) -> Hits:
        for name, help_text, command in self._actions():
            yield DiscoveryHit(Content(name), command, text=name, help=help_text)

    async def search(self, query: str) -> Hits:
        app = cast("DslpApp", self.app)
        matcher = self.matcher(query)
        for name, help_text, command in self._actions():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, self._highlight(matcher, name), command, text=name, help=help_text)
        words = query.lower().split()
        last = words[-1].lstrip("#") if words else ""
        exact = int(last) if last.isdigit() else None
        repo_matcher = self.matcher(" ".join(words[:-1])) if len(words) > 1 else None
        number_only = len(words) == 1 and exact is not None
        found: list[CardRef] = []
        for card, text in zip(self.cards, self._lower, strict=True):  # text: lower case
            if exact == card.number and (
                repo_matcher is None or repo_matcher.match(safe(card.repo)) > 0
            ):
                text = self._card_text(card)
                command, help_text = self._open(app, card)
                yield Hit(1.0, Content(text), command, text=text, help=help_text)
            elif number_only:
                if last in text.partition(" ")[2]:  # in the title, not in another number
                    found.append(card)
            elif all(word in text for word in words):
                found.append(card)
        # Every word must be in the card's text; only the best few are scored and shown. The
        # fuzzy scoring of 20,000 cards held the palette (and every key) for a second.
        found.sort(key=lambda c: (c.state != "open", -c.number))
        for card in found[:CARD_HITS]:
            text = self._card_text(card)
            command, help_text = self._open(app, card)
            if number_only:  # "2019": a title that holds the number, after the card itself
                yield Hit(0.5, Content(text), command, text=text, help=help_text)
                continue
            score = matcher.match(text) or 0.1
            yield Hit(
                score * 0.9, self._highlight(matcher, text), command, text=text, help=help_text
            )

    def _open(self, app: DslpApp, card: CardRef) -> tuple[Callable[[], object], str]:
        command = partial(app.open_card, card.repo, card.number)
        return command, f"{card.kind or 'unclassified'} · {card.state}"

    @staticmethod
    def _highlight(matcher: Matcher, text: str) -> Content:
        """Highlight matches on literal text (Matcher.highlight would parse it as markup)."""
        content = Content(text)
        score, offsets = matcher.fuzzy_search.match(matcher.query, text)
        if not score:
            return content
        style = matcher.match_style
        for offset in offsets:
            if offset < len(text) and not text[offset].isspace():
                content = content.stylize(style, offset, offset + 1)
        return content
