"""The DSLP steps an outcome or a close sets off, each its own outbox entry, in order.

DSLP's rules (../shared/DSLP.md, "The steps, in order"): a failed experiment is labelled, its
PRs and the issue are closed unmerged and the Ask is updated; a succeeded one opens a Model
issue, a model branch from the collaboration branch, and its PR is retargeted to that branch.
Each step waits for the one before it (`after`): a step GitHub refuses holds the rest of its
chain, nothing is retried blindly. The same plan is what the outcome form shows before saving.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from store.ask_lists import ASK_SECTIONS
from store.drafts import card_of, create_draft
from store.models import ExperimentOutcome, Issue, OutboxEntry, Repository
from store.outbox import InvalidChange, new_id, queue_entry, record_outcome
from store.read.pulls import open_pulls_of
from store.rules import branch_for

CLOSE_REASONS = ("completed", "not_planned")
STEP_KINDS = ("issue", "ask_item", "close", "close_pulls", "branch", "retarget", "note")
_NEXT_KIND = {"open-model": "model", "new-experiment": "experiment", "get-data": "data"}
_NEXT_TITLE = {"model": "Productionise", "experiment": "Follow-up to", "data": "Data for"}


@dataclass(frozen=True)
class Step:
    kind: str  # one of STEP_KINDS
    says: str  # what it will do, as the form and `dslp outbox` say it
    issue_number: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)


def _pulls(numbers: Sequence[int]) -> str:
    return " and ".join(f"PR #{n}" for n in numbers)


def plan_outcome(
    session: Session,
    repo: Repository,
    number: int,
    *,
    status: str,
    next_step: str | None,
    tldr: str,
    keep_open: bool = False,
    next_title: str | None = None,
) -> list[Step]:
    """What logging this outcome will do on GitHub beyond its comment and label."""
    assert repo.id is not None
    status = status.replace("-", " ").strip().lower()
    issue = card_of(session, repo.id, number)
    if issue is None:
        raise InvalidChange(f"{repo.full_name}#{number} is not in the mirror: run `dslp sync`")
    if next_step == "open-model" and status != "succeeded":
        raise InvalidChange("--next open-model follows a succeeded experiment only")
    ask = issue.ask_refs[0] if issue.ask_refs else None
    prs = [p.number for p in open_pulls_of(session, repo.id, number)]
    steps: list[Step] = []
    if status == "failed" and not keep_open:
        if prs:
            steps.append(
                Step("close_pulls", f"closes {_pulls(prs)} unmerged", number, {"pulls": prs})
            )
        steps.append(
            Step("close", f"closes #{number} (not planned)", number, {"reason": "not_planned"})
        )
    kind = _NEXT_KIND.get(next_step or "")
    if kind is not None:
        title = next_title or f"{_NEXT_TITLE[kind]} #{number}: {issue.title}"
        label = kind.title()
        steps.append(
            Step(
                "issue",
                f"opens {'an' if label[0] in 'AEIOU' else 'a'} {label} issue {title[:60]!r}",
                None,
                {"kind": kind, "title": title[:256], "ask": ask, "from": number},
            )
        )
        if kind == "model":
            steps.append(
                Step(
                    "branch",
                    f"creates its branch model/<number>-… from {repo.default_branch}",
                    None,
                    {"base": repo.default_branch},
                )
            )
            if prs:
                steps.append(
                    Step(
                        "retarget", f"retargets {_pulls(prs)} to that branch", None, {"pulls": prs}
                    )
                )
    if next_step == "refine-ask" and ask is not None:
        text = f"Experiment #{number} {status}: {tldr} Next step: refine this Ask."
        steps.append(Step("note", f"leaves a note on Ask #{ask}", ask, {"text": text}))
    if ask is not None and status in ("succeeded", "failed"):
        steps.append(
            Step(
                "ask_item",
                f"lists #{number} as {status} in Ask #{ask}'s {ASK_SECTIONS['experiment']}",
                ask,
                {
                    "ask": ask,
                    "section": ASK_SECTIONS["experiment"],
                    "number": number,
                    "outcome": status,
                    "tldr": tldr,
                },
            )
        )
    return steps


def log_outcome(
    session: Session,
    repo: Repository,
    number: int,
    *,
    keep_open: bool = False,
    next_title: str | None = None,
    **outcome: Any,
) -> tuple[ExperimentOutcome, list[tuple[str, Step]]]:
    """Log an outcome (`store.outbox.record_outcome`'s fields) and queue what it sets off,
    after it: the one way the command line and the app do it. Returns the outcome and the
    (entry id, step) pairs queued."""
    steps = plan_outcome(
        session,
        repo,
        number,
        status=str(outcome.get("status", "")),
        next_step=outcome.get("next_step"),
        tldr=str(outcome.get("tldr", "")).strip(),
        keep_open=keep_open,
        next_title=next_title,
    )
    row = record_outcome(session, repo, number, **outcome)
    ids = record_steps(session, repo, steps, after=row.id, actor=outcome.get("author"))
    return row, list(zip(ids, steps, strict=True))


def plan_close(session: Session, repo: Repository, number: int, *, reason: str) -> list[Step]:
    """Closing a card from the tool; an Explore card's PRs are closed unmerged (DSLP: explore
    PRs are reviewed, never merged)."""
    assert repo.id is not None
    if reason not in CLOSE_REASONS:
        raise InvalidChange(f"--reason must be one of: {', '.join(CLOSE_REASONS)}")
    issue = card_of(session, repo.id, number)
    if issue is None or issue.is_pull_request:
        raise InvalidChange(f"{repo.full_name}#{number} is not an issue in the mirror")
    if issue.state == "closed":
        raise InvalidChange(f"#{number} is already closed")
    steps: list[Step] = []
    if issue.kind == "explore":
        prs = [p.number for p in open_pulls_of(session, repo.id, number)]
        if prs:
            steps.append(
                Step("close_pulls", f"closes {_pulls(prs)} unmerged", number, {"pulls": prs})
            )
    said = "not planned" if reason == "not_planned" else "completed"
    steps.append(Step("close", f"closes #{number} ({said})", number, {"reason": reason}))
    return steps


def plan_branch(issue: Issue, base: str) -> Step:
    name = branch_for(issue.kind, issue.number, issue.title)
    return Step(
        "branch",
        f"creates branch {name} from {base} on GitHub",
        issue.number,
        {"name": name, "base": base},
    )


def record_steps(
    session: Session,
    repo: Repository,
    steps: Sequence[Step],
    *,
    after: str | None = None,
    actor: str | None = None,
) -> list[str]:
    """Queue a plan as a chain of entries, each after the one before; returns their ids.

    A step that creates an issue makes its draft here; the steps after it (its branch, the
    retarget) name the draft and take its number when GitHub gives one.
    """
    ids: list[str] = []
    previous = after
    draft_id: str | None = None
    branch_entry: str | None = None
    for step in steps:
        chain = [previous] if previous else []
        payload = dict(step.payload)
        if step.kind == "issue":
            draft, _problems = create_draft(
                session,
                repo,
                str(payload["kind"]),
                str(payload["title"]),
                ask=payload.get("ask"),
                based_on=payload.get("from") if payload["kind"] == "model" else None,
                author=actor,
                after=chain,
                resolve=False,
            )
            draft_id = previous = draft.id
            ids.append(draft.id)
            continue
        if step.kind in ("branch", "retarget") and draft_id is not None:
            payload["draft"] = draft_id
        if step.kind == "retarget" and branch_entry is not None:
            payload["branch_entry"] = branch_entry
        payload["after"] = chain
        entry_id = new_id()
        queue_entry(session, repo, step.kind, entry_id, step.issue_number, payload, actor)
        if step.kind == "branch":
            branch_entry = entry_id
        ids.append(entry_id)
        previous = entry_id
    return ids


def describe(entry: OutboxEntry | Any) -> str:
    """What an entry will do on GitHub, in a line (`dslp outbox`, the outbox screen)."""
    return describe_step(entry.kind, entry.issue_number, dict(entry.payload or {}))


def describe_step(kind: str, n: int | None, p: dict[str, Any]) -> str:
    if kind == "issue":
        return f"create {str(p.get('kind', '')).title()} issue {str(p.get('title', ''))[:50]!r}"
    if kind == "ask_item":
        what = f"#{p['number']}" if p.get("number") else "the new issue"
        return f"list {what} in Ask #{p.get('ask')}'s {p.get('section')}"
    if kind == "close":
        return f"close #{n} ({str(p.get('reason', 'completed')).replace('_', ' ')})"
    if kind == "close_pulls":
        return f"close {_pulls(p.get('pulls') or [])} unmerged"
    if kind == "branch":
        name = p.get("name") or "model/<number>-…"
        return f"create branch {name} from {p.get('base', 'main')}"
    if kind == "retarget":
        return f"retarget {_pulls(p.get('pulls') or [])} to {p.get('name') or 'the model branch'}"
    if kind == "note":
        return f"note on #{n}"
    return {
        "outcome": f"outcome on #{n}",
        "signoff": "sign-off",
        "model": f"model status on #{n}",
        "checklist": f"checklist of #{n}",
    }.get(kind, kind)


def waits_for(entry: OutboxEntry | Any, states: dict[str, str]) -> str | None:
    """The entry this one waits for, if that one is not sent yet (ids -> states given)."""
    for dep in (entry.payload or {}).get("after") or []:
        state = states.get(dep, "sent")
        if state != "sent":
            return str(dep)
    return None
