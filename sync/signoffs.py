"""What a gate needs from GitHub beyond the lists: the token's user, `.github/dslp.yml`, and
whether each commanding comment still exists.

Each is one conditional request (a 304 costs no quota); a deleted comment is the one thing the
comments list cannot tell, so each live `/dslp` comment is asked about by id.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from store.approvers_file import PATH, ApproversFileError, parse_approvers
from store.mirror import get_cursor, set_cursor
from store.models import Repository
from store.signoff_sync import set_approvers, set_viewer, watched_comments, withdraw
from sync.github_api import GitHubError, NotFound, RateLimited

if TYPE_CHECKING:
    from sync.pull import RepoPuller


def pull_viewer(p: RepoPuller) -> None:
    """`GET /user`: the login a local entry is shown as until its push says who posted it."""
    p._check()
    etag, _ = p._cursor("user")
    resp = p.client.get("/user", etag=etag)
    if resp.status == 304:
        return
    login = (resp.data or {}).get("login") if isinstance(resp.data, dict) else None
    with p.store.session(write=True) as s:
        set_viewer(s, p.repo_id, login if isinstance(login, str) else None)
        set_cursor(s, p.repo_id, "user", etag=resp.etag, since=None)


def pull_approvers(p: RepoPuller) -> None:
    """The repository's `.github/dslp.yml`, kept in the mirror for offline use.

    No file: anyone may sign. A broken file: one line naming the line, and anyone may sign until
    it is fixed. A token that may not read it: the last copy read stays, with the reason.
    """
    p._check()
    etag, known = p._cursor("approvers")
    if known == "absent" and not p.repo_changed:
        return  # no file at the last look, and nothing pushed since (the repo read was a 304)
    approvers: dict[str, list[str]] | None = None
    error: str | None = None
    try:
        resp = p.client.get(f"{p.base}/contents/{PATH}", etag=etag)
    except NotFound:
        resp = None
    except RateLimited:
        raise
    except GitHubError as exc:  # e.g. 403: the last copy read stays, with the reason
        with p.store.session(write=True) as s:
            repo = s.get(Repository, p.repo_id)
            assert repo is not None
            repo.approvers_error = f"cannot read {PATH}: {exc}"
        return
    if resp is not None and resp.status == 304:
        return
    if resp is not None:
        try:
            data = resp.data if isinstance(resp.data, dict) else {}
            text = base64.b64decode(str(data.get("content") or "")).decode("utf-8")
            approvers = parse_approvers(text)
        except (binascii.Error, UnicodeDecodeError):
            error = f"{PATH} is not UTF-8 text: fix the file (until then anyone may sign)"
        except ApproversFileError as exc:
            error = str(exc)
    with p.store.session(write=True) as s:
        set_approvers(s, p.repo_id, approvers, error)
        set_cursor(
            s,
            p.repo_id,
            "approvers",
            etag=resp.etag if resp else None,
            since="present" if resp else "absent",
        )


def check_withdrawn(p: RepoPuller) -> None:
    """Ask after each comment that holds a live sign-off; a deleted one withdraws it."""
    with p.store.session() as s:
        ids = watched_comments(s, p.repo_id, every=p.full)
        etags = {gid: get_cursor(s, p.repo_id, f"comment:{gid}") for gid in ids}
    gone: list[int] = []
    seen: dict[int, str | None] = {}
    for gid in ids:
        p._check()
        cursor = etags.get(gid)
        try:
            resp = p.client.get(
                f"{p.base}/issues/comments/{gid}", etag=cursor.etag if cursor else None
            )
        except NotFound:
            gone.append(gid)
            continue
        if resp.status != 304:
            seen[gid] = resp.etag
    if not gone and not seen:
        return
    with p.store.session(write=True) as s:
        withdraw(s, p.repo_id, gone)
        for gid, etag in seen.items():
            set_cursor(s, p.repo_id, f"comment:{gid}", etag=etag, since=None)
