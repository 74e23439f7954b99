"""Offline changes: saved locally the moment they are entered, queued for GitHub exactly once.

Each function writes the domain row, its outbox entry and an audit event in the caller's one
transaction, so a change either exists with its pending push or not at all. The entry's id is
the id of the hidden marker the push puts on GitHub, which is what makes a retry safe.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from store.mirror import refresh_model_phase
from store.models import PENDING_STATES as PENDING_STATES  # re-exported: the CLI uses it
from store.models import (
    AuditEvent,
    ChecklistItem,
    ExperimentOutcome,
    ModelStatus,
    OutboxEntry,
    Repository,
    SignOff,
    utcnow,
)
from store.rules import (
    DECISIONS,
    HANDOFF_STEPS,
    MODEL_HEALTH,
    MODEL_STATUSES,
    PHASES,
    approvers_of,
    signoff_counts,
)

OUTCOME_CHOICES = ("succeeded", "failed", "on hold")
NEXT_STEPS = ("open-model", "new-experiment", "refine-ask", "get-data")
VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,63}")
RUN_LINK = re.compile(r"https?://[^\s<>\"'`\\]+")
COMMIT = re.compile(r"[0-9a-fA-F]{4,40}")
# GitHub refuses comments over 65,536 characters and ours carry the text twice (readable and
# as data): a TLDR is one line, a note a paragraph or two.
MAX_TLDR, MAX_NOTE, MAX_NAME = 1000, 4000, 200


def _short(what: str, text: str, limit: int) -> None:
    if len(text) > limit:
        raise InvalidChange(f"{what} is {len(text):,} characters: keep it under {limit:,}")


class InvalidChange(ValueError):
    """A change the user asked for that cannot be stored; the message says what to do."""


def new_id() -> str:
    return uuid.uuid4().hex


def queue_entry(
    session: Session,
    repo: Repository,
    kind: str,
    entry_id: str,
    issue_number: int | None,
    payload: dict[str, Any],
    actor: str | None,
) -> OutboxEntry:
    assert repo.id is not None
    entry = OutboxEntry(
        id=entry_id, repo_id=repo.id, kind=kind, issue_number=issue_number, payload=payload
    )
    session.add(entry)
    session.add(
        AuditEvent(
            actor=actor,
            action=f"{kind}.recorded",
            repo_id=repo.id,
            issue_number=issue_number,
            detail={"entry": entry_id, **payload},
        )
    )
    return entry


def record_outcome(
    session: Session,
    repo: Repository,
    number: int,
    *,
    status: str,
    tldr: str,
    metrics: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    run_links: Sequence[str] = (),
    commit_sha: str | None = None,
    next_step: str | None = None,
    author: str | None = None,
) -> ExperimentOutcome:
    status = status.replace("-", " ").strip().lower()
    if status not in OUTCOME_CHOICES:
        raise InvalidChange(f"outcome must be one of: {', '.join(OUTCOME_CHOICES)}")
    if not tldr.strip():
        raise InvalidChange("an outcome needs a TLDR: say in one line what the experiment showed")
    _short("the TLDR", tldr.strip(), MAX_TLDR)
    for link in run_links:
        if not RUN_LINK.fullmatch(link):
            shown = link if len(link) <= 80 else link[:79] + "…"
            raise InvalidChange(f"run link {shown!r} is not an http(s) address without spaces")
    if commit_sha is not None and not COMMIT.fullmatch(commit_sha):
        raise InvalidChange(f"commit {commit_sha[:50]!r} is not a commit hash (4-40 hex digits)")
    if next_step is not None and next_step not in NEXT_STEPS:
        raise InvalidChange(f"--next must be one of: {', '.join(NEXT_STEPS)}")
    assert repo.id is not None
    outcome = ExperimentOutcome(
        id=new_id(),
        repo_id=repo.id,
        issue_number=number,
        status=status,
        tldr=tldr.strip(),
        metrics=dict(metrics or {}),
        params=dict(params or {}),
        run_links=list(run_links),
        commit_sha=commit_sha,
        next_step=next_step,
        author=author,
    )
    session.add(outcome)
    payload = {
        "status": outcome.status,
        "tldr": outcome.tldr,
        "metrics": outcome.metrics,
        "params": outcome.params,
        "run_links": outcome.run_links,
        "commit": commit_sha,
        "next": next_step,
        "author": author,
    }
    queue_entry(session, repo, "outcome", outcome.id, number, payload, author)
    return outcome


def record_signoff(
    session: Session,
    repo: Repository,
    *,
    gate: str,
    stakeholder: str,
    decision: str,
    note: str = "",
    issue_number: int | None = None,
) -> SignOff:
    if gate not in PHASES:
        raise InvalidChange(f"gate must be a phase key: {', '.join(PHASES)}")
    if decision not in DECISIONS:
        raise InvalidChange(f"decision must be one of: {', '.join(DECISIONS)}")
    if not stakeholder.strip():
        raise InvalidChange("a sign-off needs the stakeholder's name (--by NAME)")
    _short("the stakeholder's name", stakeholder.strip(), MAX_NAME)
    _short("the note", note, MAX_NOTE)
    assert repo.id is not None
    signoff = SignOff(
        id=new_id(),
        repo_id=repo.id,
        gate=gate,
        stakeholder=stakeholder.strip(),
        decision=decision,
        note=note,
        issue_number=issue_number,
        # provisional until the push: GitHub's poster will be the token's user of the last sync
        counts=signoff_counts(repo.viewer_login, approvers_of(repo.approvers, gate)),
    )
    session.add(signoff)
    payload = {"gate": gate, "by": signoff.stakeholder, "decision": decision, "note": note}
    queue_entry(session, repo, "signoff", signoff.id, issue_number, payload, signoff.stakeholder)
    return signoff


def record_model_status(
    session: Session,
    repo: Repository,
    number: int,
    *,
    status: str | None = None,
    health: str | None = None,
    version: str | None = None,
    author: str | None = None,
) -> ModelStatus:
    if status is None and health is None and version is None:
        raise InvalidChange("give --status, --health or --version")
    if version is not None:
        version = version.strip()
        if not VERSION.fullmatch(version):
            raise InvalidChange(
                f"version {version!r} is not a version: letters, digits and . + - _, e.g. 1.2.0"
            )
    if status is not None and status not in MODEL_STATUSES:
        raise InvalidChange(f"status must be one of: {', '.join(MODEL_STATUSES)}")
    if health is not None and health not in MODEL_HEALTH:
        raise InvalidChange(f"health must be one of: {', '.join(MODEL_HEALTH)}")
    assert repo.id is not None
    row = ModelStatus(
        id=new_id(),
        repo_id=repo.id,
        issue_number=number,
        status=status,
        health=health,
        version=version,
        author=author,
    )
    session.add(row)
    session.flush()
    refresh_model_phase(session, repo.id, number)
    payload = {"status": status, "health": health, "version": version}
    queue_entry(session, repo, "model", row.id, number, payload, author)
    return row


def seed_checklist(
    session: Session, repo_id: int, number: int, body_tasks: Sequence[tuple[str, bool]]
) -> None:
    """Make sure a Model issue's checklist holds its body's tasks and the DSLP hand-off steps."""
    existing = {
        item.text
        for item in session.execute(
            select(ChecklistItem).where(
                col(ChecklistItem.repo_id) == repo_id,
                col(ChecklistItem.issue_number) == number,
            )
        ).scalars()
    }
    wanted = [(text, done, "body") for text, done in body_tasks]
    wanted += [(text, False, "standard") for text in HANDOFF_STEPS]
    for text, done, origin in wanted:
        if text in existing:
            continue
        session.add(
            ChecklistItem(
                repo_id=repo_id,
                issue_number=number,
                text=text,
                done=done,
                origin=origin,
                position=len(existing),
            )
        )
        existing.add(text)
    session.flush()


def change_checklist(
    session: Session,
    repo: Repository,
    number: int,
    *,
    check: str | None = None,
    uncheck: str | None = None,
    add: str | None = None,
    actor: str | None = None,
) -> ChecklistItem:
    assert repo.id is not None
    if add is not None:
        text = " ".join(add.split())
        if not text:
            raise InvalidChange("give the item's text")
        _short("a checklist item", text, MAX_NAME)
        item = _find_item(session, repo.id, number, text)
        if item is not None:  # nothing to send: say so rather than queue a no-op
            raise InvalidChange(f"{text!r} is already on the checklist")
        count = len(_items(session, repo.id, number))
        item = ChecklistItem(
            repo_id=repo.id, issue_number=number, text=text, origin="local", position=count
        )
        session.add(item)
        action, done = "add", False
    else:
        wanted = check if check is not None else uncheck
        if wanted is None:
            raise InvalidChange("give --check ITEM, --uncheck ITEM or --add TEXT")
        if not wanted.strip():  # "" is part of every item's text: it would match them all
            raise InvalidChange("give the item: its number, its text or a unique part of it")
        item = _match_item(session, repo.id, number, wanted)
        item.done = check is not None
        item.updated_at = utcnow()
        action, done = ("check" if item.done else "uncheck"), item.done
    session.flush()
    payload = {"action": action, "text": item.text, "done": done, "origin": item.origin}
    queue_entry(session, repo, "checklist", new_id(), number, payload, actor)
    return item


def _items(session: Session, repo_id: int, number: int) -> list[ChecklistItem]:
    return list(
        session.execute(
            select(ChecklistItem)
            .where(
                col(ChecklistItem.repo_id) == repo_id,
                col(ChecklistItem.issue_number) == number,
            )
            .order_by(col(ChecklistItem.position))
        ).scalars()
    )


def _find_item(session: Session, repo_id: int, number: int, text: str) -> ChecklistItem | None:
    return next((i for i in _items(session, repo_id, number) if i.text == text), None)


def _match_item(session: Session, repo_id: int, number: int, wanted: str) -> ChecklistItem:
    """An item by its 1-based position, its exact text, or a unique case-insensitive substring."""
    items = _items(session, repo_id, number)
    if wanted.isdigit() and 1 <= int(wanted) <= len(items):
        return items[int(wanted) - 1]
    exact = [i for i in items if i.text == wanted]
    if exact:
        return exact[0]
    needle = wanted.lower()
    matches = [i for i in items if needle in i.text.lower()]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise InvalidChange(f"no checklist item matches {wanted!r}: run `dslp checklist` to list")
    raise InvalidChange(f"{len(matches)} checklist items match {wanted!r}: give more of the text")


def entries_to_push(session: Session, repo_id: int) -> list[OutboxEntry]:
    """Pending and in-flight entries of a repo, oldest first (the order they were entered)."""
    return list(
        session.execute(
            select(OutboxEntry)
            .where(
                col(OutboxEntry.repo_id) == repo_id,
                col(OutboxEntry.state).in_(PENDING_STATES),
            )
            .order_by(col(OutboxEntry.created_at), col(OutboxEntry.id))
        ).scalars()
    )


def claim_entry(
    session: Session, entry_id: str, *, in_flight: bool
) -> tuple[str, int | None] | None:
    """Take an entry for this push: its state and remote id as they were, or None to skip it.

    `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite's BEGIN IMMEDIATE serializes writers
    anyway): an entry another process is claiming right now, or one that left the queue since
    it was listed, is skipped. With `in_flight`, it is marked in flight in the same transaction,
    committed by the caller before the write.
    """
    row = session.execute(
        select(OutboxEntry).where(col(OutboxEntry.id) == entry_id).with_for_update(skip_locked=True)
    ).scalar_one_or_none()
    if row is None or row.state not in PENDING_STATES:
        return None
    before = (row.state, row.remote_id)
    if in_flight and row.remote_id is None:
        mark_entry(session, entry_id, "in_flight")
    return before


def mark_entry(
    session: Session,
    entry_id: str,
    state: str,
    *,
    error: str | None = None,
    remote_id: int | None = None,
) -> None:
    """Move an entry along pending -> in_flight -> sent | conflict, with an audit event."""
    entry = session.get(OutboxEntry, entry_id)
    if entry is None:
        return
    now = utcnow()
    if state == "in_flight":
        entry.attempts += 1
    entry.state = state
    entry.updated_at = now
    entry.last_error = error
    if remote_id is not None:
        entry.remote_id = remote_id
    if state == "sent":
        entry.sent_at = now
    if state in ("sent", "conflict"):
        session.add(
            AuditEvent(
                action=f"{entry.kind}.{state}",
                repo_id=entry.repo_id,
                issue_number=entry.issue_number,
                detail={"entry": entry.id, "error": error, "remote_id": entry.remote_id},
            )
        )


def retry_conflicts(session: Session, entry_ids: Sequence[str] | None = None) -> int:
    """Put conflicted entries back in the queue (after the user fixed the cause)."""
    query = select(OutboxEntry).where(col(OutboxEntry.state) == "conflict")
    if entry_ids:
        query = query.where(col(OutboxEntry.id).in_(list(entry_ids)))
    entries = list(session.execute(query).scalars())
    for entry in entries:
        entry.state = "pending"
        entry.last_error = None
        entry.updated_at = utcnow()
    return len(entries)
