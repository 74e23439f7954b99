"""The app drives the DSLP: the outcome form shows what it sets off before saving, `b` makes a
card's branch, `n` on a board makes a draft card that shows as new, pending sync."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import select
from textual.widgets import Checkbox, Input, RadioButton, Select, Static

from dslp_tui.screens.card import CardScreen
from dslp_tui.screens.new_card_dialog import NewCardDialog
from dslp_tui.screens.outcome_dialog import OutcomeDialog
from store.db import Store
from store.mirror import upsert_issues
from store.models import IssueDraft, OutboxEntry
from store.repos import get_repo
from tests.app_helpers import SIZE, app_for, open_board, rendered, settle, static_text

REPO = "acme/churn-prediction"


def open_pull_for_12(store: Store) -> None:
    """An open PR from #12's experiment branch (the demo's PRs are all closed)."""
    with store.session(write=True) as s:
        repo = get_repo(s, REPO)
        assert repo.id is not None
        pr: dict[str, Any] = {
            "id": 99_000_013,
            "number": 13,
            "title": "Survival model",
            "state": "open",
            "body": "Closes #12",
            "user": {"login": "ana"},
            "labels": [],
            "created_at": "2026-11-20T10:00:00Z",
            "updated_at": "2026-11-20T10:00:00Z",
            "pull_request": {"url": "x"},
            "head": {"ref": "experiment/12-survival-model"},
            "base": {"ref": "main"},
        }
        upsert_issues(s, repo.id, [pr])


async def open_card_12(pilot: Any) -> CardScreen:
    board = await open_board(pilot)
    await pilot.press("l", "l", "l")  # ideation -> data -> explore -> experiment
    card = board.selected_card()
    assert card is not None and card.number == 12
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CardScreen) and screen.number == 12
    return screen


async def test_outcome_form_shows_its_consequences_then_queues_them_in_order(
    demo_store: Store,
) -> None:
    open_pull_for_12(demo_store)
    with demo_store.session() as s:
        seeded = set(s.execute(select(OutboxEntry.id)).scalars())  # type: ignore[call-overload]
    app = app_for(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_card_12(pilot)
        await pilot.press("l")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, OutcomeDialog)
        consequences = dialog.query_one("#consequences", Static)
        said = static_text(consequences)  # #12 is on hold: that outcome sets nothing off
        assert said == "On the next sync: the outcome comment and its label."
        await pilot.click("#outcome-failed")
        await settle(pilot)
        said = static_text(consequences)
        assert "closes PR #13 unmerged" in said and "closes #12 (not planned)" in said
        keep = dialog.query_one("#keep-open", Checkbox)
        keep.value = True
        await settle(pilot)
        assert "closes #12" not in static_text(consequences)
        keep.value = False
        dialog.query_one("#outcome-succeeded", RadioButton).value = True
        dialog.query_one("#next", Select).value = "open-model"
        await settle(pilot)
        said = static_text(consequences)
        assert "opens a Model issue" in said and "retargets PR #13" in said
        assert "closes" not in said
        dialog.query_one("#tldr", Input).value = "C-index 0.71"
        dialog.query_one("#commit", Input).value = "not-hex"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog  # the bad commit is shown under its field, nothing lost
        assert "hex" in static_text(dialog.query_one("#commit-error", Static))
        dialog.query_one("#commit", Input).value = "abc1234"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)
    with demo_store.session() as s:
        entries = [
            e
            for e in s.execute(select(OutboxEntry).order_by(OutboxEntry.created_at)).scalars()  # type: ignore[arg-type]
            if e.id not in seeded
        ]
        kinds = [e.kind for e in entries]
        assert kinds == ["outcome", "issue", "branch", "retarget", "ask_item"]
        for before, after in itertools.pairwise(entries):
            assert after.payload["after"] == [before.id]  # a chain: each waits for the last
        assert entries[0].payload["commit"] == "abc1234"
        draft = s.get(IssueDraft, entries[1].id)
        assert draft is not None and draft.kind == "model" and draft.based_on == 12


async def test_b_on_a_card_makes_its_branch_in_the_clone(demo_store: Store) -> None:
    import git

    with demo_store.session() as s:
        clone = get_repo(s, REPO).local_path
    assert clone is not None
    app = app_for(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_card_12(pilot)
        await pilot.press("b")
        await settle(pilot)
        await app.workers.wait_for_complete()
    repo = git.Repo(clone)
    assert repo.active_branch.name == "experiment/12-survival-model-for-time-to-churn"
    assert repo.active_branch.commit == repo.heads.main.commit


async def test_b_on_a_card_without_a_clone_queues_its_branch_on_github(demo_store: Store) -> None:
    with demo_store.session(write=True) as s:
        get_repo(s, REPO).local_path = None
    app = app_for(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_card_12(pilot)
        await pilot.press("b")
        await settle(pilot)
        await app.workers.wait_for_complete()
    with demo_store.session() as s:
        entry = s.execute(select(OutboxEntry).where(OutboxEntry.kind == "branch")).scalar_one()
        assert entry.payload["name"] == "experiment/12-survival-model-for-time-to-churn"
        assert entry.state == "pending" and entry.issue_number == 12


async def test_a_read_only_session_refuses_the_outcome_form(demo_store: Store) -> None:
    import git

    with demo_store.session() as s:
        seeded = set(s.execute(select(OutboxEntry.id)).scalars())  # type: ignore[call-overload]
        clone = get_repo(s, REPO).local_path
    assert clone is not None
    app = app_for(demo_store, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_card_12(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen)  # no form opened
        await pilot.press("b")
        await settle(pilot)
    with demo_store.session() as s:
        assert set(s.execute(select(OutboxEntry.id)).scalars()) == seeded  # type: ignore[call-overload]
    assert not [h for h in git.Repo(clone).heads if h.name.startswith("experiment/12-")]


async def test_n_on_the_board_makes_a_draft_shown_as_new_pending_sync(demo_store: Store) -> None:
    with demo_store.session() as s:
        seeded = set(s.execute(select(OutboxEntry.id)).scalars())  # type: ignore[call-overload]
    app = app_for(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(pilot)
        await pilot.press("l", "l", "l")  # the experiment column: a new card is an experiment
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, NewCardDialog) and dialog.kind == "experiment"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog  # no title: refused inline
        assert "title" in static_text(dialog.query_one("#title-error", Static))
        await pilot.press(*"Cox [bold]model[/]")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is board
        column = " ".join(rendered(board.query_one("#list-experiment")).split())
        assert column.startswith("○ new expt Cox [bold]model[/] ⇡ pending sync")  # at the top
        card = board.selected_card()
        assert card is not None and card.number is None and card.draft
        await pilot.press("enter")  # a draft opens its own form: edit or discard
        await settle(pilot)
        edit = app.screen
        assert isinstance(edit, NewCardDialog) and edit.editing
        await pilot.click("#discard")
        await settle(pilot)
        assert app.screen is board
        assert "Cox" not in rendered(board.query_one("#list-experiment"))
    with demo_store.session() as s:
        draft = s.execute(select(IssueDraft)).scalar_one()
        assert draft.state == "discarded" and draft.ask_number == 1
        assert set(s.execute(select(OutboxEntry.id)).scalars()) == seeded  # type: ignore[call-overload]
