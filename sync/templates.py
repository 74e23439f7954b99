"""The repository's issue templates, read through the contents API and kept in the mirror so
that `dslp new` works offline.

The folder's listing is one conditional request (a 304 costs no quota); a file is fetched only
when its blob sha changed. A repo without the folder is asked again only after a push to it.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlmodel import col

from store.drafts import TEMPLATE_DIR
from store.mirror import set_cursor
from store.models import IssueTemplate, utcnow
from store.templates import is_template_path
from sync.github_api import NotFound

if TYPE_CHECKING:
    from sync.pull import RepoPuller


def pull_templates(p: RepoPuller) -> None:
    p._check()
    etag, known = p._cursor("templates")
    if known == "absent" and not p.repo_changed:
        return
    try:
        resp = p.client.get(f"{p.base}/contents/{TEMPLATE_DIR}", etag=etag)
    except NotFound:
        with p.store.session(write=True) as s:
            s.execute(delete(IssueTemplate).where(col(IssueTemplate.repo_id) == p.repo_id))
            set_cursor(s, p.repo_id, "templates", etag=None, since="absent")
        return
    if resp.status == 304:
        return
    listing: list[dict[str, Any]] = [
        item
        for item in (resp.data if isinstance(resp.data, list) else [])
        if isinstance(item, dict)
        and item.get("type") == "file"
        and is_template_path(str(item.get("path") or ""))
    ]
    with p.store.session() as s:
        stored = {
            t.path: t.sha
            for t in s.execute(
                select(IssueTemplate).where(col(IssueTemplate.repo_id) == p.repo_id)
            ).scalars()
        }
    fetched: dict[str, tuple[str | None, str]] = {}
    for item in listing:
        path, sha = str(item["path"]), item.get("sha")
        if path in stored and stored[path] == sha:
            continue
        p._check()
        try:
            data = p.client.get(f"{p.base}/contents/{path}").data or {}
        except NotFound:  # removed between the listing and now
            continue
        try:
            text = base64.b64decode(str(data.get("content") or "")).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            text = "\x00"  # kept so `dslp new` can say which file is not text
        fetched[path] = (sha, text)
    keep = {str(item["path"]) for item in listing}
    with p.store.session(write=True) as s:
        s.execute(
            delete(IssueTemplate).where(
                col(IssueTemplate.repo_id) == p.repo_id, col(IssueTemplate.path).not_in(keep)
            )
        )
        for path, (sha, text) in fetched.items():
            row = s.execute(
                select(IssueTemplate).where(
                    col(IssueTemplate.repo_id) == p.repo_id, col(IssueTemplate.path) == path
                )
            ).scalar_one_or_none()
            if row is None:
                row = IssueTemplate(repo_id=p.repo_id, path=path)
                s.add(row)
            row.sha, row.text, row.updated_at = sha, text, utcnow()
        set_cursor(s, p.repo_id, "templates", etag=resp.etag, since="present")
