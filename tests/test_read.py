"""What the board, a card's detail, the portfolio and the palette read from a synced mirror.

The mirror is filled the way users fill it: `sync_repos` against the fake GitHub on 127.0.0.1
and a real git clone scanned for branches; offline outcomes go through the store's outbox.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import Static

from dslp_tui.app import DslpApp
from dslp_tui.screens.card import CardScreen
from store.db import Store
from store.mirror import ensure_repo
from store.outbox import record_outcome
from store.read.board import board, card_index
from store.read.card import card_detail
from store.read.portfolio import project_summaries
from store.repos import get_repo
from sync.engine import sync_repos
from tests.fakegithub import FakeGitHub

REPO = "acme/churn"
TOKEN = "test-token"

ASK, EXPLORE, UNDONE, OPEN_EXP, DONE_EXP, MODEL, DATA, MOVED = range(1, 9)

MERGED_EXPLORE = "explore branch explore/2-eda was merged: DSLP closes explore PRs unmerged"
NO_OUTCOME = "experiment closed without an outcome (succeeded / failed label)"
NO_TLDR = "experiment closed without a TLDR in its Results"
WRONG_KIND = "branch data/4-prep is a data branch but #4 is an experiment"


def _clone(path: Path) -> Path:
    """main, an explore branch merged into it (DSLP says never) and a data branch on #4."""
    import git

    repo = git.Repo.init(path, initial_branch="main")
    with repo.config_writer() as cfg:
        cfg.set_value("user", "name", "T")
        cfg.set_value("user", "email", "t@example.invalid")

    def commit(name: str) -> None:
        (path / name).write_text(name)
        repo.index.add([name])
        repo.index.commit(name)

    commit("start.txt")
    for branch in ("explore/2-eda", "data/4-prep"):
        repo.create_head(branch, repo.heads.main.commit).checkout()
        commit(branch.replace("/", "_") + ".txt")
    repo.heads.main.checkout()
    repo.git.merge("--no-ff", "-m", "merge explore", "explore/2-eda")
    return path


def sync(store: Store, *, full: bool = False) -> None:
    report = sync_repos(store, token=TOKEN, full=full, sleep=lambda _s: None)
    assert [(r.ok, r.error) for r in report.repos] == [(True, None)]


@pytest.fixture
def mirror(store: Store, fake: FakeGitHub, tmp_path: Path) -> Iterator[Store]:
    fake.add_repo(REPO)
    fake.add_repo("acme/elsewhere")
    ask = "Ask Reference: #1"
    fake.add_issue(REPO, "Why do customers churn?", labels=["Ask"])
    fake.add_issue(REPO, "EDA of tenure", ask, labels=["Explore"])
    fake.add_issue(REPO, "XGBoost baseline", ask, labels=["Experiment"], state="closed")
    fake.add_issue(REPO, "GBM with tickets", ask, labels=["Experiment"])
    fake.add_issue(
        REPO, "Logistic baseline", f"{ask}\n\nTLDR: AUC 0.71", ["Experiment", "succeeded"], "closed"
    )
    fake.add_issue(REPO, "Churn model", "Based on Experiment: #4", labels=["Model"])
    fake.add_issue(REPO, "Ticket export", labels=["Data"])
    fake.add_issue(REPO, "Survey idea", ask, labels=["Experiment"])
    with store.session(write=True) as s:
        ensure_repo(s, REPO, api_url=fake.base_url, local_path=str(_clone(tmp_path / "clone")))
    sync(store)
    yield store


def log_outcome(store: Store, number: int, status: str) -> None:
    with store.session(write=True) as s:
        record_outcome(s, get_repo(s, REPO), number, status=status, tldr=f"{status} offline")


def board_cards(store: Store) -> dict[int, tuple[str | None, str | None]]:
    """Card number -> (column, outcome) of every card on the board, unclassified too."""
    with store.session() as s:
        b = board(s, REPO)
    shown = {c.number: (phase, c.outcome) for phase, cards in b.columns.items() for c in cards}
    shown.update({c.number: (None, c.outcome) for c in b.unclassified})
    return shown


# --- violations ---------------------------------------------------------------------------


def test_card_detail_lists_each_violation_of_the_card_once(mirror: Store) -> None:
    with mirror.session() as s:
        found = {n: card_detail(s, REPO, n).violations for n in range(1, 9)}
    assert found == {
        ASK: [],
        EXPLORE: [MERGED_EXPLORE],  # the clone scan flagged it too: said once
        UNDONE: [NO_OUTCOME, NO_TLDR],
        OPEN_EXP: [WRONG_KIND],
        DONE_EXP: [],
        MODEL: [],
        DATA: [],
        MOVED: [],
    }


def test_an_outcome_logged_offline_clears_the_closed_experiments_violations(
    mirror: Store,
) -> None:
    log_outcome(mirror, UNDONE, "failed")
    with mirror.session() as s:
        assert card_detail(s, REPO, UNDONE).violations == []


