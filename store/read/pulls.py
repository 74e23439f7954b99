"""The pull requests of a card: by their head branch and by the `#N` their body names.

A PR row keeps its head ref after GitHub deletes the merged branch, so the PR stays on its card
once the Branch row is gone. The text match in SQL is a cheap prefilter (`%/12-%` also finds
`explore/112-x`, `%#12%` also finds `#112` and `#12` inside code); the exact check is done here
with the branch grammar and the Markdown parse, so the query reads about the card's PRs only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session, col

from store.models import Branch, Issue, Repository
from store.rules import parse_branch

__all__ = ["PullRef", "linked_pulls", "open_pulls_of"]


@dataclass(frozen=True)
class PullRef:
    number: int
    title: str
    state: str
    draft: bool
    merged: bool
    base: str | None
    head: str | None


_COLUMNS = (
    col(Issue.number),
    col(Issue.title),
    col(Issue.state),
    col(Issue.pr_draft),
    col(Issue.pr_merged_at),
    col(Issue.pr_base_ref),
    col(Issue.pr_head_ref),
    col(Issue.body),
)
# GitHub's closing keywords; "Closes #12" in the raw text, read together with the parse's refs
# (which leave out code) to tell a PR that serves the card from one that mentions it.
_CLOSING = r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s*#{n}(?![\w])"


def _link(row: Any, number: int, names: set[str], refs_of: Any) -> str | None:
    """How the PR row is linked to card `number`: "head", "closes", "mentions" or None."""
    head, body = row[6], row[7]
    if head and (head in names or parse_branch(head).issue_number == number):
        return "head"
    if not body or f"#{number}" not in body or number not in refs_of(body):
        return None
    closing = re.compile(_CLOSING.format(n=number), re.IGNORECASE)
    return "closes" if closing.search(body) else "mentions"


def _pulls(
    session: Session, repo_id: int, number: int, branch_names: Iterable[str]
) -> list[tuple[PullRef, str]]:
    names = {n for n in branch_names if n}
    conditions = [
        col(Issue.pr_head_ref).like(f"%/{number}-%"),
        col(Issue.pr_head_ref).like(f"{number}-%"),
        col(Issue.body).like(f"%#{number}%"),
    ]
    if names:
        conditions.append(col(Issue.pr_head_ref).in_(sorted(names)))
    rows = session.execute(
        select(*_COLUMNS)
        .where(
            col(Issue.repo_id) == repo_id,
            col(Issue.is_pull_request).is_(True),
            col(Issue.gone).is_(None),
            col(Issue.number) != number,
            or_(*conditions),
        )
        .order_by(col(Issue.number))
    ).all()
    if not rows:
        return []
    full_name = session.execute(
        select(col(Repository.full_name)).where(col(Repository.id) == repo_id)
    ).scalar_one_or_none()
    from store.issue_body import parse_body  # Markdown parser: only PRs that name #N need it

    def refs_of(body: str) -> tuple[int, ...]:
        return parse_body(body, repo=full_name).refs

    found = []
    for row in rows:
        how = _link(row, number, names, refs_of)
        if how is not None:
            pull = PullRef(row[0], row[1], row[2], bool(row[3]), row[4] is not None, row[5], row[6])
            found.append((pull, how))
    return found


def linked_pulls(
    session: Session, repo_id: int, number: int, branch_names: Iterable[str] = ()
) -> list[PullRef]:
    """The PRs of card `number`, by number: their head is one of `branch_names` or a branch
    serving the card (`experiment/12-x`), or their body names `#12` outside code."""
    return [pull for pull, _how in _pulls(session, repo_id, number, branch_names)]


def open_pulls_of(session: Session, repo_id: int, number: int) -> list[PullRef]:
    """The open, unmerged PRs that serve card `number`: what closing the card must close.

    Stricter than `linked_pulls`: a PR that only mentions `#12` ("see #12") is some other
    card's work and stays open; one from the card's branch or saying `Closes #12` is closed.
    """
    names = session.execute(
        select(col(Branch.name)).where(
            col(Branch.repo_id) == repo_id, col(Branch.issue_number) == number
        )
    ).scalars()
    return [
        pull
        for pull, how in _pulls(session, repo_id, number, names)
        if how != "mentions" and pull.state == "open" and not pull.merged
    ]
