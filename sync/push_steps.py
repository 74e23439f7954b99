"""The pushes of the DSLP steps: create an issue from a draft, edit an Ask's lists, close an
issue and its PRs, create a branch, retarget a PR.

Only the create is not idempotent: it is marked in flight and committed before the POST, its
body carries the draft's marker, and after a lost reply the issues the token's user created
since the draft are searched for that marker before anything is posted again. Every other step
sets a state (closed, listed, based on) and is simply applied again. A body edit re-reads the
issue just before its PATCH and applies the change to that text, so a colleague's edit made
since the last sync survives.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import select
from sqlmodel import col

from store.ask_lists import ask_item_text, set_ask_item
from store.drafts import draft_pushed, fill_draft_refs
from store.mirror import parse_ts, upsert_issues
from store.models import Issue, IssueDraft, OutboxEntry
from store.outbox import InvalidChange
from store.rules import branch_for, make_marker
from sync.github_api import GitHubError, NotSent, WriteUnknown

if TYPE_CHECKING:
    from sync.push import Entry, _Pusher

# How far before the draft's own stamp the search for a lost create looks: a laptop's clock
# may be off GitHub's, and a missed issue means a duplicate.
CLOCK_SLACK = timedelta(days=1)


class StepConflict(Exception):
    """GitHub's state makes this step impossible as planned; the chain waits for the user."""


def push_step(p: _Pusher, entry: Entry) -> None:
    handlers: dict[str, Callable[[_Pusher, Entry], None]] = {
        "issue": _create_issue,
        "ask_item": _ask_item,
        "close": _close,
        "close_pulls": _close_pulls,
        "branch": _branch,
        "retarget": _retarget,
    }
    handlers[entry.kind](p, entry)


# -- create, exactly once --------------------------------------------------------------------


def _create_issue(p: _Pusher, entry: Entry) -> None:
    with p.store.session() as s:
        draft = s.get(IssueDraft, entry.id)
        if draft is None or draft.state == "discarded":
            raise StepConflict("the draft was discarded: nothing to create")
        if draft.number is not None:  # a sync already read it back (its reply was lost)
            return
        try:
            body = fill_draft_refs(s, draft)
        except InvalidChange as exc:
            raise StepConflict(str(exc)) from None
        title, labels, created = draft.title, list(draft.labels), draft.created_at
    if entry.state == "in_flight":
        found = _find_created(p, entry.id, created)
        if found is not None:
            _adopt(p, entry.id, found)
            return
    payload = {"title": title, "body": body, "labels": labels}
    try:
        resp = p.client.write("POST", f"{p.base}/issues", payload)
    except (NotSent, GitHubError) as exc:
        if isinstance(exc, WriteUnknown):
            raise
        p.mark_pending(entry.id, exc)  # provably not created
        raise
    _adopt(p, entry.id, resp.data or {})


def _adopt(p: _Pusher, draft_id: str, issue: dict[str, Any]) -> None:
    number = issue.get("number")
    if not isinstance(number, int):
        raise StepConflict("GitHub's reply to the create named no issue number")
    with p.store.session(write=True) as s:
        if issue.get("id"):
            upsert_issues(s, p.repo_id, [issue])
        draft_pushed(s, draft_id, number)
        row = s.get(OutboxEntry, draft_id)
        if row is not None and isinstance(issue.get("id"), int):
            row.remote_id = issue["id"]


def _find_created(p: _Pusher, draft_id: str, created: Any) -> dict[str, Any] | None:
    """The issue a lost create made, by its marker among the user's newest issues."""
    marker = make_marker("issue", draft_id)
    login = p.viewer()
    params: dict[str, Any] | None = {
        "state": "all",
        "sort": "created",
        "direction": "desc",
        "per_page": 100,
    }
    if login:
        assert params is not None
        params["creator"] = login
    floor = created - CLOCK_SLACK if created is not None else None
    url: str | None = f"{p.base}/issues"
    while url:
        resp = p.client.get(url, params)
        items = resp.data or []
        for item in items:
            if marker in (item.get("body") or ""):
                return dict(item)
        oldest = parse_ts(items[-1].get("created_at")) if items else None
        if floor is not None and oldest is not None and oldest < floor:
            return None
        url, params = resp.link("next"), None
    return None


# -- idempotent steps ------------------------------------------------------------------------


def _number_of(p: _Pusher, entry: Entry) -> int:
    if entry.issue_number is not None:
        return entry.issue_number
    draft_id = entry.payload.get("draft")
    with p.store.session() as s:
        draft = s.get(IssueDraft, draft_id) if draft_id else None
        if draft is None or draft.number is None:
            raise StepConflict("waits for its issue to be created on GitHub")
        return draft.number


def edit_body(p: _Pusher, number: int, change: Callable[[str], str | None]) -> None:
    """Re-read the body, apply the change to that text, write it, and check what GitHub kept."""
    issue = p.client.get(f"{p.base}/issues/{number}").data or {}
    body: str = issue.get("body") or ""
    new = change(body)
    if new is None or new == body:
        return
    resp = p.client.write("PATCH", f"{p.base}/issues/{number}", {"body": new})
    kept = (resp.data or {}).get("body")
    if kept is not None and kept != new:
        raise StepConflict(f"#{number}'s description changed while it was written: check it")
    with p.store.session(write=True) as s:
        if isinstance(resp.data, dict) and resp.data.get("id"):
            upsert_issues(s, p.repo_id, [resp.data])


