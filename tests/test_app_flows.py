"""The app driven like a user: the lead's review and sign-off, the offline outcome, forms."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from textual.widgets import Input, OptionList, Select, Static, TextArea

from dslp_tui.screens.card import CardScreen
from dslp_tui.screens.gates import GateScreen
from dslp_tui.screens.model_dialog import ModelDialog
from dslp_tui.screens.outbox import OutboxScreen
from dslp_tui.screens.outcome_dialog import OutcomeDialog
from dslp_tui.screens.signoff_dialog import SignOffDialog
from store.db import Store
from store.models import ChecklistItem, ExperimentOutcome, ModelStatus, OutboxEntry, SignOff
from tests.app_helpers import SIZE, app_for, open_board, rendered, settle, static_text


async def test_lead_reviews_and_signs_off_a_gate(demo_store: Store) -> None:
    app = app_for(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(pilot)
        assert board.repo == "acme/churn-prediction"
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, GateScreen)
        for _ in range(4):  # ideation, data, explore, experiment -> model
            await pilot.press("j")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SignOffDialog)
        await pilot.press("ctrl+s")  # nothing filled in: stays open with errors
        await pilot.pause()
        assert isinstance(app.screen, SignOffDialog)
        assert "stakeholder" in static_text(app.screen.query_one("#stakeholder-error", Static))
        await pilot.press(*"Kim", "enter")  # name, then on to the decision
        await pilot.press("enter")  # the first decision: approved
        app.screen.query_one("#note", Input).value = "Hand-off plan reviewed"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, GateScreen)
        assert "Kim" in rendered(app.screen.query_one("#gates"))
    with demo_store.session() as s:
        signoff = s.execute(select(SignOff).where(SignOff.stakeholder == "Kim")).scalar_one()
        assert (signoff.gate, signoff.decision) == ("model", "approved")
        assert signoff.note == "Hand-off plan reviewed"
        entry = s.get(OutboxEntry, signoff.id)
        assert entry is not None and entry.state == "pending" and entry.kind == "signoff"


async def test_signing_another_gate_than_the_highlighted_one_shows_that_gate(
    demo_store: Store,
) -> None:
    app = app_for(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        await pilot.press("g")
        await settle(pilot)
        gates = app.screen
        assert isinstance(gates, GateScreen) and gates.current_gate() == "ideation"
        await pilot.press("enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, SignOffDialog)
        dialog.query_one("#gate", Select).value = "deploy"
        dialog.query_one("#stakeholder", Input).value = "Kim"
        await pilot.click("#decision-approved")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is gates and gates.current_gate() == "deploy"
        assert rendered(gates.query_one("#gate-history")).startswith("Deploy gate")


async def test_data_scientist_logs_an_outcome_offline(demo_store: Store) -> None:
    app = app_for(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(pilot)
        await pilot.press("l", "l", "l")  # ideation -> data -> explore -> experiment
        assert board.selected_card() is not None
        assert board.selected_card().number == 12  # type: ignore[union-attr]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CardScreen) and app.screen.number == 12
        assert "pending sync" not in static_text(app.screen.query_one("#card-header", Static))
        await pilot.press("l")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, OutcomeDialog)
        await pilot.click("#outcome-failed")
        await pilot.click("#tldr")
        await pilot.press(*"C-index 0.58")
        dialog.query_one("#metrics", TextArea).load_text("c_index 0.58")
        dialog.query_one("#links", TextArea).load_text("not a link")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog  # invalid: nothing saved, errors inline
        assert "name=value" in static_text(dialog.query_one("#metrics-error", Static))
        assert "http" in static_text(dialog.query_one("#links-error", Static))
        dialog.query_one("#metrics", TextArea).load_text("c_index=0.58\nbrier = 0.2\n")
        dialog.query_one("#links", TextArea).load_text("https://mlflow.example.invalid/r/7")
        await pilot.press("ctrl+s")
        await settle(pilot)
        card = app.screen
        assert isinstance(card, CardScreen)
        assert "pending sync" in static_text(card.query_one("#card-header", Static))
        outcomes = static_text(card.query_one("#card-outcomes", Static))
        assert "failed" in outcomes and "C-index 0.58" in outcomes and "pending sync" in outcomes
        await pilot.press("escape")
        await settle(pilot)
        assert "pending sync" in rendered(app.screen.query_one("#list-experiment"))
    with demo_store.session() as s:
        row = s.execute(
            select(ExperimentOutcome).where(ExperimentOutcome.issue_number == 12)
        ).scalar_one()
        assert row.status == "failed" and row.tldr == "C-index 0.58"
        assert row.metrics == {"c_index": 0.58, "brier": 0.2}
        assert row.run_links == ["https://mlflow.example.invalid/r/7"]
        entry = s.get(OutboxEntry, row.id)
        assert entry is not None and entry.state == "pending"


async def test_hostile_title_renders_literally(demo_store: Store) -> None:
    app = app_for(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(pilot, row=2)
        assert board.repo == "acme/fraud-signals"
        shown = "".join(rendered(board.query_one("#list-unclassified")).split())
        assert "[boldred]Markup[/boldred]inatitle" in shown  # wrapped, but every bracket there
        board.query_one("#list-unclassified").focus()
        await pilot.press("enter")
        await settle(pilot)
        header = rendered(app.screen.query_one("#card-header"))
        assert "#4 [bold red]Markup[/bold red] in a title stays literal" in header


async def test_filter_narrows_the_board_including_unclassified(demo_store: Store) -> None:
    app = app_for(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(pilot)

        def counts() -> dict[str, int]:
            return {lst.phase: lst.option_count for lst in board.query("CardList")}  # type: ignore[attr-defined]

        assert counts()["experiment"] == 4 and counts()["unclassified"] == 1
        await pilot.press("slash", *"tabnet")
        await pilot.pause()
        assert counts() == {p: (1 if p == "experiment" else 0) for p in counts()}
        assert "#11" in rendered(board.query_one("#list-experiment"))
        board.query_one("#filter", Input).value = "contributing"
        await pilot.pause()
        assert counts()["unclassified"] == 1 and sum(counts().values()) == 1
        await pilot.press("escape")  # clears the filter, stays on the board
        await pilot.pause()
        assert app.screen is board and counts()["experiment"] == 4
        await pilot.press("c")  # hide closed cards
        await pilot.pause()
        assert counts()["experiment"] == 2 and counts()["data"] == 1


async def test_broken_config_shows_a_message_and_uses_defaults(
    demo_store: Store, isolated_env: Path
) -> None:
    folder = isolated_env / "config" / "dslp-tui"
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text('theme = "nord"\n[keymap\nfilter = "f"\n')
    app = app_for(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("not valid TOML" in m and "using defaults" in m for m in messages), messages
        assert app.theme == "textual-dark"


async def test_config_theme_and_keymap_apply(demo_store: Store, isolated_env: Path) -> None:
    folder = isolated_env / "config" / "dslp-tui"
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text(
        'theme = "nord"\nuser = "Kim"\n[keymap]\nfilter = "f"\npreview = 7\n'
    )
    app = app_for(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(pilot)
        assert app.theme == "nord" and app.config.user == "Kim"
        assert any("keymap.preview" in n.message for n in app._notifications)
        await pilot.press("f")
        await pilot.pause()
        assert board.query_one("#filter", Input).has_focus


async def test_checklist_space_toggles_and_a_adds(demo_store: Store) -> None:
    app = app_for(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        card = await open_model_card(pilot)
        checklist = card.query_one("#checklist", OptionList)
        checklist.focus()
        await pilot.pause()
        assert rendered(checklist).startswith("[x] Parametrize")
        await pilot.press("space")
        await settle(pilot)
        lines = rendered(checklist).splitlines()
        assert lines[0].startswith("[ ] Parametrize") and "pending sync" in lines[0]
        assert "pending sync" not in lines[1]  # only the items that changed wait for a push
        assert "2 ⇡ pending sync" in static_text(card.query_one("#checklist-title", Static))
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"Load test", "enter")
        await settle(pilot)
        assert "Load test" in rendered(checklist)
    with demo_store.session() as s:
        items = {
            i.text: i.done
            for i in s.execute(select(ChecklistItem).where(ChecklistItem.issue_number == 7))
            .scalars()
            .all()
        }
        assert items["Parametrize model inputs and parameters"] is False
        assert items["Load test"] is False
        kinds = [
            e.payload["action"]
            for e in s.execute(select(OutboxEntry).where(OutboxEntry.kind == "checklist")).scalars()
        ]
        assert kinds.count("uncheck") == 1 and kinds.count("add") == 1


async def test_a_dslp_step_ticks_on_a_model_card_whose_checklist_was_never_stored(
    demo_store: Store,
) -> None:
    app = app_for(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_card("acme/demand-forecast", 6)
        await settle(pilot)
        card = app.screen
        assert isinstance(card, CardScreen)
        checklist = card.query_one("#checklist", OptionList)
        checklist.focus()
        checklist.highlighted = checklist.option_count - 1  # a DSLP step, not in the body
        await pilot.pause()
        step = rendered(checklist).splitlines()[-1]
        assert step.startswith("[ ] "), step
        await pilot.press("space")
        await settle(pilot)
        assert not [n.message for n in app._notifications if n.severity == "error"]
        step = rendered(checklist).splitlines()[-1]
        assert step.startswith("[x] ") and "pending sync" in step, step


async def test_empty_mirror_says_how_to_start(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        shown = rendered(app.screen.query_one("#empty-help"))
        assert "dslp repo add OWNER/NAME" in shown and "dslp demo" in shown


DEMO_WEB = "https://github.com"  # the demo's html_url host: opened in a browser, never fetched


async def test_models_help_browser_and_copy(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url))
    app = app_for(demo_store)
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        table = rendered(app.screen.query_one("#models"))
        assert "Implement LightGBM demand model" in table and "drifting" in table
        assert "Implement GBM churn model" not in table  # a candidate is not deployed yet
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("question_mark")  # on the first screen, nothing to go back to
        await pilot.pause()
        assert "Go back one screen" not in rendered(app.screen.query_one("#help-keys"))
        await pilot.press("escape")
        await open_board(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        keys = rendered(app.screen.query_one("#help-keys"))
        assert "Filter cards as you type" in keys and "ctrl+p" in keys
        assert "q, ^q" in keys and "Leave dslp" in keys  # q quits, listed with ctrl+q
        assert "Go back one screen" in keys
        await pilot.press("escape", "o", "y")
        await settle(pilot)
        card_url = f"{DEMO_WEB}/acme/churn-prediction/issues/1"
        assert opened == [card_url] and copied == [card_url]


async def test_model_status_form_saves_only_what_changed(demo_store: Store) -> None:
    app = app_for(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        card = await open_model_card(pilot)
        assert "status candidate" in static_text(card.query_one("#card-model", Static))
        await pilot.press("u")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ModelDialog)
        await pilot.press("ctrl+s")  # nothing changed: stays open and says so
        await pilot.pause()
        assert app.screen is dialog
        assert "change the status" in static_text(dialog.query_one("#model-error", Static))
        dialog.query_one("#version", Input).value = "1.2 beta"  # not a version: said here
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog
        assert "a version is" in static_text(dialog.query_one("#model-error", Static))
        dialog.query_one("#version", Input).value = ""
        dialog.query_one("#status", Select).value = "staging"
        dialog.query_one("#health", Select).value = "healthy"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is card
        line = static_text(card.query_one("#card-model", Static))
        assert "status staging" in line and "healthy" in line and "pending sync" in line
    with demo_store.session() as s:
        (entry,) = s.execute(select(OutboxEntry).where(OutboxEntry.kind == "model")).scalars()
        assert entry.state == "pending" and entry.issue_number == 7
        assert entry.payload == {"status": "staging", "health": "healthy", "version": None}
        row = s.get(ModelStatus, entry.id)
        assert row is not None and (row.status, row.health) == ("staging", "healthy")


async def test_outbox_lists_reasons_and_retries_a_conflict(demo_store: Store) -> None:
    from store.outbox import mark_entry

    with demo_store.session(write=True) as s:
        entries = list(s.execute(select(OutboxEntry).order_by(OutboxEntry.created_at)).scalars())
        assert len(entries) >= 2
        conflict_id = entries[0].id
        mark_entry(s, conflict_id, "conflict", error="422 issue is locked\nmore detail")
    app = app_for(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("O")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OutboxScreen)
        assert len(screen.entries) == len(entries)
        assert "1 conflicts" in static_text(screen.query_one("#outbox-summary", Static))
        assert screen.current() is not None and screen.current().id == conflict_id  # type: ignore[union-attr]
        reason = static_text(screen.query_one("#outbox-reason", Static))
        assert "422 issue is locked" in reason and "more detail" not in reason
        await pilot.press("j", "r")  # a pending entry: nothing to retry
        await settle(pilot)
        await pilot.press("k", "r")
        await settle(pilot)
        assert "0 conflicts" in static_text(screen.query_one("#outbox-summary", Static))
        await pilot.press("question_mark")
        await pilot.pause()
        assert "Queue the highlighted conflict again" in rendered(
            app.screen.query_one("#help-keys")
        )
    with demo_store.session() as s:
        entry = s.get(OutboxEntry, conflict_id)
        assert entry is not None and entry.state == "pending" and entry.last_error is None


async def test_report_key_writes_the_project_report_and_opens_it(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url))
    app = app_for(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_board(pilot)
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert len(opened) == 1 and opened[0].startswith("file://")
    path = Path(opened[0].removeprefix("file://"))
    html = path.read_text()
    assert "acme/churn-prediction" in html and "<script src=" not in html
    assert "acme/demand-forecast" not in html  # the board's project only


async def open_model_card(pilot: Any) -> CardScreen:
    """From the portfolio to the churn project's Model card, #7."""
    await open_board(pilot)
    await pilot.press("l", "l", "l", "l", "enter")  # the Model column
    await settle(pilot)
    card = pilot.app.screen
    assert isinstance(card, CardScreen) and card.number == 7
    return card
