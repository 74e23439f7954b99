"""Sign-offs as GitHub sees them: who posted each, which count, and `/dslp approve` comments.

Written by the sync (and by a local sign-off, for its provisional `counts`); the rule itself is
`store.rules.signoff_counts`. `counts` is stored so the boards' latest-per-gate query stays one
indexed read, and recomputed for a repository whenever its approvers or its token's user change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlmodel import Session, col

from store.models import ExperimentOutcome, ModelStatus, Repository, SignOff, utcnow
from store.rules import approvers_of, parse_commands, signoff_counts

COMMAND_PREFIX = "cmd-"


def poster(row_login: str | None, origin: str, viewer: str | None) -> str | None:
    """Who a sign-off is by: its GitHub poster, or for a local one not yet pushed the token's
    user at the last sync."""
    if row_login:
        return row_login
    return viewer if origin == "local" else None


def refresh_counts(session: Session, repo_id: int) -> int:
    """Recompute `counts` of every sign-off of a repository; returns how many changed."""
    repo = session.get(Repository, repo_id)
    if repo is None:
        return 0
    session.flush()
    changes = []
    for sid, gate, login, origin, withdrawn, counts in session.execute(
        select(
            col(SignOff.id),
            col(SignOff.gate),
            col(SignOff.github_login),
            col(SignOff.origin),
            col(SignOff.withdrawn),
            col(SignOff.counts),
        ).where(col(SignOff.repo_id) == repo_id)
    ):
        who = poster(login, origin, repo.viewer_login)
        now = not withdrawn and signoff_counts(who, approvers_of(repo.approvers, gate))
        if now != counts:
            changes.append({"b_id": sid, "b_counts": now})
    if changes:
        table: Any = SignOff.__table__  # type: ignore[attr-defined]
        session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(counts=bindparam("b_counts")),
            changes,
        )
    return len(changes)


def set_approvers(
    session: Session, repo_id: int, approvers: dict[str, list[str]] | None, error: str | None
) -> None:
    """Store what `.github/dslp.yml` says (None: no file, or a broken one) and recount."""
    repo = session.get(Repository, repo_id)
    assert repo is not None
    repo.approvers = approvers
    repo.approvers_error = error
    refresh_counts(session, repo_id)


def set_viewer(session: Session, repo_id: int, login: str | None) -> None:
    repo = session.get(Repository, repo_id)
    assert repo is not None
    if repo.viewer_login != login:
        repo.viewer_login = login
        refresh_counts(session, repo_id)


def claim_posters(session: Session, posted: Iterable[tuple[str, str, str | None, int]]) -> None:
    """(kind, entry id, poster, comment id) of marker comments: the poster becomes the row's
    GitHub identity, once (a later copy of the same marker does not take it over)."""
    tables: dict[str, Any] = {
        "signoff": SignOff,
        "outcome": ExperimentOutcome,
        "model": ModelStatus,
    }
    for kind, entry_id, login, comment_id in posted:
        table = tables.get(kind)
        if table is None or not login:
            continue
        values: dict[str, Any] = {"github_login": login}
        if kind == "signoff":
            values["comment_github_id"] = comment_id
        session.execute(
            update(table)
            .where(col(table.id) == entry_id, col(table.github_login).is_(None))
            .values(**values)
        )


def apply_command_comments(
    session: Session,
    repo_id: int,
    comments: Sequence[tuple[int, int, str | None, str | None, datetime | None]],
) -> None:
    """(comment id, issue number, poster, body, created) -> the comment's sign-offs, as its
    latest text says: an edit replaces them, a command edited away removes its row. Their
    `counts` is the caller's `refresh_counts`, run once for the page."""
    if not comments:
        return
    ids = [gid for gid, *_ in comments]
    session.execute(
        delete(SignOff).where(
            col(SignOff.comment_github_id).in_(ids), col(SignOff.source) == "comment"
        )
    )
    for gid, number, login, body, created in comments:
        for i, command in enumerate(parse_commands(body)):
            session.add(
                SignOff(
                    id=f"{COMMAND_PREFIX}{gid}-{i}",
                    repo_id=repo_id,
                    gate=command.gate,
                    stakeholder=f"@{login}" if login else "someone",
                    decision=command.decision,
                    note=command.note,
                    issue_number=number,
                    created_at=created or utcnow(),
                    origin="github",
                    github_login=login,
                    source="comment",
                    comment_github_id=gid,
                )
            )
    session.flush()


def watched_comments(session: Session, repo_id: int, *, every: bool = False) -> list[int]:
    """Comments whose sign-offs the sync asks GitHub about (does each still exist?).

    By default those a deletion could change a gate with: per gate, the latest counting
    sign-off and any after it (at most a few requests a sync, 304s when nothing changed).
    `every` (a `--full` sync) asks about all of them, so an old deleted one shows withdrawn too.
    """
    rows = session.execute(
        select(
            col(SignOff.gate),
            col(SignOff.comment_github_id),
            col(SignOff.created_at),
            col(SignOff.counts),
        ).where(
            col(SignOff.repo_id) == repo_id,
            col(SignOff.comment_github_id).is_not(None),
            col(SignOff.withdrawn).is_(False),
        )
    ).all()
    if every:
        return sorted({gid for _g, gid, _at, _c in rows if gid is not None})
    latest: dict[str, Any] = {}
    for gate, _gid, at, counts in rows:
        if counts and (gate not in latest or at > latest[gate]):
            latest[gate] = at
    return sorted(
        {
            gid
            for gate, gid, at, _c in rows
            if gid is not None and (gate not in latest or at >= latest[gate])
        }
    )


def withdraw(session: Session, repo_id: int, comment_ids: Sequence[int]) -> None:
    """The comments were deleted on GitHub: their sign-offs stay, shown withdrawn, not counted."""
    if comment_ids:
        session.execute(
            update(SignOff)
            .where(col(SignOff.repo_id) == repo_id, col(SignOff.comment_github_id).in_(comment_ids))
            .values(withdrawn=True, counts=False)
        )
