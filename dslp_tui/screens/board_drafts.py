"""New cards from the board (`n`) and the drafts on it (enter): stored at once, pushed later."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dslp_tui.screens.new_card_dialog import KIND_OF_PHASE, NewCardDialog, NewCardForm
from store.read.board import Card
from store.repos import get_repo

if TYPE_CHECKING:
    from dslp_tui.screens.board import BoardScreen


def new_card(screen: BoardScreen, phase: str | None) -> None:
    if screen.dslp.refuse_write("a new card"):
        return
    kind = KIND_OF_PHASE.get(phase or "", "experiment")
    dialog = NewCardDialog(screen.repo, kind)

    def saved(form: NewCardForm | None) -> None:
        if form is not None:
            screen.run_worker(_create(screen, form), group="write")

    screen.app.push_screen(dialog, saved)


async def _create(screen: BoardScreen, form: NewCardForm) -> None:
    from store.drafts import create_draft

    repo, author = screen.repo, screen.dslp.config.user or None

    def write(session: Any) -> tuple[str, list[str]]:
        draft, problems = create_draft(
            session,
            get_repo(session, repo),
            form.kind,
            form.title,
            ask=form.ask,
            based_on=form.based_on,
            author=author,
        )
        return draft.id, problems

    made = await screen.dslp.write(write)
    if made is not None:
        screen.notify(f"New {form.kind} card saved as a draft (pending sync)", markup=False)
        for line in made[1]:
            screen.notify(line, severity="warning", markup=False)
    await screen.reload_now()
    if made is not None:
        _highlight(screen, f"draft-{made[0]}")


def _highlight(screen: BoardScreen, key: str) -> None:
    """Put the cursor on the new card, in whichever column it went to."""
    from textual.widgets.option_list import OptionDoesNotExist

    from dslp_tui.widgets.phase_column import PhaseColumn

    for column in screen.query(PhaseColumn):
        try:
            index = column.get_option_index(key)
        except OptionDoesNotExist:
            continue
        screen.show_column(column)
        column.highlighted = index
        return


def open_draft(screen: BoardScreen, card: Card) -> None:
    """A draft opens its own form: change its title, or discard it."""
    if card.draft is None or screen.dslp.refuse_write("a change to a draft"):
        return
    draft_id = card.draft
    dialog = NewCardDialog(screen.repo, card.kind or "experiment", draft_title=card.title)

    def saved(form: NewCardForm | None) -> None:
        if form is not None:
            screen.run_worker(_change(screen, draft_id, form), group="write")

    screen.app.push_screen(dialog, saved)


async def _change(screen: BoardScreen, draft_id: str, form: NewCardForm) -> None:
    from store.drafts import discard_draft, edit_draft, get_draft

    actor = screen.dslp.config.user or None

    def write(session: Any) -> bool:
        draft = get_draft(session, None, draft_id)
        if form.discard:
            discard_draft(session, draft, actor=actor)
        else:
            edit_draft(session, draft, title=form.title, actor=actor)
        return True

    if await screen.dslp.write(write):
        screen.notify("Draft discarded" if form.discard else "Draft saved (pending sync)")
    await screen.reload_now()
