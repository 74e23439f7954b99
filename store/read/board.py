"""A project's phase board, and the index of every card the command palette searches."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from json.encoder import encode_basestring_ascii
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from store.models import Branch, Issue, IssueDraft, Repository
from store.read.common import pending_numbers, pending_outcomes
from store.read.gates import GateStatus, gate_statuses, latest_signoffs, phase_counts
from store.repos import get_repo
from store.rules import PHASES, card_phase


@dataclass(frozen=True)
class Card:
    number: int | None  # None for a draft GitHub has not numbered yet
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
    draft: str | None = None  # the draft's id: a card made here (kept once it is numbered)

    def as_json(self) -> dict[str, Any]:
        # A stable JSON contract (`dslp board --json`): new fields stay out of it.
        return {
            "number": self.number,
            "draft": self.draft,
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


def branch_index(session: Session, repo_id: int) -> dict[int, str]:
    """Issue number -> its branch name (a remote branch beats a local one of the same issue)."""
    index: dict[int, str] = {}
    rows = session.execute(
        select(col(Branch.issue_number), col(Branch.name), col(Branch.location))
        .where(col(Branch.repo_id) == repo_id, col(Branch.issue_number).is_not(None))
        .order_by(col(Branch.location).desc(), col(Branch.name))
    ).all()
    for number, name, _location in rows:
        index[number] = name
    return index


def _card_query(repo_id: int, include_closed: bool, *, detail: bool) -> Any:
    """The board's issues, newest first; `detail` adds what only the app shows (labels, the
    last update, the address), which the JSON contract leaves out."""
    fields = [
        col(Issue.number),
        col(Issue.title),
        col(Issue.kind),
        col(Issue.state),
        col(Issue.outcome),
        col(Issue.phase),
    ]
    if detail:
        fields += [col(Issue.labels), col(Issue.updated_at), col(Issue.html_url)]
    query = (
        select(*fields)
        .where(
            col(Issue.repo_id) == repo_id,
            col(Issue.is_pull_request).is_(False),
            col(Issue.gone).is_(None),
        )
        .order_by(col(Issue.number).desc())
    )
    if not include_closed:
        query = query.where(col(Issue.state) == "open")
    return query


def _rows(session: Session, query: Any) -> Sequence[Any]:
    # Core rows fetched at once, not the ORM's one by one: a 6,600-card board reads in a third
    # of the time on PostgreSQL.
    return session.connection().execute(query).all()


def _gates(
    session: Session, repo: Repository, counts: Counter[str], include_closed: bool
) -> dict[str, GateStatus]:
    assert repo.id is not None
    if not include_closed:  # the gates count the closed cards too
        counts = Counter(phase_counts(session, repo.id))
    latest = latest_signoffs(session, [repo.id]).get(repo.id, {})
    return gate_statuses(counts, latest, repo.approvers)


def _overlays(
    session: Session, full_name: str
) -> tuple[Repository, dict[int, str], set[int], dict[int, str]]:
    """The repo, and what its board lays over the issues GitHub gave: each issue's branch, the
    issues with a change waiting for a push, and outcomes logged here not pushed yet."""
    repo = get_repo(session, full_name)
    assert repo.id is not None
    return (
        repo,
        branch_index(session, repo.id),
        pending_numbers(session, repo.id),
        pending_outcomes(session, repo.id),
    )


def board(session: Session, full_name: str, *, include_closed: bool = True) -> Board:
    """The phase board of one project: seven columns, unclassified issues apart, gate states."""
    repo, branches, pending, local_outcome = _overlays(session, full_name)
    assert repo.id is not None
    columns: dict[str, list[Card]] = {p: [] for p in PHASES}
    unclassified: list[Card] = []
    counts: Counter[str] = Counter()
    drafted = _drafts(session, repo.id, columns)
    query = _card_query(repo.id, include_closed, detail=True)
    for number, title, kind, state, outcome, phase, labels, updated, url in _rows(session, query):
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
            draft=drafted.get(number),
        )
        if phase is None:
            unclassified.append(card)
        else:
            columns[phase].append(card)
            counts[phase] += 1
    gates = _gates(session, repo, counts, include_closed)
    return Board(repo=repo.full_name, columns=columns, unclassified=unclassified, gates=gates)


_encode = json.JSONEncoder().encode  # one encoder, its C fast path (ASCII, like json.dumps)


class _Quoted(dict[str | None, str]):
    """JSON strings already written (kinds, states, outcomes, branches repeat down a board)."""

    def __missing__(self, key: str | None) -> str:
        self[key] = value = "null" if key is None else encode_basestring_ascii(key)
        return value


def board_json_text(session: Session, full_name: str, *, include_closed: bool = True) -> str:
    """What `dslp board --json` prints: `board(...).as_json()`, indented, one card per line.

    Read its own way because a team server's readers ask for it in a loop during a sync: none
    of what only the app shows, no Card or dict per issue, each card's line written straight
    from its row (a third of the time of building the dicts and encoding them one by one; the
    pure-Python `indent=` encoder took as long again). `tests/test_board_json.py` holds the
    text and `board(...).as_json()` equal.
    """
    repo, branches, pending, local_outcome = _overlays(session, full_name)
    assert repo.id is not None
    drafts: dict[str, list[Card]] = {p: [] for p in PHASES}
    drafted = _drafts(session, repo.id, drafts)
    columns = {p: [_encode(c.as_json()) for c in cards] for p, cards in drafts.items()}
    unclassified: list[str] = []
    counts: Counter[str] = Counter()
    query = _card_query(repo.id, include_closed, detail=False)
    q = _Quoted()
    for number, title, kind, state, outcome, phase in _rows(session, query):
        line = (
            f'{{"number": {int(number)}, "draft": {q[drafted.get(number)]}, '
            f'"title": {encode_basestring_ascii(title)}, "kind": {q[kind]}, '
            f'"state": {q[state]}, "outcome": {q[local_outcome.get(number, outcome)]}, '
            f'"branch": {q[branches.get(number)]}, '
            f'"pending_sync": {"true" if number in pending else "false"}}}'
        )
        if phase is None:
            unclassified.append(line)
        else:
            columns[phase].append(line)
            counts[phase] += 1
    gates = _gates(session, repo, counts, include_closed)
    gate_lines = {
        p: _encode({"decision": g.decision, "pending": g.pending}) for p, g in gates.items()
    }
    column_lists = {p: _list(lines, "      ") for p, lines in columns.items()}
    return (
        f'{{\n  "repo": {_encode(repo.full_name)},\n'
        f'  "columns": {_block(column_lists, "    ")},\n'
        f'  "unclassified": {_list(unclassified, "    ")},\n'
        f'  "gates": {_block(gate_lines, "    ")}\n}}'
    )


def _list(lines: list[str], pad: str) -> str:
    if not lines:
        return "[]"
    return f"[\n{pad}" + f",\n{pad}".join(lines) + f"\n{pad[:-2]}]"


def _block(values: dict[str, str], pad: str) -> str:
    if not values:
        return "{}"
    inner = f",\n{pad}".join(f"{_encode(k)}: {v}" for k, v in values.items())
    return f"{{\n{pad}{inner}\n{pad[:-2]}}}"


def _drafts(session: Session, repo_id: int, columns: dict[str, list[Card]]) -> dict[int, str]:
    """Put the repo's unpushed drafts at the top of their columns ("new · pending sync");
    returns number -> draft id of those GitHub numbered, so their cards keep the id."""
    numbered: dict[int, str] = {}
    rows = session.execute(
        select(IssueDraft)
        .where(col(IssueDraft.repo_id) == repo_id, col(IssueDraft.state).in_(("draft", "pushed")))
        .order_by(col(IssueDraft.created_at).desc())
    ).scalars()
    for d in rows:
        if d.number is not None:
            numbered[d.number] = d.id
            continue
        phase = card_phase(d.kind, d.labels) or "ideation"
        columns[phase].append(
            Card(
                number=None,
                title=d.title,
                kind=d.kind,
                state="open",
                outcome=None,
                branch=None,
                pending_sync=True,
                phase=phase,
                labels=tuple(d.labels),
                updated_at=d.updated_at,
                draft=d.id,
            )
        )
    return numbered


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
        select(
            col(Repository.full_name),
            col(Issue.number),
            col(Issue.title),
            col(Issue.kind),
            col(Issue.state),
        )
        .join(Repository, col(Repository.id) == col(Issue.repo_id))
        .where(
            col(Issue.is_pull_request).is_(False),
            col(Issue.gone).is_(None),
        )
        .order_by(col(Repository.full_name), col(Issue.number))
    ).all()
    return [CardRef(repo, number, title, kind, state) for repo, number, title, kind, state in rows]
