"""A card's detail reads its neighbours by their links and shows what the clone scan knows."""

from __future__ import annotations

from typing import Any

from textual.widgets import Static

from dslp_tui.demo import CHURN
from store.db import Store
from store.mirror import ensure_repo, replace_branches, upsert_issues
from store.read.card import card_detail
from tests.app_helpers import SIZE, app_for, settle, static_text


def _issue(number: int, labels: list[str], body: str = "", state: str = "open") -> dict[str, Any]:
    return {
        "id": 5000 + number,
        "number": number,
        "title": f"card {number}",
        "labels": [{"name": n} for n in labels],
        "body": body,
        "state": state,
        "created_at": "2026-01-02T00:00:00Z",
        "updated_at": "2026-01-03T00:00:00Z",
    }


def test_lineage_comes_from_the_links_and_only_the_exact_number_counts(store: Store) -> None:
    with store.session(write=True) as s:
        rid = ensure_repo(s, "o/r").id
        assert rid is not None
        upsert_issues(
            s,
            rid,
            [
                _issue(12, ["Ask"]),
                _issue(112, ["Ask"]),
                _issue(20, ["Experiment"], "***Ask Reference:*** #12"),
                _issue(21, ["Experiment"], "***Ask Reference:*** #112"),  # 12 in its text
                _issue(30, ["Model"], "***Ask Reference:*** #12\n***Based on Experiment:*** #20"),
            ],
        )
    with store.session() as s:
        ask = card_detail(s, "o/r", 12)
        assert [c.number for c in ask.children] == [20, 30]
        model = card_detail(s, "o/r", 30)
        assert [c.number for c in model.parents] == [12, 20]
        experiment = card_detail(s, "o/r", 20)
        assert [c.number for c in experiment.parents] == [12]
        assert [c.number for c in experiment.children] == [30]


def test_an_open_card_without_a_branch_gets_its_dslp_name(store: Store) -> None:
    with store.session(write=True) as s:
        rid = ensure_repo(s, "o/r").id
        assert rid is not None
        upsert_issues(s, rid, [_issue(4, ["Experiment"]), _issue(5, ["Ask"])])
        upsert_issues(s, rid, [{**_issue(6, ["Experiment"]), "title": "XGBoost: baseline (v2)!"}])
        replace_branches(s, rid, "remote", [{"name": "experiment/4-card-4"}])
    with store.session() as s:
        assert card_detail(s, "o/r", 4).suggested_branch is None  # it has one
        assert card_detail(s, "o/r", 5).suggested_branch is None  # an Ask has no branch
        assert card_detail(s, "o/r", 6).suggested_branch == "experiment/6-xgboost-baseline-v2"


async def test_the_card_shows_how_far_each_local_branch_is_from_main(demo_store: Store) -> None:
    with demo_store.session() as s:
        branches = {b.name: b for b in card_detail(s, CHURN, 7).branches}
    local = branches["model/7-gbm-churn"]
    # The demo clone: one commit on the branch; main gained the explore commit and its merge.
    assert (local.ahead, local.behind) == (1, 2)
    app = app_for(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_card(CHURN, 7)
        await settle(pilot)
        text = static_text(app.screen.query_one("#card-branches", Static))
        assert "model/7-gbm-churn  (local, model, not pushed, 1 ahead of main, 2 behind)" in text
