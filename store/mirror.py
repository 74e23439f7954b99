"""Writes from GitHub into the mirror: raw REST JSON in, upserted rows out.

Sync hands over each page exactly as GitHub sent it; one call is one statement per table, so a
page is written in one transaction by the caller and a crash never leaves half a page behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlmodel import Session, col

from store.history import record_changes, record_model_change
from store.issue_body import parse_body
from store.models import (
    Branch,
    Issue,
    IssueLabel,
    Label,
    ModelStatus,
    Repository,
    SyncCursor,
    utcnow,
)
from store.repos import find_repo
from store.rules import (
    card_phase,
    kind_from_labels,
    outcome_from_labels,
    parse_branch,
)

BATCH = 100
# Bodies without any of these cannot hold a reference or a TLDR: skip the Markdown parse.
_BODY_HINTS = ("reference", "based on", "tldr", "tl;dr", "tl dr", "results")  # lower case


def parse_ts(value: str | None) -> datetime | None:
    """GitHub's ISO 8601 stamps ('2024-01-02T03:04:05Z') as aware UTC datetimes."""
    if not value:
        return None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _insert(session: Session, table: Any) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (SQLite and PostgreSQL spell it alike)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def upsert(
    session: Session,
    model: Any,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    *,
    update_cols: Iterable[str] | None = None,
) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE for many rows.

    One statement executed with many parameter sets: SQLAlchemy compiles it once and batches
    the rows itself, where a multi-row VALUES clause would be compiled anew for every page.
    """
    if not rows:
        return
    table = model.__table__
    cols = list(update_cols) if update_cols is not None else [c for c in rows[0] if c not in keys]
    stmt = _insert(session, table)
    if cols:
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys), set_={c: stmt.excluded[c] for c in cols}
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    session.connection().execute(stmt, list(rows))


def ensure_repo(session: Session, full_name: str, **fields: Any) -> Repository:
    """The tracked repo of that name in any case, or a new one.

    The new row goes in with ON CONFLICT DO NOTHING: two first adds of one name at once (on
    PostgreSQL both read "not there" before either commits) end with one row, not an error.
    """
    found = find_repo(session, full_name)
    if found is None:
        new = Repository(full_name=full_name, **fields).model_dump(exclude={"id"})
        upsert(session, Repository, [new], ["full_name"], update_cols=[])
        found = find_repo(session, full_name)
        assert found is not None
    for key, value in fields.items():
        setattr(found, key, value)
    return found


def apply_repo_json(repo: Repository, data: dict[str, Any]) -> None:
    repo.github_id = data.get("id") or repo.github_id
    repo.default_branch = data.get("default_branch") or repo.default_branch
    repo.description = data.get("description")
    repo.html_url = data.get("html_url")


def upsert_labels(session: Session, repo_id: int, labels: Iterable[dict[str, Any]]) -> None:
    rows = [
        {
            "repo_id": repo_id,
            "github_id": lab.get("id"),
            "name": lab["name"],
            "color": lab.get("color") or "",
            "description": lab.get("description"),
        }
        for lab in labels
        if lab.get("name")
    ]
    upsert(session, Label, dedupe(rows, "name"), ["repo_id", "name"])


def prune_labels(session: Session, repo_id: int, keep: set[str]) -> set[str]:
    """Drop the labels GitHub no longer has (renamed or deleted); their names are returned."""
    rows = session.execute(
        select(col(Label.id), col(Label.name)).where(col(Label.repo_id) == repo_id)
    ).all()
    gone = {label_id: name for label_id, name in rows if name not in keep}
    if gone:
        session.execute(delete(Label).where(col(Label.id).in_(list(gone))))
    return set(gone.values())


def dedupe(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Last one wins: one statement may not touch the same conflict key twice."""
    return list({row[key]: row for row in rows}.values())


def current_model_status(session: Session, repo_id: int) -> dict[int, str | None]:
    """The latest status per Model issue of a repo (rows arrive in time order)."""
    rows = session.execute(
        select(col(ModelStatus.issue_number), col(ModelStatus.status))
        .where(col(ModelStatus.repo_id) == repo_id, col(ModelStatus.status).is_not(None))
        .order_by(col(ModelStatus.created_at))
    ).all()
    return {number: status for number, status in rows}


