"""What a test puts on the fake: repos, labels, issues, pulls, comments, files."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from tests.fakegithub.base import (
    _sha,
    _Stamp,
    _to_epoch,
)
from tests.fakegithub.state import (
    _Branch,
    _Comment,
    _Issue,
    _Label,
    _Pull,
    _Repo,
)

if TYPE_CHECKING:
    pass


class _Seeding:
    """What a test puts on the fake: repos, labels, issues, pulls, comments, files."""

    def add_repo(
        self, full_name: str, default_branch: str = "main", private: bool = False
    ) -> dict[str, Any]:
        """Create a repo (with its default branch) and return its API JSON."""
        owner, _, name = full_name.partition("/")
        if not owner or not name:
            raise ValueError("full_name must be 'owner/name'")
        with self._lock:
            if full_name.lower() in self._repos:
                raise ValueError(f"repo {full_name!r} exists")
            repo = _Repo(self._next_id("repo"), owner, name, default_branch, private, self._stamp())
            repo.branches[default_branch] = _Branch(default_branch, _sha(f"{full_name}:root"))
            self._repos[full_name.lower()] = repo
            self._repos_by_id[repo.id] = repo
            return self._repo_full(repo)

    def add_label(
        self, repo: str, name: str, color: str = "ededed", description: str | None = ""
    ) -> dict[str, Any]:
        with self._lock:
            r = self._repo(repo)
            if name.lower() in r.labels:
                raise ValueError(f"label {name!r} exists in {repo}")
            label = _Label(self._next_id("label"), name, color.lstrip("#"), description)
            r.labels[name.lower()] = label
            return dict(self._label_dict(r, label))

    def add_issue(
        self,
        repo: str,
        title: str,
        body: str | None = None,
        labels: Iterable[str] = (),
        state: str = "open",
        user: str = "alice",
        closed_at: _Stamp | None = None,
        *,
        created_at: _Stamp | None = None,
        assignees: Iterable[str] = (),
    ) -> dict[str, Any]:
        """Add an issue (labels are created on the fly if missing); returns its API JSON."""
        with self._lock:
            r = self._repo(repo)
            it = self._new_issue(r, title, body, labels, state, user, closed_at, created_at)
            it.assignees = list(assignees)
            return json.loads(self._issue_json(r, it))

    def _new_issue(
        self,
        r: _Repo,
        title: str,
        body: str | None,
        labels: Iterable[str],
        state: str,
        user: str,
        closed_at: _Stamp | None = None,
        created_at: _Stamp | None = None,
    ) -> _Issue:
        if state not in ("open", "closed"):
            raise ValueError(f"bad state {state!r}")
        t = self._stamp() if created_at is None else _to_epoch(created_at)
        closed: int | None = None
        if state == "closed":
            closed = t if closed_at is None else _to_epoch(closed_at)
        label_objs = [self._get_label(r, n, create=True) for n in labels]
        it = _Issue(
            id=self._next_id("issue"),
            number=r.next_number,
            title=title,
            body=body,
            user=user,
            state=state,
            state_reason="completed" if state == "closed" else None,
            labels=[lb for lb in label_objs if lb is not None],
            assignees=[],
            created_at=t,
            updated_at=max(t, closed or t),
            closed_at=closed,
            closed_by=user if state == "closed" else None,
        )
        r.next_number += 1
        r.issues[it.number] = it
        self._changed(r)
        return it

    def add_pull(
        self,
        repo: str,
        title: str,
        head: str,
        base: str = "main",
        body: str | None = None,
        labels: Iterable[str] = (),
        state: str = "open",
        merged: bool = False,
        draft: bool = False,
        user: str = "alice",
        *,
        head_sha: str | None = None,
    ) -> dict[str, Any]:
        """Add a PR; it shares the issue number sequence and shows up in the issues list."""
        with self._lock:
            r = self._repo(repo)
            it = self._new_pull(
                r, title, head, base, body, labels, state, merged, draft, user, head_sha
            )
            return json.loads(self._issue_json(r, it))

    def _new_pull(
        self,
        r: _Repo,
        title: str,
        head: str,
        base: str,
        body: str | None,
        labels: Iterable[str],
        state: str,
        merged: bool,
        draft: bool,
        user: str,
        head_sha: str | None = None,
    ) -> _Issue:
        if merged:
            state = "closed"
        it = self._new_issue(r, title, body, labels, state, user)
        it.state_reason = None
        branch = r.branches.get(head)
        sha = head_sha or (branch.sha if branch else _sha(f"{r.full_name}:{head}"))
        it.pull = _Pull(self._next_id("pull"), head, sha, base, draft)
        if merged:
            it.pull.merged_at = it.closed_at
            it.pull.merged_by = user
        return it

    def add_comment(self, repo: str, number: int, body: str, user: str = "bob") -> dict[str, Any]:
        """Add an issue comment; like GitHub, this bumps the issue's updated_at."""
        with self._lock:
            r = self._repo(repo)
            c = self._new_comment(r, self._issue(r, number), body, user)
            return json.loads(self._comment_json(r, c))

    def edit_comment(self, repo: str, comment_id: int, body: str) -> None:
        """As a user editing a comment on github.com: new body, new updated_at."""
        with self._lock:
            r = self._repo(repo)
            c = r.comments[comment_id]
            c.body, c.updated_at, c.cache = body, self._stamp(), None
            self._changed(r, r.issues[c.number])

    def delete_comment(self, repo: str, comment_id: int) -> None:
        """As a user deleting a comment: it is gone from the list and answers 404."""
        with self._lock:
            r = self._repo(repo)
            c = r.comments.pop(comment_id)
            r.issues[c.number].comment_ids.remove(c.id)
            self._changed(r, r.issues[c.number])

    def _new_comment(self, r: _Repo, it: _Issue, body: str, user: str) -> _Comment:
        t = self._stamp()
        c = _Comment(self._next_id("comment"), it.number, body, user, t, t)
        r.comments[c.id] = c
        it.comment_ids.append(c.id)
        it.updated_at = t
        self._changed(r, it)
        return c

    def put_file(self, repo: str, path: str, text: str) -> None:
        """A file on the default branch, served by the contents API."""
        with self._lock:
            r = self._repo(repo)
            r.pushed_at = self._stamp()
            r.files[path.strip("/")] = (text, r.pushed_at)
            r.core = None  # a push moves the repository's pushed_at

    def remove_file(self, repo: str, path: str) -> None:
        with self._lock:
            r = self._repo(repo)
            r.files.pop(path.strip("/"), None)
            r.pushed_at, r.core = self._stamp(), None

    def _file_dict(self, r: _Repo, path: str, text: str) -> dict[str, Any]:
        """A file of the contents API: the directory-listing item plus its base64 content."""
        encoded = base64.b64encode(text.encode()).decode()
        d = self._content_entry(r, path, True)
        # GitHub wraps the base64 at 60 characters a line
        d["content"] = "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60)) + "\n"
        d["encoding"] = "base64"
        return d
