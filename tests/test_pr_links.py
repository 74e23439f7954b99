"""A card's pull requests: by the head ref kept on the PR and by the `#N` its body names.

The mirror is filled as users fill it: `sync_repos` against the fake GitHub on 127.0.0.1 (the
issues list, then the pulls list for head, base, draft and merged); no Branch row is made for a
branch GitHub deleted on merge, which is the case the head ref on the PR row exists for.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import update
from sqlmodel import col
from textual.widgets import Static

from dslp_tui.screens.card import CardScreen
from store.db import Store
from store.mirror import ensure_repo, replace_branches
from store.models import Issue
from store.read.card import card_detail
from store.read.pulls import PullRef, linked_pulls, open_pulls_of
from store.repos import get_repo
from store.rules import MERGED_EXPLORE
from sync.engine import sync_repos
from tests.app_helpers import SIZE, app_for, settle, static_text
from tests.fakegithub import FakeGitHub

REPO = "acme/churn"
TOKEN = "test-token"
EXPLORE, EXPERIMENT = 2, 12
# Each PR: its title (what the tests name it by), head, and the rest of `add_pull`'s fields.
PULLS: list[tuple[str, str, dict[str, object]]] = [
    ("gbm merged", "experiment/12-gbm", {"merged": True}),  # its branch is gone from GitHub
    ("closes", "fix-metrics", {"body": "Closes #12 by fixing the AUC"}),
    ("fixes", "tidy", {"body": "fixes: #12", "state": "closed"}),
    ("resolves", "again", {"body": "Resolves #12\n\nand more"}),
    ("mention", "model/7-serve", {"body": "See #12 for the numbers"}),
    ("code span", "chore-a", {"body": "Runs `make #12` in CI"}),
    ("fenced", "chore-b", {"body": "```\nCloses #12\n```\n"}),
    ("other number", "chore-c", {"body": "Closes #112, unlike #120"}),
    ("other head", "experiment/112-big", {}),
    ("not dslp", "feature/12-x", {}),  # a `/12-` head that the DSLP grammar does not take
    ("draft", "experiment/12-tabnet", {"draft": True, "base": "model/7-churn"}),
    ("eda merged", "explore/2-eda", {"merged": True}),
    ("eda closed", "explore/2-eda-v2", {"state": "closed"}),
    ("names #2", "data/5-export", {"body": "Built on #2", "merged": True}),
]
LINKED_TO_12 = ["gbm merged", "closes", "fixes", "resolves", "mention", "draft"]
EXPLORE_PR = (
    "explore PR #{n} (explore/2-eda) was merged into main: DSLP closes explore PRs unmerged"
)


@pytest.fixture
def mirror(store: Store, fake: FakeGitHub) -> Iterator[Store]:
    fake.add_repo(REPO)
    fake.add_issue(REPO, "Why do customers churn?", labels=["Ask"])
    fake.add_issue(REPO, "EDA of tenure", "Ask Reference: #1", labels=["Explore"])
    for n in range(3, EXPERIMENT):
        fake.add_issue(REPO, f"filler {n}")
    fake.add_issue(REPO, "GBM baseline", "Ask Reference: #1", labels=["Experiment"])
    fake.add_branch(REPO, "experiment/12-tabnet", "a" * 40)  # only the draft's branch is left
    for title, head, fields in PULLS:
        fake.add_pull(REPO, title, head, **fields)  # type: ignore[arg-type]
    with store.session(write=True) as s:
        ensure_repo(s, REPO, api_url=fake.base_url)
    report = sync_repos(store, token=TOKEN, sleep=lambda _s: None)
    assert [(r.ok, r.error) for r in report.repos] == [(True, None)]
    yield store


def pulls_of(store: Store, number: int) -> dict[str, PullRef]:
    with store.session() as s:
        return {p.title: p for p in card_detail(s, REPO, number).pull_requests}


def test_a_pr_stays_on_its_card_after_github_deletes_its_branch(mirror: Store) -> None:
    with mirror.session() as s:
        detail = card_detail(s, REPO, EXPERIMENT)
    assert [b.name for b in detail.branches] == ["experiment/12-tabnet"]  # gbm's is gone
    gbm = {p.title: p for p in detail.pull_requests}["gbm merged"]
    assert (gbm.head, gbm.merged, gbm.state) == ("experiment/12-gbm", True, "closed")


def test_a_pr_links_by_the_references_in_its_body_outside_code(mirror: Store) -> None:
    shown = pulls_of(mirror, EXPERIMENT)
    assert list(shown) == LINKED_TO_12  # ordered by number; code, #112 and feature/12-x left out
    assert [p.number for p in shown.values()] == sorted(p.number for p in shown.values())


def test_linked_pulls_takes_the_cards_branch_names_and_skips_gone_prs(
    mirror: Store, fake: FakeGitHub
) -> None:
    fake.add_pull(REPO, "odd name", "tabnet-for-twelve")
    sync_repos(mirror, token=TOKEN, sleep=lambda _s: None)
    with mirror.session(write=True) as s:
        rid = get_repo(s, REPO).id
        assert rid is not None
        by_name = linked_pulls(s, rid, EXPERIMENT, ["tabnet-for-twelve"])
        assert "odd name" in [p.title for p in by_name]
        assert "odd name" not in [p.title for p in linked_pulls(s, rid, EXPERIMENT)]
        closes = next(p for p in by_name if p.title == "closes")
        s.execute(
            update(Issue)
            .where(col(Issue.repo_id) == rid, col(Issue.number) == closes.number)
            .values(gone="deleted")
        )
        assert "closes" not in [p.title for p in linked_pulls(s, rid, EXPERIMENT)]


def test_open_pulls_of_are_the_open_unmerged_prs_that_serve_the_card(mirror: Store) -> None:
    with mirror.session() as s:
        rid = get_repo(s, REPO).id
        assert rid is not None
        titles = [p.title for p in open_pulls_of(s, rid, EXPERIMENT)]
    # merged, closed and mention-only PRs stay as they are when the experiment closes
    assert titles == ["closes", "resolves", "draft"]


def test_a_draft_pr_is_reported_draft_with_its_base(mirror: Store) -> None:
    shown = pulls_of(mirror, EXPERIMENT)
    draft = shown["draft"]
    assert (draft.draft, draft.merged, draft.state, draft.base) == (
        True,
        False,
        "open",
        "model/7-churn",
    )
    assert not shown["closes"].draft and shown["closes"].base == "main"


def test_a_merged_explore_pr_is_a_violation_without_any_branch_row(mirror: Store) -> None:
    with mirror.session() as s:
        detail = card_detail(s, REPO, EXPLORE)
    assert detail.branches == []
    merged = {p.title: p for p in detail.pull_requests}["eda merged"]
    # once; the explore PR closed unmerged and the data PR that only names #2 are fine
    assert detail.violations == [EXPLORE_PR.format(n=merged.number)]
    with mirror.session() as s:
        assert card_detail(s, REPO, EXPERIMENT).violations == []  # merging experiments is fine


def test_the_merged_explore_pr_is_said_once_when_the_clone_scan_says_it_too(
    mirror: Store,
) -> None:
    with mirror.session(write=True) as s:
        rid = get_repo(s, REPO).id
        assert rid is not None
        scanned = {"name": "explore/2-eda", "merged": True, "violation": MERGED_EXPLORE}
        replace_branches(s, rid, "local", [scanned])
    with mirror.session() as s:
        violations = card_detail(s, REPO, EXPLORE).violations
    assert violations == [
        "explore branch explore/2-eda was merged: DSLP closes explore PRs unmerged"
    ]


async def test_the_card_screen_shows_draft_merged_and_the_base(mirror: Store) -> None:
    shown = pulls_of(mirror, EXPERIMENT)
    app = app_for(mirror)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_card(REPO, EXPERIMENT)
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
        text = static_text(app.screen.query_one("#card-branches", Static))
    lines = {line.split("  ")[0]: line for line in text.splitlines() if line.startswith("PR ")}
    n = {title: p.number for title, p in shown.items()}
    assert (
        lines[f"PR #{n['draft']} draft"] == f"PR #{n['draft']} draft  (draft · into model/7-churn)"
    )
    assert lines[f"PR #{n['gbm merged']} gbm merged"].endswith("  (merged)")
    assert lines[f"PR #{n['fixes']} fixes"].endswith("  (closed)")
    assert lines[f"PR #{n['closes']} closes"].endswith("  (open)")  # base main: not repeated