def issue_row(
    repo_id: int, item: dict[str, Any], model_status: str | None = None
) -> dict[str, Any]:
    """One GitHub issue (or PR, as the issues list returns it) as an `issue` row."""
    labels = [
        lab["name"] if isinstance(lab, dict) else str(lab) for lab in item.get("labels") or []
    ]
    body = item.get("body")
    pr = item.get("pull_request")
    kind = kind_from_labels(labels)
    lowered = body.lower() if body else ""
    parsed = parse_body(body) if any(h in lowered for h in _BODY_HINTS) else None
    row: dict[str, Any] = {
        "repo_id": repo_id,
        "github_id": item.get("id"),
        "number": item["number"],
        "title": item.get("title") or "",
        "body": body,
        "state": item.get("state") or "open",
        "state_reason": item.get("state_reason"),
        "author": (item.get("user") or {}).get("login"),
        "labels": labels,
        "comments_count": item.get("comments") or 0,
        "html_url": item.get("html_url"),
        "created_at": parse_ts(item.get("created_at")),
        "updated_at": parse_ts(item.get("updated_at")),
        "closed_at": parse_ts(item.get("closed_at")),
        "is_pull_request": pr is not None,
        "kind": kind,
        "phase": card_phase(kind, labels, model_status),
        "outcome": outcome_from_labels(labels),
        "ask_refs": list(parsed.ask_refs) if parsed else [],
        "experiment_refs": list(parsed.experiment_refs) if parsed else [],
        "tldr": parsed.tldr if parsed else None,
        "gone": None,
    }
    if pr is not None:
        row["pr_merged_at"] = parse_ts(pr.get("merged_at"))
    return row


def upsert_issues(session: Session, repo_id: int, items: Sequence[dict[str, Any]]) -> int:
    """Upsert a page of issues/PRs with their label links; returns how many rows it wrote."""
    if not items:
        return 0
    statuses = current_model_status(session, repo_id)
    rows = dedupe([issue_row(repo_id, it, statuses.get(it["number"])) for it in items], "number")
    plain = [r for r in rows if "pr_merged_at" not in r]
    prs = [r for r in rows if "pr_merged_at" in r]
    for group in (plain, prs):
        if group:
            cols = [c for c in group[0] if c not in ("repo_id", "number")]
            upsert(session, Issue, group, ["repo_id", "number"], update_cols=cols)
    record_changes(session, repo_id, [r["number"] for r in plain])  # one statement: history
    _link_labels(session, repo_id, rows)
    return len(rows)


def _link_labels(session: Session, repo_id: int, rows: list[dict[str, Any]]) -> None:
    names = sorted({name for row in rows for name in row["labels"]})
    if names:
        upsert(
            session,
            Label,
            [{"repo_id": repo_id, "name": n, "color": ""} for n in names],
            ["repo_id", "name"],
            update_cols=[],
        )
    numbers = [row["number"] for row in rows]
    ids = dict(
        session.execute(
            select(col(Issue.number), col(Issue.id)).where(
                col(Issue.repo_id) == repo_id,
                col(Issue.number).in_(numbers),
            )
        ).all()
    )
    label_ids = (
        dict(
            session.execute(
                select(col(Label.name), col(Label.id)).where(
                    col(Label.repo_id) == repo_id,
                    col(Label.name).in_(names),
                )
            ).all()
        )
        if names
        else {}
    )
    session.execute(delete(IssueLabel).where(col(IssueLabel.issue_id).in_(list(ids.values()))))
    links = [
        {"issue_id": ids[row["number"]], "label_id": label_ids[name]}
        for row in rows
        for name in dict.fromkeys(row["labels"])
    ]
    if links:
        upsert(session, IssueLabel, links, ["issue_id", "label_id"], update_cols=[])