async def test_the_card_screen_shows_the_violations(mirror: Store) -> None:
    app = DslpApp(mirror, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        shown: dict[int, tuple[bool, str]] = {}
        for number in (UNDONE, EXPLORE, DONE_EXP):
            await pilot.pause()
            await app.workers.wait_for_complete()
            app.open_card(REPO, number)
            for _ in range(3):
                await pilot.pause()
                await app.workers.wait_for_complete()
            screen = app.screen
            assert isinstance(screen, CardScreen) and screen.number == number
            warn = screen.query_one("#card-violations", Static)
            visual = warn.render()
            shown[number] = (
                warn.display,
                visual.plain if isinstance(visual, Text) else str(visual),
            )
            await pilot.press("escape")
    assert shown == {
        UNDONE: (True, f"⚠ {NO_OUTCOME}\n⚠ {NO_TLDR}"),
        EXPLORE: (True, f"⚠ {MERGED_EXPLORE}"),
        DONE_EXP: (False, ""),
    }


# --- outcomes logged offline --------------------------------------------------------------


def test_an_offline_outcome_shows_on_the_board_before_github_has_the_label(
    mirror: Store, fake: FakeGitHub
) -> None:
    assert board_cards(mirror)[OPEN_EXP] == ("experiment", None)
    assert board_cards(mirror)[DONE_EXP] == ("experiment", "succeeded")
    log_outcome(mirror, OPEN_EXP, "on hold")
    log_outcome(mirror, DONE_EXP, "failed")  # a new outcome beats the label while pending
    cards = board_cards(mirror)
    assert cards[OPEN_EXP] == ("experiment", "on hold")
    assert cards[DONE_EXP] == ("experiment", "failed")
    assert cards[UNDONE] == ("experiment", None)
    sync(mirror)  # pushed: the labels GitHub now has are the truth again
    assert {lab["name"] for lab in fake.issue(REPO, OPEN_EXP)["labels"]} >= {"on hold"}
    cards = board_cards(mirror)
    assert cards[OPEN_EXP] == ("experiment", "on hold")
    assert cards[DONE_EXP] == ("experiment", "failed")
    fake.update_issue(REPO, OPEN_EXP, labels=["Experiment", "succeeded"])  # decided on GitHub
    sync(mirror)
    assert board_cards(mirror)[OPEN_EXP] == ("experiment", "succeeded")


def test_an_offline_outcome_shows_on_its_card_and_in_the_lineage(mirror: Store) -> None:
    log_outcome(mirror, OPEN_EXP, "failed")
    with mirror.session() as s:
        own = card_detail(s, REPO, OPEN_EXP)
        ask = card_detail(s, REPO, ASK)
        model = card_detail(s, REPO, MODEL)
    assert own.outcome == "failed" and own.pending_sync
    assert [(o.status, o.pending_sync) for o in own.outcomes] == [("failed", True)]
    assert [(c.number, c.outcome) for c in own.parents] == [(ASK, None)]
    assert [(c.number, c.outcome) for c in own.children] == [(MODEL, None)]
    # the Ask above lists its experiments, the model below names its experiment
    assert [(c.number, c.outcome) for c in ask.children] == [
        (EXPLORE, None),
        (UNDONE, None),
        (OPEN_EXP, "failed"),
        (DONE_EXP, "succeeded"),
        (MOVED, None),
    ]
    assert [(c.number, c.outcome) for c in model.parents] == [(OPEN_EXP, "failed")]


# --- deleted and transferred issues -------------------------------------------------------


def test_deleted_and_transferred_issues_leave_the_board_portfolio_and_palette(
    mirror: Store, fake: FakeGitHub
) -> None:
    with mirror.session() as s:
        before = project_summaries(s)[0]
    assert (before.issues, before.cards["data"], before.cards["experiment"]) == (8, 1, 4)
    fake.delete_issue(REPO, DATA, status=404)
    fake.transfer_issue(REPO, MOVED, "acme/elsewhere")
    sync(mirror, full=True)  # asks GitHub about every issue the lists no longer return
    assert set(board_cards(mirror)) == {ASK, EXPLORE, UNDONE, OPEN_EXP, DONE_EXP, MODEL}
    with mirror.session() as s:
        after = project_summaries(s)[0]
        palette = [(c.repo, c.number) for c in card_index(s)]
        open_board = board(s, REPO, include_closed=False)
        ask = card_detail(s, REPO, ASK)
    assert (after.issues, after.cards["data"], after.cards["experiment"]) == (6, 0, 3)
    assert after.cards == {**before.cards, "data": 0, "experiment": 3}
    assert palette == [(REPO, n) for n in (ASK, EXPLORE, UNDONE, OPEN_EXP, DONE_EXP, MODEL)]
    shown = {c.number for cards in open_board.columns.values() for c in cards}
    assert shown == {ASK, EXPLORE, OPEN_EXP, MODEL}
    assert not open_board.gates["data"].pending  # no card left in Data: nothing to sign off
    assert MOVED not in [c.number for c in ask.children]
