"""The card's DSLP steps: an outcome and what it sets off (shown before saving), a branch."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from dslp_tui.screens.outcome_dialog import OutcomeForm
from store.repos import get_repo

if TYPE_CHECKING:
    from dslp_tui.screens.card import CardScreen


async def consequences(
    screen: CardScreen, status: str, step: str | None, keep_open: bool, title: str | None
) -> list[str]:
    from store.outbox import InvalidChange
    from store.steps import plan_outcome

    repo, number = screen.repo, screen.number

    def plan(session: Any) -> list[str]:
        try:
            steps = plan_outcome(
                session,
                get_repo(session, repo),
                number,
                status=status,
                next_step=step,
                tldr="",
                keep_open=keep_open,
                next_title=title,
            )
        except InvalidChange as exc:
            return [str(exc)]
        return [s.says for s in steps]

    return await screen.dslp.read(plan)


async def write_outcome(screen: CardScreen, form: OutcomeForm) -> None:
    from store.steps import log_outcome

    repo, number, author = screen.repo, screen.number, screen.dslp.config.user or None

    def write(session: Any) -> bool:
        log_outcome(
            session,
            get_repo(session, repo),
            number,
            status=form.status,
            tldr=form.tldr,
            metrics=form.metrics,
            params=form.params,
            run_links=form.run_links,
            commit_sha=form.commit,
            next_step=form.next_step,
            author=author,
            keep_open=form.keep_open,
            next_title=form.next_title,
        )
        return True

    if await screen.dslp.write(write):
        screen.notify(f"Outcome saved: {form.status} (pending sync)")
    await screen.reload_now()


async def make_branch(screen: CardScreen) -> None:
    from store.drafts import card_of
    from store.steps import plan_branch, record_steps

    repo_name, number, actor = screen.repo, screen.number, screen.dslp.config.user or None

    def plan(session: Any) -> tuple[str | None, Any]:
        repo = get_repo(session, repo_name)
        assert repo.id is not None
        issue = card_of(session, repo.id, number)
        assert issue is not None
        return repo.local_path, plan_branch(issue, repo.default_branch)

    local, step = await screen.dslp.read(plan)
    name, base = str(step.payload["name"]), str(step.payload["base"])
    if local is None:

        def queue(session: Any) -> bool:
            record_steps(session, get_repo(session, repo_name), [step], actor=actor)
            return True

        if await screen.dslp.write(queue):
            screen.notify(f"Branch {name} queued: created on GitHub at the next sync")
        await screen.reload_now()
        return
    from sync.gitscan import CloneError
    from sync.local_branch import create_local_branch

    try:
        made = await asyncio.to_thread(create_local_branch, local, name, base)
    except CloneError as exc:
        screen.notify(str(exc), severity="error", markup=False)
        return
    verb = "Created" if made.created else "Switched to"
    screen.notify(f"{verb} {name} (from {made.base}) in {local}", markup=False)