def _ask_item(p: _Pusher, entry: Entry) -> None:
    data = entry.payload
    ask = int(data["ask"])
    with p.store.session() as s:
        if data.get("number"):
            number = int(data["number"])
            row = s.execute(
                select(Issue).where(col(Issue.repo_id) == p.repo_id, col(Issue.number) == number)
            ).scalar_one_or_none()
            kind, title = (row.kind or "experiment", row.title) if row else ("experiment", "")
        else:
            draft = s.get(IssueDraft, data.get("draft"))
            if draft is None or draft.number is None:
                raise StepConflict("waits for its issue to be created on GitHub")
            number, kind, title = draft.number, draft.kind, draft.title
    section = str(data["section"])

    def change(body: str) -> str:
        try:
            text = ask_item_text(
                kind, number, title, outcome=data.get("outcome"), tldr=data.get("tldr")
            )
            return set_ask_item(body, section, number, text)
        except ValueError as exc:  # e.g. the Ask's description is over GitHub's size limit
            raise StepConflict(f"cannot list #{number} in Ask #{ask}: {exc}") from None

    edit_body(p, ask, change)


def _close(p: _Pusher, entry: Entry) -> None:
    number = _number_of(p, entry)
    reason = str(entry.payload.get("reason") or "completed")
    issue = p.client.get(f"{p.base}/issues/{number}").data or {}
    if issue.get("state") == "closed":  # closed by an earlier attempt whose reply was lost
        _keep(p, issue)
        return
    resp = p.client.write(
        "PATCH", f"{p.base}/issues/{number}", {"state": "closed", "state_reason": reason}
    )
    _keep(p, resp.data)


def _keep(p: _Pusher, data: Any) -> None:
    if isinstance(data, dict) and data.get("id"):
        with p.store.session(write=True) as s:
            upsert_issues(s, p.repo_id, [data])


def _close_pulls(p: _Pusher, entry: Entry) -> None:
    for pr in entry.payload.get("pulls") or []:
        pull = p.client.get(f"{p.base}/pulls/{int(pr)}").data or {}
        if pull.get("merged") or pull.get("merged_at") or pull.get("state") != "open":
            continue  # merged on GitHub since (the card says so) or closed already
        resp = p.client.write("PATCH", f"{p.base}/pulls/{int(pr)}", {"state": "closed"})
        _keep_pull(p, resp.data)


def _keep_pull(p: _Pusher, data: Any) -> None:
    if isinstance(data, dict) and data.get("number"):
        from store.mirror import apply_pull

        with p.store.session(write=True) as s:
            apply_pull(s, p.repo_id, [data])


def _branch_name(p: _Pusher, entry: Entry) -> str:
    name = entry.payload.get("name")
    if name:
        return str(name)
    draft_id = entry.payload.get("draft")
    with p.store.session(write=True) as s:
        draft = s.get(IssueDraft, draft_id) if draft_id else None
        if draft is None or draft.number is None:
            raise StepConflict("waits for its issue to be created on GitHub")
        name = branch_for(draft.kind, draft.number, draft.title)
        row = s.get(OutboxEntry, entry.id)
        if row is not None:  # shown by `dslp outbox`, read by the retarget after it
            row.payload = {**row.payload, "name": name}
    return str(name)


def _branch(p: _Pusher, entry: Entry) -> None:
    name = _branch_name(p, entry)
    base = str(entry.payload.get("base") or "main")
    ref = p.client.get(f"{p.base}/git/ref/heads/{quote(base, safe='/')}").data or {}
    sha = (ref.get("object") or {}).get("sha")
    if not sha:
        raise StepConflict(f"the collaboration branch {base!r} has no commit on GitHub")
    try:
        p.client.write("POST", f"{p.base}/git/refs", {"ref": f"refs/heads/{name}", "sha": sha})
    except GitHubError as exc:
        if exc.status == 422 and "already exists" in str(exc).lower():
            return  # made by an earlier attempt whose reply was lost, or by a colleague
        raise


def _retarget(p: _Pusher, entry: Entry) -> None:
    name = entry.payload.get("name")
    if not name and entry.payload.get("branch_entry"):
        with p.store.session() as s:
            branch = s.get(OutboxEntry, entry.payload["branch_entry"])
            name = (branch.payload or {}).get("name") if branch is not None else None
    if not name:
        raise StepConflict("waits for the model branch to be created")
    for pr in entry.payload.get("pulls") or []:
        pull = p.client.get(f"{p.base}/pulls/{int(pr)}").data or {}
        if pull.get("state") != "open" or (pull.get("base") or {}).get("ref") == name:
            continue
        resp = p.client.write("PATCH", f"{p.base}/pulls/{int(pr)}", {"base": name})
        _keep_pull(p, resp.data)
