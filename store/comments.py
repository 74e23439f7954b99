"""Comments in: their rows, the entries their markers carry, and the sign-offs they command.

A comment is where GitHub says who did what: a marker posted by the tool (an outcome, a sign-off,
a model status), or a `/dslp approve <gate>` typed on github.com. Its poster is the identity.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from store.markers import apply_marked_comments
from store.mirror import dedupe, parse_ts, refresh_model_phase, upsert
from store.models import Comment, SignOff
from store.rules import find_markers
from store.signoff_sync import apply_command_comments, claim_posters, refresh_counts


def upsert_comments(session: Session, repo_id: int, comments: Sequence[dict[str, Any]]) -> None:
    rows = []
    for c in comments:
        number = c.get("issue_number") or _number_from_url(c.get("issue_url"))
        if number is None:
            continue
        rows.append(
            {
                "repo_id": repo_id,
                "github_id": c["id"],
                "issue_number": number,
                "author": (c.get("user") or {}).get("login"),
                "body": c.get("body"),
                "created_at": parse_ts(c.get("created_at")),
                "updated_at": parse_ts(c.get("updated_at")),
                "html_url": c.get("html_url"),
            }
        )
    rows = dedupe(rows, "github_id")
    upsert(session, Comment, rows, ["github_id"])
    marked = [r for r in rows if r["body"] and "dslp:" in r["body"]]
    if marked:
        page = [(r["issue_number"], r["author"], r["body"], r["created_at"]) for r in marked]
        for kind, number in apply_marked_comments(session, repo_id, page):
            if kind == "model":
                refresh_model_phase(session, repo_id, number)
        claim_posters(
            session,
            [
                (kind, entry_id, r["author"], r["github_id"])
                for r in marked
                for kind, entry_id in find_markers(r["body"])
            ],
        )
    commanded = _command_comments(session, rows)
    if commanded:
        apply_command_comments(
            session,
            repo_id,
            [
                (r["github_id"], r["issue_number"], r["author"], r["body"], r["created_at"])
                for r in commanded
            ],
        )
    if marked or commanded:
        refresh_counts(session, repo_id)


def _command_comments(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Comments that hold a `/dslp` command now, or held one before this edit.

    Only an edited comment (updated after it was created) can have lost a command, so only
    those are looked up: a page of new comments costs no query.
    """
    edited = [r["github_id"] for r in rows if r["updated_at"] != r["created_at"]]
    had = (
        set(
            session.execute(
                select(col(SignOff.comment_github_id)).where(
                    col(SignOff.source) == "comment",
                    col(SignOff.comment_github_id).in_(edited),
                )
            ).scalars()
        )
        if edited
        else set()
    )
    return [
        r for r in rows if (r["body"] and "/dslp" in r["body"].lower()) or r["github_id"] in had
    ]


def _number_from_url(url: str | None) -> int | None:
    if not url:
        return None
    tail = url.rstrip("/").rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None
