"""Read queries for the screens and the JSON commands, returning plain dataclasses.

Screens never hold ORM rows: what they get is a snapshot that cannot lazy-load, cannot go stale
under a thread worker, and renders the same in tests and in the app.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from store.models import (
    Branch,
    ChecklistItem,
    Comment,
    ExperimentOutcome,
    Issue,
    ModelStatus,
    OutboxEntry,
    Repository,
    SignOff,
)
from store.rules import HANDOFF_STEPS, PHASES, project_phase

# Outbox states that still wait for GitHub: store.outbox.PENDING_STATES (a test holds them
# equal). Not imported from there: the outbox pulls in the write path (mirror, Markdown parser),
# which the app's first screen does not need, and every import delays its first paint.
PENDING_STATES = ("pending", "in_flight")


class UnknownRepo(LookupError):
    """The named repository is not tracked; the message says how to add it."""


@dataclass(frozen=True)
class GateStatus:
    """Where a phase gate stands: the latest decision, and whether a sign-off is still owed.

    A gate is pending when its phase has cards and its latest sign-off is not "approved".
    """

    phase: str
    decision: str | None
    stakeholder: str | None
    decided_at: datetime | None
    pending: bool
    signoffs: int


@dataclass(frozen=True)
class ModelInfo:
    number: int
    title: str
    version: str | None
    status: str | None
    health: str | None
    phase: str | None


@dataclass(frozen=True)
class ProjectSummary:
    repo: str
    phase: str
    cards: dict[str, int]
    open_cards: dict[str, int]
    issues: int
    pull_requests: int
    pending_signoffs: int
    pending_gates: list[str]
    outbox_pending: int
    blocked: int
    last_synced: datetime | None
    models: list[ModelInfo] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "repo": self.repo,
            "phase": self.phase,
            "cards": dict(self.cards),
            "issues": self.issues,
            "pull_requests": self.pull_requests,
            "pending_signoffs": self.pending_signoffs,
            "pending_gates": list(self.pending_gates),
            "outbox_pending": self.outbox_pending,
            "blocked": self.blocked,
            "last_synced": _iso(self.last_synced),
            "models": [m.__dict__ for m in self.models],
        }


@dataclass(frozen=True)
class Card:
    number: int
    title: str
    kind: str | None
    state: str
    outcome: str | None
    branch: str | None
    pending_sync: bool
    phase: str | None
    labels: tuple[str, ...]
    updated_at: datetime | None
    html_url: str | None = None

    def as_json(self) -> dict[str, Any]:
        # A stable JSON contract (`dslp board --json`): new fields stay out of it.
        return {
            "number": self.number,
            "title": self.title,
            "kind": self.kind,
            "state": self.state,
            "outcome": self.outcome,
            "branch": self.branch,
            "pending_sync": self.pending_sync,
        }


@dataclass(frozen=True)
class Board:
    repo: str
    columns: dict[str, list[Card]]
    unclassified: list[Card]
    gates: dict[str, GateStatus]

    def as_json(self) -> dict[str, Any]:
        return {
            "repo": self.repo,
            "columns": {p: [c.as_json() for c in cards] for p, cards in self.columns.items()},
            "unclassified": [c.as_json() for c in self.unclassified],
            "gates": {
                p: {"decision": g.decision, "pending": g.pending} for p, g in self.gates.items()
            },
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def find_repo(session: Session, full_name: str) -> Repository | None:
    """The tracked repo of that name in any case (GitHub's names ignore it), or None.

    One row per repo; a mirror from before names were matched without case may hold two:
    the exact spelling wins, so each stays reachable (and removable).
    """
    same = (
        session.execute(
            select(Repository)
            .where(func.lower(Repository.full_name) == full_name.lower())
            .order_by(Repository.id)  # type: ignore[arg-type]
        )
        .scalars()
        .all()
    )
    return next((r for r in same if r.full_name == full_name), same[0] if same else None)


def get_repo(session: Session, full_name: str) -> Repository:
    repo = find_repo(session, full_name)
    if repo is None:
        raise UnknownRepo(
            f"{full_name} is not tracked here: add it with `dslp repo add {full_name}`"
        )
    return repo


def list_repos(session: Session) -> list[Repository]:
    return list(session.execute(select(Repository).order_by(Repository.full_name)).scalars())


def _latest_signoffs(session: Session, repo_ids: list[int]) -> dict[int, dict[str, list[SignOff]]]:
    by_repo: dict[int, dict[str, list[SignOff]]] = defaultdict(lambda: defaultdict(list))
    if not repo_ids:
        return by_repo
    rows = session.execute(
        select(SignOff)
        .where(SignOff.repo_id.in_(repo_ids))  # type: ignore[attr-defined]
        .order_by(SignOff.created_at)  # type: ignore[arg-type]
    ).scalars()
    for row in rows:
        by_repo[row.repo_id][row.gate].append(row)
    return by_repo


def _gates(cards: Counter[str], signoffs: dict[str, list[SignOff]]) -> dict[str, GateStatus]:
    gates = {}
    for phase in PHASES:
        history = signoffs.get(phase, [])
        last = history[-1] if history else None
        gates[phase] = GateStatus(
            phase=phase,
            decision=last.decision if last else None,
            stakeholder=last.stakeholder if last else None,
            decided_at=last.created_at if last else None,
            pending=cards.get(phase, 0) > 0 and (last is None or last.decision != "approved"),
            signoffs=len(history),
        )
    return gates


def _models(session: Session, repo_ids: list[int]) -> dict[int, list[ModelInfo]]:
    """Current version/status/health of each Model issue, folding its history in time order."""
    state: dict[tuple[int, int], dict[str, Any]] = {}
    rows = session.execute(
        select(ModelStatus)
        .where(ModelStatus.repo_id.in_(repo_ids))  # type: ignore[attr-defined]
        .order_by(ModelStatus.created_at)  # type: ignore[arg-type]
    ).scalars()
    for row in rows:
        current = state.setdefault((row.repo_id, row.issue_number), {})
        for key in ("version", "status", "health"):
            value = getattr(row, key)
            if value is not None:
                current[key] = value
    if not state:
        return {}
    titles = {
        (r, n): (t, p)
        for r, n, t, p in session.execute(
            select(Issue.repo_id, Issue.number, Issue.title, Issue.phase).where(
                Issue.repo_id.in_(repo_ids),  # type: ignore[attr-defined]
                Issue.kind == "model",  # type: ignore[arg-type]
            )
        ).all()
    }
    out: dict[int, list[ModelInfo]] = defaultdict(list)
    for (repo_id, number), cur in sorted(state.items()):
        title, phase = titles.get((repo_id, number), ("", None))
        out[repo_id].append(
            ModelInfo(
                number=number,
                title=title,
                version=cur.get("version"),
                status=cur.get("status"),
                health=cur.get("health"),
                phase=phase,
            )
        )
    return out


def project_summaries(session: Session, repos: list[str] | None = None) -> list[ProjectSummary]:
    """One summary per tracked project, from a handful of grouped queries (not one per repo)."""
    all_repos = list_repos(session)
    if repos:
        wanted = [get_repo(session, name) for name in repos]
        all_repos = [r for r in all_repos if r.id in {w.id for w in wanted}]
    ids = [r.id for r in all_repos if r.id is not None]
    cards: dict[int, Counter[str]] = defaultdict(Counter)
    open_cards: dict[int, Counter[str]] = defaultdict(Counter)
    issues: Counter[int] = Counter()
    prs: Counter[int] = Counter()
    blocked: Counter[int] = Counter()
    live = Issue.gone.is_(None)  # type: ignore[union-attr]
    for repo_id, phase, state, is_pr, outcome, n in session.execute(
        select(
            Issue.repo_id,
            Issue.phase,
            Issue.state,
            Issue.is_pull_request,
            Issue.outcome,
            func.count(),
        )
        .where(Issue.repo_id.in_(ids), live)  # type: ignore[attr-defined]
        .group_by(Issue.repo_id, Issue.phase, Issue.state, Issue.is_pull_request, Issue.outcome)
    ).all():
        if is_pr:
            prs[repo_id] += n
            continue
        issues[repo_id] += n
        if phase is not None:
            cards[repo_id][phase] += n
            if state == "open" or phase == "monitoring":
                open_cards[repo_id][phase] += n
        if outcome == "blocked - need access" and state == "open":
            blocked[repo_id] += n
    outbox = Counter(
        dict(
            session.execute(
                select(OutboxEntry.repo_id, func.count())
                .where(OutboxEntry.state.in_(PENDING_STATES))  # type: ignore[attr-defined]
                .group_by(OutboxEntry.repo_id)
            ).all()
        )
    )
    signoffs = _latest_signoffs(session, ids)
    models = _models(session, ids)
    out = []
    for repo in all_repos:
        assert repo.id is not None
        counts = cards[repo.id]
        gates = _gates(counts, signoffs.get(repo.id, {}))
        pending = [p for p, g in gates.items() if g.pending]
        phase_input = [(p, True) for p, n in open_cards[repo.id].items() if n] + [
            (p, False) for p, n in counts.items() if n
        ]
        out.append(
            ProjectSummary(
                repo=repo.full_name,
                phase=project_phase(phase_input),
                cards={p: counts.get(p, 0) for p in PHASES},
                open_cards={p: open_cards[repo.id].get(p, 0) for p in PHASES},
                issues=issues[repo.id],
                pull_requests=prs[repo.id],
                pending_signoffs=len(pending),
                pending_gates=pending,
                outbox_pending=outbox.get(repo.id, 0),
                blocked=blocked[repo.id],
                last_synced=repo.last_synced_at,
                models=models.get(repo.id, []),
            )
        )
    return out


def _branch_index(session: Session, repo_id: int) -> dict[int, str]:
    """Issue number -> its branch name (a remote branch beats a local one of the same issue)."""
    index: dict[int, str] = {}
    rows = session.execute(
        select(Branch.issue_number, Branch.name, Branch.location)
        .where(Branch.repo_id == repo_id, Branch.issue_number.is_not(None))  # type: ignore[union-attr,arg-type]
        .order_by(Branch.location.desc(), Branch.name)  # type: ignore[attr-defined]
    ).all()
    for number, name, _location in rows:
        index[number] = name
    return index


def _pending_numbers(session: Session, repo_id: int) -> set[int]:
    return set(
        session.execute(
            select(OutboxEntry.issue_number).where(
                OutboxEntry.repo_id == repo_id,  # type: ignore[arg-type]
                OutboxEntry.state.in_(PENDING_STATES),  # type: ignore[attr-defined]
                OutboxEntry.issue_number.is_not(None),  # type: ignore[union-attr]
            )
        ).scalars()
    )


def _pending_outcomes(session: Session, repo_id: int, number: int | None = None) -> dict[int, str]:
    """Issue number -> the status of its latest outcome still waiting for a push.

    An outcome logged offline shows on its card (board, lineage, detail) before GitHub has the
    label; once pushed, the label pulled back from GitHub is the truth again.
    """
    query = (
        select(ExperimentOutcome.issue_number, ExperimentOutcome.status)
        .join(OutboxEntry, OutboxEntry.id == ExperimentOutcome.id)  # type: ignore[arg-type]
        .where(
            ExperimentOutcome.repo_id == repo_id,  # type: ignore[arg-type]
            OutboxEntry.state.in_(PENDING_STATES),  # type: ignore[attr-defined]
        )
        .order_by(ExperimentOutcome.created_at)  # type: ignore[arg-type]
    )
    if number is not None:
        query = query.where(ExperimentOutcome.issue_number == number)  # type: ignore[arg-type]
    return dict(session.execute(query).all())  # type: ignore[arg-type]


def board(session: Session, full_name: str, *, include_closed: bool = True) -> Board:
    """The phase board of one project: seven columns, unclassified issues apart, gate states."""
    repo = get_repo(session, full_name)
    assert repo.id is not None
    branches = _branch_index(session, repo.id)
    pending = _pending_numbers(session, repo.id)
    local_outcome = _pending_outcomes(session, repo.id)
    query = (
        select(
            Issue.number,
            Issue.title,
            Issue.kind,
            Issue.state,
            Issue.outcome,
            Issue.phase,
            Issue.labels,
            Issue.updated_at,
            Issue.html_url,
        )
        .where(
            Issue.repo_id == repo.id,  # type: ignore[arg-type]
            Issue.is_pull_request.is_(False),  # type: ignore[attr-defined]
            Issue.gone.is_(None),  # type: ignore[union-attr]
        )
        .order_by(Issue.number.desc())  # type: ignore[attr-defined]
    )
    if not include_closed:
        query = query.where(Issue.state == "open")  # type: ignore[arg-type]
    columns: dict[str, list[Card]] = {p: [] for p in PHASES}
    unclassified: list[Card] = []
    counts: Counter[str] = Counter()
    for number, title, kind, state, outcome, phase, labels, updated, url in session.execute(query):
        card = Card(
            number=number,
            title=title,
            kind=kind,
            state=state,
            outcome=local_outcome.get(number, outcome),
            branch=branches.get(number),
            pending_sync=number in pending,
            phase=phase,
            labels=tuple(labels or ()),
            updated_at=updated,
            html_url=url,
        )
        if phase is None:
            unclassified.append(card)
        else:
            columns[phase].append(card)
            counts[phase] += 1
    if not include_closed:
        counts = Counter(
            dict(
                session.execute(
                    select(Issue.phase, func.count())
                    .where(
                        Issue.repo_id == repo.id,  # type: ignore[arg-type]
                        Issue.is_pull_request.is_(False),  # type: ignore[attr-defined]
                        Issue.phase.is_not(None),  # type: ignore[union-attr]
                        Issue.gone.is_(None),  # type: ignore[union-attr]
                    )
                    .group_by(Issue.phase)
                ).all()
            )
        )
    gates = _gates(counts, _latest_signoffs(session, [repo.id]).get(repo.id, {}))
    return Board(repo=repo.full_name, columns=columns, unclassified=unclassified, gates=gates)


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


@dataclass(frozen=True)
class CommentView:
    author: str | None
    body: str
    created_at: datetime | None


@dataclass(frozen=True)
class ChecklistView:
    position: int
    text: str
    done: bool
    origin: str
    pending_sync: bool = False


@dataclass(frozen=True)
class BranchView:
    name: str
    location: str
    kind: str
    merged: bool
    pushed: bool
    violation: str | None


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
    pull_requests: list[LinkedCard]
    outcomes: list[OutcomeView]
    comments: list[CommentView]
    checklist: list[ChecklistView]
    model: ModelInfo | None
    violations: list[str]
    pending_kinds: tuple[str, ...] = ()  # outbox kinds still waiting for a push ("model", ...)


_LINK_COLUMNS = (
    Issue.number,
    Issue.title,
    Issue.kind,
    Issue.state,
    Issue.outcome,
    Issue.ask_refs,
    Issue.experiment_refs,
)


def _linked(row: Any, pending_outcomes: dict[int, str]) -> LinkedCard:
    number, title, kind, state, outcome = row[:5]
    return LinkedCard(number, title, kind, state, pending_outcomes.get(number, outcome))


def card_detail(session: Session, full_name: str, number: int) -> CardDetail:
    repo = get_repo(session, full_name)
    assert repo.id is not None
    rid = repo.id
    issue = session.execute(
        select(Issue).where(Issue.repo_id == rid, Issue.number == number)  # type: ignore[arg-type]
    ).scalar_one_or_none()
    if issue is None:
        raise LookupError(f"{full_name}#{number} is not in the mirror: run `dslp sync {full_name}`")
    from store.issue_body import parse_body  # Markdown parser: only a card's detail needs it

    parsed = parse_body(issue.body)
    pending_outcomes = _pending_outcomes(session, rid)
    up = list(dict.fromkeys([*issue.ask_refs, *issue.experiment_refs]))
    # Links live in JSON lists: read the few columns they need of every card in one query
    # (no bodies), rather than one query per linked card.
    others = {
        row[0]: row
        for row in session.execute(
            select(*_LINK_COLUMNS).where(
                Issue.repo_id == rid,  # type: ignore[arg-type]
                Issue.is_pull_request.is_(False),  # type: ignore[attr-defined]
                Issue.gone.is_(None),  # type: ignore[union-attr]
            )
        ).all()
    }
    parents = [_linked(others[n], pending_outcomes) for n in up if n in others]
    children = [
        _linked(row, pending_outcomes)
        for row in others.values()
        if number in (row[5] or ()) or number in (row[6] or ())
    ]
    branch_rows = list(
        session.execute(
            select(Branch).where(Branch.repo_id == rid, Branch.issue_number == number)  # type: ignore[arg-type]
        ).scalars()
    )
    names = {b.name for b in branch_rows}
    prs = [
        _linked(row, pending_outcomes)
        for row in session.execute(
            select(*_LINK_COLUMNS[:5]).where(
                Issue.repo_id == rid,  # type: ignore[arg-type]
                Issue.is_pull_request.is_(True),  # type: ignore[attr-defined]
                Issue.pr_head_ref.in_(names or {""}),  # type: ignore[union-attr]
            )
        ).all()
    ]
    pending_entries = session.execute(
        select(OutboxEntry.id, OutboxEntry.kind, OutboxEntry.payload).where(
            OutboxEntry.repo_id == rid,  # type: ignore[arg-type]
            OutboxEntry.issue_number == number,  # type: ignore[arg-type]
            OutboxEntry.state.in_(PENDING_STATES),  # type: ignore[attr-defined]
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
        )
        for o in session.execute(
            select(ExperimentOutcome)
            .where(ExperimentOutcome.repo_id == rid, ExperimentOutcome.issue_number == number)  # type: ignore[arg-type]
            .order_by(ExperimentOutcome.created_at)  # type: ignore[arg-type]
        ).scalars()
    ]
    comments = [
        CommentView(c.author, c.body or "", c.created_at)
        for c in session.execute(
            select(Comment)
            .where(Comment.repo_id == rid, Comment.issue_number == number)  # type: ignore[arg-type]
            .order_by(Comment.created_at)  # type: ignore[arg-type]
        ).scalars()
    ]
    stored = list(
        session.execute(
            select(ChecklistItem)
            .where(ChecklistItem.repo_id == rid, ChecklistItem.issue_number == number)  # type: ignore[arg-type]
            .order_by(ChecklistItem.position)  # type: ignore[arg-type]
        ).scalars()
    )
    checklist = merge_checklist(
        [(t.text, t.done) for t in parsed.tasks],
        [(i.text, i.done, i.origin) for i in stored],
        pending_texts,
        with_standard_steps=issue.kind == "model",
    )
    model = next((m for m in _models(session, [rid]).get(rid, []) if m.number == number), None)
    violations = card_violations(issue, branch_rows, outcomes)
    return CardDetail(
        repo=repo.full_name,
        number=issue.number,
        title=issue.title,
        body=issue.body or "",
        kind=issue.kind,
        phase=issue.phase,
        state=issue.state,
        outcome=pending_outcomes.get(number, issue.outcome),
        labels=tuple(issue.labels),
        author=issue.author,
        html_url=issue.html_url,
        created_at=issue.created_at,
        closed_at=issue.closed_at,
        tldr=issue.tldr or parsed.tldr,
        pending_sync=bool(pending_ids),
        parents=parents,
        children=sorted(children, key=lambda c: c.number),
        branches=[
            BranchView(b.name, b.location, b.kind, b.merged, b.pushed, b.violation)
            for b in branch_rows
        ],
        pull_requests=prs,
        outcomes=outcomes,
        comments=comments,
        checklist=checklist,
        model=model,
        violations=violations,
        pending_kinds=tuple(sorted({kind for _id, kind, _payload in pending_entries})),
    )


def merge_checklist(
    body_tasks: list[tuple[str, bool]],
    stored: list[tuple[str, bool, str]],
    pending_texts: set[str | None],
    *,
    with_standard_steps: bool,
) -> list[ChecklistView]:
    """The hand-off checklist as a lead should see it.

    The issue body is the truth for its tasks (a teammate may have ticked one on GitHub), except
    where a local change is still waiting to be pushed; then come the items only this mirror
    has (added here, or standard steps not yet written to the body), then the DSLP steps
    nobody has touched yet.
    """
    local = {text: (done, origin) for text, done, origin in stored}
    items: list[tuple[str, bool, str]] = []
    seen: set[str] = set()
    for text, done in body_tasks:
        if text in seen:
            continue
        if text in pending_texts and text in local:
            done = local[text][0]
        items.append((text, done, "body"))
        seen.add(text)
    for text, done, origin in stored:
        if text not in seen:
            items.append((text, done, origin))
            seen.add(text)
    if with_standard_steps:
        items += [(t, False, "standard") for t in HANDOFF_STEPS if t not in seen]
    return [
        ChecklistView(n, text, done, origin, text in pending_texts)
        for n, (text, done, origin) in enumerate(items)
    ]


def card_violations(issue: Issue, branches: list[Branch], outcomes: list[OutcomeView]) -> list[str]:
    """DSLP rules this card breaks, as sentences a lead can act on."""
    found = []
    for b in branches:
        if (
            b.kind not in ("issue", "collaboration", "invalid")
            and issue.kind
            and b.kind != issue.kind
        ):
            found.append(
                f"branch {b.name} is a {b.kind} branch but #{issue.number} is {issue.kind}"
            )
        if b.kind == "explore" and b.merged:
            found.append(f"explore branch {b.name} was merged: DSLP closes explore PRs unmerged")
        if b.violation and b.violation != "misnamed":
            found.append(f"branch {b.name}: {b.violation}")
    if issue.kind == "experiment" and issue.state == "closed":
        if issue.outcome is None and not outcomes:
            found.append("experiment closed without an outcome (succeeded / failed label)")
        if not (issue.tldr or any(o.tldr for o in outcomes)):
            found.append("experiment closed without a TLDR in its Results")
    return found


@dataclass(frozen=True)
class SignOffView:
    gate: str
    stakeholder: str
    decision: str
    note: str
    created_at: datetime | None
    issue_number: int | None
    pending_sync: bool


def signoff_history(session: Session, full_name: str) -> dict[str, list[SignOffView]]:
    """Every sign-off of a project by gate, oldest first, with whether it still waits for a push."""
    repo = get_repo(session, full_name)
    rows = session.execute(
        select(SignOff, OutboxEntry.state)
        .outerjoin(OutboxEntry, OutboxEntry.id == SignOff.id)  # type: ignore[arg-type]
        .where(SignOff.repo_id == repo.id)  # type: ignore[arg-type]
        .order_by(SignOff.created_at, SignOff.id)  # type: ignore[arg-type]
    ).all()
    out: dict[str, list[SignOffView]] = {}
    for row, state in rows:
        out.setdefault(row.gate, []).append(
            SignOffView(
                gate=row.gate,
                stakeholder=row.stakeholder,
                decision=row.decision,
                note=row.note,
                created_at=row.created_at,
                issue_number=row.issue_number,
                pending_sync=state in PENDING_STATES,
            )
        )
    return out


@dataclass(frozen=True)
class CardRef:
    repo: str
    number: int
    title: str
    kind: str | None
    state: str


def card_index(session: Session) -> list[CardRef]:
    """Number and title of every card of every project (no PRs, no gone issues)."""
    rows = session.execute(
        select(Repository.full_name, Issue.number, Issue.title, Issue.kind, Issue.state)
        .join(Repository, Repository.id == Issue.repo_id)  # type: ignore[arg-type]
        .where(
            Issue.is_pull_request.is_(False),  # type: ignore[attr-defined]
            Issue.gone.is_(None),  # type: ignore[union-attr]
        )
        .order_by(Repository.full_name, Issue.number)  # type: ignore[arg-type]
    ).all()
    return [CardRef(repo, number, title, kind, state) for repo, number, title, kind, state in rows]
