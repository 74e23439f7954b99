"""Columns the DSLP rules derive from GitHub's data, and keeping them true to the rules in force.

An issue's kind, phase and outcome are computed when the issue is written and stored, so boards
are plain indexed queries. A new version of the rules would never reach an existing mirror that
way (an unchanged re-sync stops at the 304s and writes nothing), so the mirror records the rules
version that wrote it, and an open under other rules recomputes every issue once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, bindparam, select, update
from sqlmodel import Session, col

from store.history import record_changes
from store.models import Issue, MirrorMeta, ModelStatus
from store.rules import RULES_VERSION, card_phase, kind_from_labels, outcome_from_labels

RULES_KEY = "rules_version"


def stored_rules_version(session: Session) -> str | None:
    row = session.get(MirrorMeta, RULES_KEY)
    return row.value if row else None


def rules_current(engine: Engine) -> bool:
    """One primary-key read: whether the stored columns follow this version's rules."""
    with Session(engine) as session:
        return stored_rules_version(session) == str(RULES_VERSION)


def recompute_derived(session: Session) -> int:
    """Recompute kind, phase and outcome of every issue under the rules in force.

    One read of the issues' labels and of each model's latest status, then one UPDATE statement
    run for the rows that moved; the history records each moved card (source "rules"). Returns
    how many issues changed. The caller commits.
    """
    status: dict[tuple[int, int], str] = {}
    for rid, number, value in session.execute(
        select(col(ModelStatus.repo_id), col(ModelStatus.issue_number), col(ModelStatus.status))
        .where(col(ModelStatus.status).is_not(None))
        .order_by(col(ModelStatus.created_at))
    ):
        status[(rid, number)] = value
    changes: list[dict[str, Any]] = []
    moved: dict[int, list[int]] = {}
    for iid, rid, number, labels, kind, phase, outcome in session.execute(
        select(
            col(Issue.id),
            col(Issue.repo_id),
            col(Issue.number),
            col(Issue.labels),
            col(Issue.kind),
            col(Issue.phase),
            col(Issue.outcome),
        )
    ):
        labels = labels or []
        new_kind = kind_from_labels(labels)
        new = (
            new_kind,
            card_phase(new_kind, labels, status.get((rid, number))),
            outcome_from_labels(labels),
        )
        if new != (kind, phase, outcome):
            changes.append({"b_id": iid, "b_kind": new[0], "b_phase": new[1], "b_outcome": new[2]})
            moved.setdefault(rid, []).append(number)
    if changes:
        table: Any = Issue.__table__  # type: ignore[attr-defined]
        session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                kind=bindparam("b_kind"), phase=bindparam("b_phase"), outcome=bindparam("b_outcome")
            ),
            changes,
        )
        for rid, numbers in moved.items():
            record_changes(session, rid, numbers, source="rules")
    return len(changes)


def ensure_rules_current(engine: Engine) -> int:
    """Bring a mirror written under other rules up to these, in one transaction (idempotent).

    The common case is one read. Otherwise the write transaction is taken up front (SQLite's
    BEGIN IMMEDIATE), and the version read again inside it: a second process opening the same
    mirror waits, then finds the work done.
    """
    if rules_current(engine):
        return 0
    with Session(engine) as session:
        session.connection(execution_options={"dslp_write": True})
        if stored_rules_version(session) == str(RULES_VERSION):
            return 0
        changed = recompute_derived(session)
        session.merge(MirrorMeta(key=RULES_KEY, value=str(RULES_VERSION)))
        session.commit()
        return changed
