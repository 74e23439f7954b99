"""Finding a tracked repository by name: every command and screen starts here."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session, col

from store.models import Repository


class UnknownRepo(LookupError):
    """The named repository is not tracked; the message says how to add it."""


def find_repo(session: Session, full_name: str) -> Repository | None:
    """The tracked repo of that name in any case (GitHub's names ignore it), or None.

    One row per repo; a mirror from before names were matched without case may hold two:
    the exact spelling wins, so each stays reachable (and removable).
    """
    same = (
        session.execute(
            select(Repository)
            .where(func.lower(col(Repository.full_name)) == full_name.lower())
            .order_by(col(Repository.id))
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


def repo_id(session: Session, full_name: str) -> int:
    """The tracked repo's row id (raises UnknownRepo)."""
    rid = get_repo(session, full_name).id
    assert rid is not None
    return rid


def list_repos(session: Session) -> list[Repository]:
    return list(session.execute(select(Repository).order_by(col(Repository.full_name))).scalars())
