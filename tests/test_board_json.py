"""`dslp board --json` reads the board its own lean way; it must say what the app's board says.

On both backends, a mirror with every kind of card the board shows (unclassified, closed, an
outcome logged offline, a branch from the clone, a draft not yet on GitHub, a draft GitHub has
numbered) gives the same JSON from `board_json` as from `board(...).as_json()`, closed cards or not.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dslp_tui.json_text import dumps
from store.db import Store
from store.drafts import create_draft
from store.read.board import board, board_json
from store.repos import get_repo
from tests.fakegithub import FakeGitHub
from tests.test_read import OPEN_EXP, REPO, log_outcome, mirror, sync

__all__ = ["mirror"]


@pytest.fixture
def store(either_store: Store) -> Store:
    return either_store


def test_board_json_says_what_the_apps_board_says(mirror: Store, fake: FakeGitHub) -> None:
    fake.add_issue(REPO, "No DSLP label at all")  # unclassified
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
            lean = board_json(s, REPO, include_closed=include_closed)
            full = board(s, REPO, include_closed=include_closed).as_json()
        assert lean == full
        assert json.dumps(lean) == json.dumps(full)  # the same key order too
    cards = [c for cards in lean["columns"].values() for c in cards]
    assert lean["unclassified"][0]["title"] == "No DSLP label at all"
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


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        {"a": [], "b": {}, "c": [1, {"d": None}], "e": "\x1b[31mred\x1b[0m \u00e9 \"q\""},
        [[[[1, 2]]], {"k": [True, False, 1.5]}],
        "plain",
        {1: "a number key becomes a string"},
    ],
)
@pytest.mark.parametrize("depth", [0, 1, 2, 3, 9])
def test_the_layout_is_json_that_reads_back_the_same(value: object, depth: int) -> None:
    text = dumps(value, inline_below=depth)
    assert json.loads(text) == json.loads(json.dumps(value))
    assert "\x1b" not in text  # escape sequences stay escaped
    if depth == 0:
        assert "\n" not in text
