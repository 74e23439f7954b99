"""The portfolio: one summary per project, its models, and the team's weekly throughput."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from store.models import Issue, ModelStatus, OutboxEntry, Repository, utcnow
from store.read.common import PENDING_STATES, iso
from store.read.gates import gate_statuses, latest_signoffs
from store.report_data import aware
from store.repos import get_repo, list_repos
from store.rules import PHASES, project_phase

_MODEL_FIELDS = ("version", "status", "health")


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
            "last_synced": iso(self.last_synced),
            "models": [asdict(m) for m in self.models],
        }


def model_infos(
    session: Session, repo_ids: list[int], number: int | None = None
) -> dict[int, list[ModelInfo]]:
    """Current version, status and health of each model: the latest row that set each one.

    One ranked query per field reads one row per model, however long its history is.
    """
    current: dict[tuple[int, int], dict[str, str]] = {}
    if not repo_ids:
        return {}
    for key in _MODEL_FIELDS:
        column = getattr(ModelStatus, key)
        query = select(
            col(ModelStatus.repo_id),
            col(ModelStatus.issue_number),
            column,
            func.row_number()
            .over(
                partition_by=(col(ModelStatus.repo_id), col(ModelStatus.issue_number)),
                order_by=(col(ModelStatus.created_at).desc(), col(ModelStatus.id).desc()),
            )
            .label("rank"),
        ).where(col(ModelStatus.repo_id).in_(repo_ids), column.is_not(None))
        if number is not None:
            query = query.where(col(ModelStatus.issue_number) == number)
        ranked = query.subquery()
        cols: Any = ranked.c
        for rid, n, value, _rank in session.execute(select(ranked).where(cols.rank == 1)):
            current.setdefault((rid, n), {})[key] = value
    if not current:
        return {}
    title_query = select(
        col(Issue.repo_id), col(Issue.number), col(Issue.title), col(Issue.phase)
    ).where(
        col(Issue.repo_id).in_(repo_ids),
        col(Issue.kind) == "model",
    )
    if number is not None:
        title_query = title_query.where(col(Issue.number) == number)
    titles = {(r, n): (t, p) for r, n, t, p in session.execute(title_query).all()}
    out: dict[int, list[ModelInfo]] = defaultdict(list)
    for (rid, n), cur in sorted(current.items()):
        title, phase = titles.get((rid, n), ("", None))
        out[rid].append(
            ModelInfo(n, title, cur.get("version"), cur.get("status"), cur.get("health"), phase)
        )
    return out


def project_summaries(session: Session, repos: list[str] | None = None) -> list[ProjectSummary]:
    """One summary per tracked project, from a handful of grouped queries (not one per repo)."""
    all_repos = list_repos(session)
    if repos:
        wanted = {get_repo(session, name).id for name in repos}
        all_repos = [r for r in all_repos if r.id in wanted]
    ids = [r.id for r in all_repos if r.id is not None]
    cards: dict[int, Counter[str]] = defaultdict(Counter)
    open_cards: dict[int, Counter[str]] = defaultdict(Counter)
    issues: Counter[int] = Counter()
    prs: Counter[int] = Counter()
    blocked: Counter[int] = Counter()
    live = col(Issue.gone).is_(None)
    for repo_id, phase, state, is_pr, outcome, n in session.execute(
        select(
            col(Issue.repo_id),
            col(Issue.phase),
            col(Issue.state),
            col(Issue.is_pull_request),
            col(Issue.outcome),
            func.count(),
        )
        .where(col(Issue.repo_id).in_(ids), live)
        .group_by(
            col(Issue.repo_id),
            col(Issue.phase),
            col(Issue.state),
            col(Issue.is_pull_request),
            col(Issue.outcome),
        )
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
    outbox: Counter[int] = Counter(
        {
            rid: n
            for rid, n in session.execute(
                select(col(OutboxEntry.repo_id), func.count())
                .where(col(OutboxEntry.state).in_(PENDING_STATES))
                .group_by(col(OutboxEntry.repo_id))
            ).all()
        }
    )
    signoffs = latest_signoffs(session, ids)
    models = model_infos(session, ids)
    out = []
    for repo in all_repos:
        assert repo.id is not None
        counts = cards[repo.id]
        gates = gate_statuses(counts, signoffs.get(repo.id, {}), repo.approvers)
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


def weekly_throughput(
    session: Session, repo: str | None = None, weeks: int = 12, now: datetime | None = None
) -> list[int]:
    """Cards done per week over the last `weeks` weeks, oldest first, this week last.

    One indexed query; meant for a sparkline on the portfolio (all repos) or a project.
    """
    today = (aware(now) or utcnow()).date()
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    query = select(col(Issue.closed_at)).where(
        col(Issue.is_pull_request).is_(False),
        col(Issue.kind).is_not(None),
        col(Issue.gone).is_(None),
        col(Issue.state) == "closed",
        col(Issue.closed_at) >= start,
        col(Issue.state_reason).is_distinct_from("not_planned"),
    )
    if repo is not None:
        query = query.join(Repository, col(Repository.id) == col(Issue.repo_id)).where(
            func.lower(col(Repository.full_name)) == repo.lower()
        )
    counts = [0] * weeks
    for (closed,) in session.execute(query):
        day = (aware(closed) or start).date()
        i = ((day - timedelta(days=day.weekday())) - first).days // 7
        if 0 <= i < weeks:
            counts[i] += 1
    return counts