def apply_pull(session: Session, repo_id: int, pulls: Sequence[dict[str, Any]]) -> None:
    """PR-only fields from the pulls list (head/base ref, draft, merged) onto the issue rows."""
    if not pulls:
        return
    table = Issue.__table__  # type: ignore[attr-defined]
    rows = [
        {
            "b_repo": repo_id,
            "b_number": pr["number"],
            "pr_head_ref": (pr.get("head") or {}).get("ref"),
            "pr_base_ref": (pr.get("base") or {}).get("ref"),
            "pr_draft": bool(pr.get("draft")),
            "pr_merged_at": parse_ts(pr.get("merged_at")),
            "is_pull_request": True,
        }
        for pr in pulls
    ]
    known = set(
        session.execute(
            select(col(Issue.number)).where(
                col(Issue.repo_id) == repo_id,
                col(Issue.number).in_([r["b_number"] for r in rows]),
            )
        ).scalars()
    )
    present = [r for r in rows if r["b_number"] in known]
    if present:
        stmt = (
            update(table)
            .where(table.c.repo_id == bindparam("b_repo"), table.c.number == bindparam("b_number"))
            .values(
                pr_head_ref=bindparam("pr_head_ref"),
                pr_base_ref=bindparam("pr_base_ref"),
                pr_draft=bindparam("pr_draft"),
                pr_merged_at=bindparam("pr_merged_at"),
                is_pull_request=bindparam("is_pull_request"),
            )
        )
        session.connection().execute(stmt, present)
    for pr in pulls:
        if pr["number"] in known:
            continue
        # A PR the issues list has not shown yet (it is read first, so this is rare).
        upsert_issues(
            session, repo_id, [{**pr, "pull_request": {"merged_at": pr.get("merged_at")}}]
        )
        apply_pull(session, repo_id, [pr])


def replace_branches(
    session: Session, repo_id: int, location: str, branches: Sequence[dict[str, Any]]
) -> None:
    """Make the stored branches of one location exactly `branches` (dicts of Branch fields)."""
    rows = []
    for b in branches:
        parsed = parse_branch(b["name"])
        row = {
            "repo_id": repo_id,
            "name": b["name"],
            "location": location,
            "kind": parsed.kind,
            "issue_number": parsed.issue_number,
            "last_commit_sha": b.get("last_commit_sha"),
            "last_commit_at": b.get("last_commit_at"),
            "pushed": b.get("pushed", True),
            "merged": b.get("merged", False),
            "ahead": b.get("ahead"),
            "behind": b.get("behind"),
            "violation": b.get("violation") or ("misnamed" if parsed.kind == "invalid" else None),
        }
        rows.append(row)
    session.execute(
        delete(Branch).where(
            col(Branch.repo_id) == repo_id,
            col(Branch.location) == location,
            col(Branch.name).not_in([r["name"] for r in rows]),
        )
    )
    upsert(session, Branch, dedupe(rows, "name"), ["repo_id", "name", "location"])


def get_cursor(session: Session, repo_id: int, resource: str) -> SyncCursor | None:
    return session.execute(
        select(SyncCursor).where(
            col(SyncCursor.repo_id) == repo_id,
            col(SyncCursor.resource) == resource,
        )
    ).scalar_one_or_none()


def set_cursor(
    session: Session, repo_id: int, resource: str, *, etag: str | None, since: str | None
) -> None:
    upsert(
        session,
        SyncCursor,
        [
            {
                "repo_id": repo_id,
                "resource": resource,
                "etag": etag,
                "since": since,
                "updated_at": utcnow(),
            }
        ],
        ["repo_id", "resource"],
    )


def refresh_model_phase(session: Session, repo_id: int, number: int) -> None:
    """Recompute a Model card's phase after its status changed (production -> monitoring)."""
    issue = session.execute(
        select(Issue).where(col(Issue.repo_id) == repo_id, col(Issue.number) == number)
    ).scalar_one_or_none()
    if issue is None:
        return
    status = current_model_status(session, repo_id).get(number)
    issue.phase = card_phase(issue.kind, issue.labels, status)
    record_model_change(session, repo_id, number)
