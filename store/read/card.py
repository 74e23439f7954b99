"""A card's detail: body, lineage, branches and PRs, outcomes, comments, checklist, violations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, or_, select
from sqlmodel import Session, col

from store.models import Branch, ChecklistItem, Comment, ExperimentOutcome, Issue, OutboxEntry
from store.read.common import PENDING_STATES, pending_outcomes
from store.read.portfolio import ModelInfo, model_infos
from store.read.pulls import PullRef, linked_pulls
from store.repos import get_repo
from store.rules import (
    BranchFacts,
    ChecklistView,
    PullFacts,
    branch_for,
    card_violations,
    merge_checklist,
)

__all__ = ["BranchView", "CardDetail", "ChecklistView", "LinkedCard", "PullRef", "card_detail"]


@dataclass(frozen=True)
class LinkedCard:
    number: int
    title: str
    kind: str | None
    state: str
    outcome: str | None


@dataclass(frozen=True)
class OutcomeView:
    id: str
    status: str
    tldr: str
    metrics: dict[str, Any]
    run_links: list[str]
    author: str | None
    created_at: datetime
    origin: str
    pending_sync: bool
    github_login: str | None = None  # who posted it on GitHub: the author that counts


@dataclass(frozen=True)
class CommentView:
    author: str | None
    body: str
    created_at: datetime | None


@dataclass(frozen=True)
class BranchView:
    name: str
    location: str
    kind: str
    merged: bool
    pushed: bool
    violation: str | None
    ahead: int | None = None  # commits beyond the collaboration branch (local clones only)
    behind: int | None = None  # commits of the collaboration branch it lacks


@dataclass(frozen=True)
class CardDetail:
    repo: str
    number: int
    title: str
    body: str
    kind: str | None
    phase: str | None
    state: str
    outcome: str | None
    labels: tuple[str, ...]
    author: str | None
    html_url: str | None
    created_at: datetime | None
    closed_at: datetime | None
    tldr: str | None
    pending_sync: bool
    parents: list[LinkedCard]
    children: list[LinkedCard]
    branches: list[BranchView]
    pull_requests: list[PullRef]  # by head ref (kept after GitHub deletes the branch) or `#N`
    outcomes: list[OutcomeView]
    comments: list[CommentView]
    checklist: list[ChecklistView]
    model: ModelInfo | None
    violations: list[str]
    pending_kinds: tuple[str, ...] = ()  # outbox kinds still waiting for a push ("model", ...)
    suggested_branch: str | None = None  # the DSLP name for an open card with no branch yet
    base_branch: str = "main"  # what the branches' ahead/behind counts compare with


_LINK_COLUMNS = (
    col(Issue.number),
    col(Issue.title),
    col(Issue.kind),
    col(Issue.state),
    col(Issue.outcome),
    col(Issue.ask_refs),
    col(Issue.experiment_refs),
)
_BRANCHED_KINDS = ("data", "explore", "experiment", "model")


def _linked(row: Any, overlay: dict[int, str]) -> LinkedCard:
    number, title, kind, state, outcome = row[:5]
    return LinkedCard(number, title, kind, state, overlay.get(number, outcome))


def _cards_where(rid: int, *conditions: Any) -> Any:
    return select(*_LINK_COLUMNS).where(
        col(Issue.repo_id) == rid,
        col(Issue.is_pull_request).is_(False),
        col(Issue.gone).is_(None),
        *conditions,
    )


def _neighbours(
    session: Session, rid: int, number: int, up: list[int]
) -> tuple[list[Any], list[Any]]:
    """The cards this one names (its Ask, its experiment) and the cards that name it.

    References are JSON lists: the text match is a cheap prefilter (it finds 12 in [112] too)
    and the exact check is done here, so the query returns about the card's neighbours only.
    """
    parents = (
        list(session.execute(_cards_where(rid, col(Issue.number).in_(up))).all()) if up else []
    )
    pattern = f"%{number}%"
    rows = session.execute(
        _cards_where(
            rid,
            or_(
                cast(col(Issue.ask_refs), String).like(pattern),
                cast(col(Issue.experiment_refs), String).like(pattern),
            ),
        )
    ).all()
    children = [r for r in rows if number in (r[5] or ()) or number in (r[6] or ())]
    by_number = {r[0]: r for r in parents}
    return [by_number[n] for n in up if n in by_number], sorted(children, key=lambda r: r[0])


def card_detail(session: Session, full_name: str, number: int) -> CardDetail:
    repo = get_repo(session, full_name)
    assert repo.id is not None
    rid = repo.id
    issue = session.execute(
        select(Issue).where(col(Issue.repo_id) == rid, col(Issue.number) == number)
    ).scalar_one_or_none()
    if issue is None:
        raise LookupError(f"{full_name}#{number} is not in the mirror: run `dslp sync {full_name}`")
    from store.issue_body import parse_body  # Markdown parser: only a card's detail needs it

    parsed = parse_body(issue.body)
    up = list(dict.fromkeys([*issue.ask_refs, *issue.experiment_refs]))
    parent_rows, child_rows = _neighbours(session, rid, number, up)
    branch_rows = list(
        session.execute(
            select(Branch).where(col(Branch.repo_id) == rid, col(Branch.issue_number) == number)
        ).scalars()
    )
    pulls = linked_pulls(session, rid, number, (b.name for b in branch_rows))
    shown = [number, *(r[0] for r in parent_rows), *(r[0] for r in child_rows)]
    overlay = pending_outcomes(session, rid, shown)
    pending_entries = session.execute(
        select(col(OutboxEntry.id), col(OutboxEntry.kind), col(OutboxEntry.payload)).where(
            col(OutboxEntry.repo_id) == rid,
            col(OutboxEntry.issue_number) == number,
            col(OutboxEntry.state).in_(PENDING_STATES),
        )
    ).all()
    pending_ids = {entry_id for entry_id, _kind, _payload in pending_entries}
    # A checklist entry names its item by text (payload JSON, compared here: portable SQL).
    pending_texts = {
        (payload or {}).get("text") for _id, kind, payload in pending_entries if kind == "checklist"
    }
    outcomes = [
        OutcomeView(
            o.id,
            o.status,
            o.tldr,
            dict(o.metrics),
            list(o.run_links),
            o.author,
            o.created_at,
            o.origin,
            o.id in pending_ids,
            o.github_login,
        )
        for o in session.execute(
            select(ExperimentOutcome)
            .where(
                col(ExperimentOutcome.repo_id) == rid, col(ExperimentOutcome.issue_number) == number
            )
            .order_by(col(ExperimentOutcome.created_at))
        ).scalars()
    ]
    comments = [
        CommentView(c.author, c.body or "", c.created_at)
        for c in session.execute(
            select(Comment)
            .where(col(Comment.repo_id) == rid, col(Comment.issue_number) == number)
            .order_by(col(Comment.created_at))
        ).scalars()
    ]
    stored = session.execute(
        select(ChecklistItem)
        .where(col(ChecklistItem.repo_id) == rid, col(ChecklistItem.issue_number) == number)
        .order_by(col(ChecklistItem.position))
    ).scalars()
    checklist = merge_checklist(
        [(t.text, t.done) for t in parsed.tasks],
        [(i.text, i.done, i.origin) for i in stored],
        pending_texts,
        with_standard_steps=issue.kind == "model",
    )
    models = model_infos(session, [rid], number).get(rid, [])
    outcome = overlay.get(number, issue.outcome)
    violations = card_violations(
        number=issue.number,
        kind=issue.kind,
        state=issue.state,
        outcome=issue.outcome,
        tldr=issue.tldr,
        branches=[BranchFacts(b.name, b.kind, b.merged, b.violation) for b in branch_rows],
        outcome_tldrs=[o.tldr for o in outcomes],
        pulls=[PullFacts(p.number, p.state, p.merged, p.draft, p.base, p.head) for p in pulls],
    )
    suggested = None
    if not branch_rows and issue.state == "open" and issue.kind in _BRANCHED_KINDS:
        suggested = branch_for(issue.kind, issue.number, issue.title)
    return CardDetail(
        repo=repo.full_name,
        number=issue.number,
        title=issue.title,
        body=issue.body or "",
        kind=issue.kind,
        phase=issue.phase,
        state=issue.state,
        outcome=outcome,
        labels=tuple(issue.labels),
        author=issue.author,
        html_url=issue.html_url,
        created_at=issue.created_at,
        closed_at=issue.closed_at,
        tldr=issue.tldr or parsed.tldr,
        pending_sync=bool(pending_ids),
        parents=[_linked(r, overlay) for r in parent_rows],
        children=[_linked(r, overlay) for r in child_rows],
        branches=[
            BranchView(
                b.name, b.location, b.kind, b.merged, b.pushed, b.violation, b.ahead, b.behind
            )
            for b in branch_rows
        ],
        pull_requests=pulls,
        outcomes=outcomes,
        comments=comments,
        checklist=checklist,
        model=models[0] if models else None,
        violations=violations,
        pending_kinds=tuple(sorted({kind for _id, kind, _payload in pending_entries})),
        suggested_branch=suggested,
        base_branch=repo.default_branch,
    )
