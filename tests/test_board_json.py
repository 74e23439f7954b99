"""`dslp board --json` reads the board its own lean way; it must say what the app's board says.

On both backends, a mirror with every kind of card the board shows (unclassified, closed, an
outcome logged offline, a branch from the clone, a draft not yet on GitHub, a draft GitHub has
numbered, markup and escapes in a title) gives from `board_json_text` the JSON of
`board(...).as_json()`, closed cards or not, laid out one card per line.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from store.db import Store
from store.drafts import create_draft
from store.read.board import board, board_json_text
from store.repos import get_repo
from tests.fakegithub import FakeGitHub
from tests.test_read import OPEN_EXP, REPO, log_outcome, mirror, sync

__all__ = ["mirror"]

ODD = 'Ask: [bold]x[/] \x1b[31mred\x1b[0m "quoted" \\ back \u00e9t\u00e9 \U0001f600 \x9b2J'


@pytest.fixture
def store(either_store: Store) -> Store:
    return either_store


def test_board_json_says_what_the_apps_board_says(mirror: Store, fake: FakeGitHub) -> None:
    fake.add_issue(REPO, "No DSLP label at all")  # unclassified
    fake.add_issue(REPO, ODD, labels=["Ask"])
    sync(mirror)
    with mirror.session(write=True) as s:
        repo = get_repo(s, REPO)
        create_draft(s, repo, "experiment", "Pushed draft", ask=1)
    sync(mirror)  # the first draft is numbered by GitHub now, and keeps its id on its card
    log_outcome(mirror, OPEN_EXP, "failed")
    with mirror.session(write=True) as s:
        create_draft(s, get_repo(s, REPO), "explore", "Still a draft", ask=1)
    for include_closed in (True, False):
        with mirror.session() as s:
            printed = board_json_text(s, REPO, include_closed=include_closed)
            full = board(s, REPO, include_closed=include_closed).as_json()
        lean = json.loads(printed)
        assert lean == full
        assert json.dumps(lean) == json.dumps(full)  # the same key order too
        assert printed == _laid_out(full)
        assert "\x1b" not in printed and "\x9b" not in printed  # escapes stay escaped
    cards = [c for cards in lean["columns"].values() for c in cards]
    assert lean["unclassified"][0]["title"] == "No DSLP label at all"
    assert ODD in [c["title"] for c in cards]
    drafts = {c["title"]: (c["number"] is None, c["draft"] is not None) for c in cards}
    assert (drafts["Still a draft"], drafts["Pushed draft"]) == ((True, True), (False, True))
    assert [c["outcome"] for c in cards if c["number"] == OPEN_EXP] == ["failed"]
    assert any(c["branch"] for c in cards) and any(c["pending_sync"] for c in cards)


def test_the_board_prints_one_card_per_line_and_parses_back(mirror: Store) -> None:
    url = mirror.url
    out = subprocess.run(
        [sys.executable, "-m", "dslp_tui.cli", "--db", url, "board", REPO, "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    with mirror.session() as s:
        expected = board(s, REPO).as_json()
    assert json.loads(out) == expected
    card_lines = [line for line in out.splitlines() if line.lstrip().startswith('{"number"')]
    total = sum(len(c) for c in expected["columns"].values()) + len(expected["unclassified"])
    assert len(card_lines) == total == 8


def _laid_out(data: dict[str, object]) -> str:
    """The layout as its definition: indented two spaces, each record (a dict of plain values:
    a card, a gate) on one line."""

    def lay(value: object, depth: int) -> str:
        record = isinstance(value, dict) and not any(
            isinstance(v, (dict, list)) for v in value.values()
        )
        if record or not isinstance(value, (dict, list)) or not value:
            return json.dumps(value)
        pad = "  " * (depth + 1)
        if isinstance(value, dict):
            items = [f"{pad}{json.dumps(k)}: {lay(v, depth + 1)}" for k, v in value.items()]
            return "{\n" + ",\n".join(items) + "\n" + "  " * depth + "}"
        items = [pad + lay(v, depth + 1) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + "  " * depth + "]"

    return lay(data, 0)
