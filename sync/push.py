"""Push the outbox to GitHub, each entry exactly once.

The protocol, per entry: mark it in flight and commit *before* the write; send the write once (no
generic retry); record GitHub's answer at once. An entry found in flight at the start of a run
had its reply lost (5xx, timeout, dropped connection, killed process): its hidden marker is looked
for among the issue's comments before anything is re-sent. Label and body edits are idempotent
(they set a state rather than add one), so they are simply applied again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlmodel import col

from store.comments import upsert_comments
from store.db import Store
from store.issue_body import add_task, set_task
from store.markers import render_comment
from store.models import Issue, OutboxEntry, Repository
from store.outbox import claim_entry, entries_to_push, mark_entry
from store.rules import make_marker, outcome_of_label
from store.steps import STEP_KINDS
from sync.auth import redact
from sync.events import EventSink, Progress
from sync.github_api import (
    AuthError,
    Cancelled,
    Client,
    GitHubError,
    NotSent,
    RateLimited,
    WriteUnknown,
)
from sync.push_steps import StepConflict, edit_body, push_step

STATUS_LABELS = ("succeeded", "failed", "on hold")
CONFLICT_STATUSES = (403, 404, 410, 422)
COMMENT_KINDS = ("outcome", "signoff", "model", "note")
# Writes that are not idempotent: marked in flight (and committed) before they are sent.
IN_FLIGHT_KINDS = (*COMMENT_KINDS, "issue")


class Conflict(Exception):
    """GitHub cannot take this entry as it is; the entry waits for the user, never dropped."""


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str
    issue_number: int | None
    payload: dict[str, Any]
    state: str
    remote_id: int | None
    updated_at: Any


def push_outbox(
    client: Client,
    store: Store,
    repo: Repository,
    *,
    on_event: EventSink,
    cancelled: Callable[[], bool],
) -> tuple[int, int]:
    """Send the repo's pending entries; returns (sent, conflicts). A lost reply stops the push."""
    assert repo.id is not None
    with store.session() as s:
        entries = [
            Entry(e.id, e.kind, e.issue_number, dict(e.payload), e.state, e.remote_id, e.updated_at)
            for e in entries_to_push(s, repo.id)
        ]
    pusher = _Pusher(client, store, repo)
    sent = conflicts = done = 0
    states = _dependency_states(store, entries)
    waiting = entries
    while waiting:  # a step goes once the steps it waits for are sent: in order, in one run
        later: list[Entry] = []
        for listed in waiting:
            if cancelled():
                raise Cancelled()
            if any(states.get(dep, "sent") != "sent" for dep in listed.payload.get("after") or []):
                later.append(listed)
                continue
            done += 1
            state = _push_one(pusher, store, client, listed, len(entries) - done + 1)
            states[listed.id] = state
            sent += state == "sent"
            conflicts += state == "conflict"
            on_event(Progress(repo.full_name, "outbox", done, len(entries)))
        if len(later) == len(waiting):  # what is left waits on a conflict or an earlier run
            break
        waiting = later
    return sent, conflicts


def _dependency_states(store: Store, entries: list[Entry]) -> dict[str, str]:
    """The states of the entries a run's entries wait for (those of earlier runs included)."""
    deps = {dep for e in entries for dep in e.payload.get("after") or []}
    states = {e.id: e.state for e in entries}
    missing = deps - set(states)
    if missing:
        with store.session() as s:
            rows = s.execute(
                select(col(OutboxEntry.id), col(OutboxEntry.state)).where(
                    col(OutboxEntry.id).in_(list(missing))
                )
            ).all()
            states.update({entry_id: state for entry_id, state in rows})
    return states


def _push_one(pusher: _Pusher, store: Store, client: Client, listed: Entry, left: int) -> str:
    """One entry, claimed then pushed; returns the state it ends in ("skipped" if another
    sync has it)."""
    with store.session(write=True) as s:  # committed before any write to GitHub
        claimed = claim_entry(s, listed.id, in_flight=listed.kind in IN_FLIGHT_KINDS)
    if claimed is None:  # sent or claimed by another sync since it was listed
        return "skipped"
    entry = replace(listed, state=claimed[0], remote_id=claimed[1])
    try:
        pusher.push(entry)
    except (Conflict, StepConflict) as exc:
        _mark(store, entry.id, "conflict", error=_reason(exc, client))
        return "conflict"
    except (AuthError, RateLimited):
        # A rate limit longer than --max-wait is GitHub saying "later", not "never": the
        # entry stays queued (its status 403 must not send it to conflict) and the run stops.
        raise
    except WriteUnknown as exc:
        raise GitHubError(
            f"push interrupted ({exc}); {left} change(s) stay queued and are checked "
            "against GitHub at the next sync, never sent twice"
        ) from None
    except GitHubError as exc:
        if exc.status not in CONFLICT_STATUSES:
            raise
        _mark(store, entry.id, "conflict", error=_reason(exc, client))
        return "conflict"
    _mark(store, entry.id, "sent")
    return "sent"


def _mark(store: Store, entry_id: str, state: str, **kwargs: Any) -> None:
    with store.session(write=True) as s:
        mark_entry(s, entry_id, state, **kwargs)


def _reason(exc: Exception, client: Client) -> str:
    """An error as stored on the entry and shown by `dslp outbox`: one line, no token."""
    return redact(str(exc), client.token)


class _Pusher:
    def __init__(self, client: Client, store: Store, repo: Repository) -> None:
        assert repo.id is not None
        self.client = client
        self.store = store
        self.repo_id = repo.id
        self.base = f"/repos/{repo.full_name}"
        self.full_name = repo.full_name
        self._viewer: str | None = None

    def mark_pending(self, entry_id: str, exc: Exception) -> None:
        """A write that provably did not happen: back to pending, with the reason."""
        _mark(self.store, entry_id, "pending", error=_reason(exc, self.client))

    def viewer(self) -> str | None:
        """The token's login (as of the last sync, else asked once): whose issues to search."""
        if self._viewer is None:
            with self.store.session() as s:
                repo = s.get(Repository, self.repo_id)
                self._viewer = repo.viewer_login if repo is not None else None
            if self._viewer is None:
                login = (self.client.get("/user").data or {}).get("login")
                self._viewer = login if isinstance(login, str) else ""
        return self._viewer or None

    def push(self, entry: Entry) -> None:
        if entry.kind in COMMENT_KINDS:
            number = entry.issue_number or self._signoff_issue()
            self._comment_once(entry, number)
            if entry.kind == "outcome":
                self._status_label(number, str(entry.payload.get("status")))
        elif entry.kind in STEP_KINDS:
            push_step(self, entry)
        elif entry.kind == "checklist":
            assert entry.issue_number is not None
            self._checklist(entry.issue_number, entry.payload)
        else:
            raise Conflict(f"unknown outbox entry kind {entry.kind!r}")

    # -- comments, exactly once ----------------------------------------------------------------

    def _comment_once(self, entry: Entry, number: int) -> None:
        if entry.remote_id is not None:
            return
        if entry.state == "in_flight":
            found = self._find_marker(number, entry)
            if found is not None:
                self._remember(entry.id, found)
                return
        body = render_comment(entry.kind, entry.id, entry.payload)
        try:
            resp = self.client.write(
                "POST", f"{self.base}/issues/{number}/comments", {"body": body}
            )
        except (NotSent, GitHubError) as exc:
            if isinstance(exc, WriteUnknown):
                raise
            # provably not applied
            _mark(self.store, entry.id, "pending", error=_reason(exc, self.client))
            raise
        comment = resp.data or {}
        self._remember(entry.id, comment.get("id"), comment)

    def _remember(
        self, entry_id: str, remote_id: int | None, comment: dict[str, Any] | None = None
    ) -> None:
        with self.store.session(write=True) as s:
            row = s.get(OutboxEntry, entry_id)
            if row is not None and remote_id is not None:
                row.remote_id = remote_id
            if comment and comment.get("id"):
                upsert_comments(s, self.repo_id, [comment])

    def _find_marker(self, number: int, entry: Entry) -> int | None:
        marker = make_marker(entry.kind, entry.id)
        # No `since`: a laptop's clock may be far off GitHub's, and a missed marker means a
        # duplicate comment. An issue's comments are few; read them all.
        params: dict[str, Any] | None = {"per_page": 100}
        url: str | None = f"{self.base}/issues/{number}/comments"
        while url:
            resp = self.client.get(url, params)
            for comment in resp.data or []:
                if marker in (comment.get("body") or ""):
                    return int(comment["id"])
            url, params = resp.link("next"), None
        return None

    def _signoff_issue(self) -> int:
        """A project-level sign-off is posted on the project's Ask (the oldest open one)."""
        with self.store.session() as s:
            asks = list(
                s.execute(
                    select(col(Issue.number), col(Issue.state))
                    .where(col(Issue.repo_id) == self.repo_id, col(Issue.kind) == "ask")
                    .order_by(col(Issue.number))
                ).all()
            )
        open_asks: list[int] = [n for n, state in asks if state == "open"]
        if open_asks or asks:
            return int((open_asks or [asks[0][0]])[0])
        raise Conflict(
            f"no Ask issue in {self.full_name} to post the sign-off on: open one, sync, "
            "then `dslp outbox --retry`"
        )

    # -- idempotent edits ----------------------------------------------------------------------

    def _status_label(self, number: int, status: str) -> None:
        issue = self.client.get(f"{self.base}/issues/{number}").data or {}
        present = {lab.get("name", "") for lab in issue.get("labels") or []}
        # Labels as the team spelt them: 'Failed' or 'on-hold' are the same outcomes.
        named = {name: outcome_of_label(name) for name in present}
        if status not in named.values():
            self.client.write("POST", f"{self.base}/issues/{number}/labels", {"labels": [status]})
        for other, outcome in named.items():
            if outcome in STATUS_LABELS and outcome != status:
                try:
                    self.client.write(
                        "DELETE", f"{self.base}/issues/{number}/labels/{quote(other, safe='')}"
                    )
                except GitHubError as exc:
                    if exc.status != 404:  # already gone: that is the state we want
                        raise

    def _checklist(self, number: int, payload: dict[str, Any]) -> None:
        text = str(payload.get("text", ""))
        done = bool(payload.get("done"))

        def change(body: str) -> str | None:
            if payload.get("action") == "add":
                return body if set_task(body, text, False) is not None else add_task(body, text)
            new = set_task(body, text, done)
            if new is None:
                if payload.get("origin") == "body":
                    raise Conflict(
                        f"the task {text!r} is no longer in #{number}'s description: "
                        "someone edited it on GitHub"
                    )
                # A standard hand-off step not in the body yet: add it, then set it.
                new = set_task(add_task(body, text), text, done)
            return new

        edit_body(self, number, change)
