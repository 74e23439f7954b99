"""Pull request writes: create, update (retarget, close, reopen), merge; and their test helpers.

Shapes and messages are GitHub's (REST v3, 2022-11-28): a 422 validation error carries
``errors: [{"resource": "PullRequest", "field": ..., "code": ...}]``, merge refusals are 405 with
a bare ``message``, and a stale ``sha`` on merge is a 409.
"""

from __future__ import annotations

from typing import Any

from tests.fakegithub.base import _sha
from tests.fakegithub.faults import RequestRecord
from tests.fakegithub.state import _Branch, _Issue, _Repo, _Response

_MERGE_METHODS = ("merge", "squash", "rebase")


class _PullWrites:
    """Pull request writes: POST /pulls, PATCH /pulls/{n}, PUT/GET /pulls/{n}/merge."""

    # ----------------------------------------------------------------- routes

    def _pull_invalid(self, field_name: str | None, code: str, message: str = "") -> _Response:
        err: dict[str, Any] = {"resource": "PullRequest", "code": code}
        if field_name is not None:
            err["field"] = field_name
        if message:
            err["message"] = message
        return self._error(422, "Validation Failed", errors=[err])

    def _open_duplicate(self, r: _Repo, head: str, base: str, skip: _Issue | None) -> bool:
        return any(
            i is not skip
            and i.pull
            and i.state == "open"
            and (i.pull.head, i.pull.base) == (head, base)
            for i in r.issues.values()
        )

    def _create_pull(self, rec: RequestRecord, r: _Repo) -> _Response:
        data = self._body(rec)
        if not isinstance(data, dict):
            return self._error(400, "Problems parsing JSON")
        for key in ("head", "base"):
            if not isinstance(data.get(key), str) or not data[key]:
                return self._pull_invalid(key, "missing_field")
        if not data.get("title"):
            return self._pull_invalid("title", "missing_field")
        owner, _, head = str(data["head"]).rpartition(":")
        base = str(data["base"])
        if (owner and owner.lower() != r.owner.lower()) or head not in r.branches:
            return self._pull_invalid("head", "invalid")
        if base not in r.branches:
            return self._pull_invalid("base", "invalid")
        if head == base:
            return self._pull_invalid(None, "custom", f"No commits between {base} and {head}")
        if self._open_duplicate(r, head, base, None):
            msg = f"A pull request already exists for {r.owner}:{head}."
            return self._pull_invalid(None, "custom", msg)
        assert rec.user is not None
        it = self._new_pull(
            r,
            str(data["title"]),
            head,
            base,
            data.get("body"),
            [],
            "open",
            False,
            bool(data.get("draft")),
            rec.user,
        )
        assert it.pull is not None
        it.pull.maintainer_can_modify = bool(data.get("maintainer_can_modify", False))
        d = self._pull_full(r, it)
        return self._json(201, d, headers={"Location": d["url"]})

    def _patch_pull(self, rec: RequestRecord, r: _Repo, it: _Issue) -> _Response:
        data = self._body(rec)
        if not isinstance(data, dict):
            return self._error(400, "Problems parsing JSON")
        p = it.pull
        assert p is not None and rec.user is not None
        state = data.get("state")
        if state is not None and state not in ("open", "closed"):
            return self._pull_invalid("state", "invalid")
        if "title" in data and not data["title"]:
            return self._pull_invalid("title", "missing_field")
        base = data.get("base")
        if base is not None:
            if not isinstance(base, str):
                return self._pull_invalid("base", "invalid", "Ref must be a string")
            if base != p.base and it.state == "closed":
                msg = "Cannot change the base branch of a closed pull request."
                return self._pull_invalid("base", "invalid", msg)
            if base not in r.branches:
                return self._pull_invalid(
                    "base", "invalid", f"Proposed base branch '{base}' is invalid"
                )
        if state == "open" and it.state == "closed":
            if p.merged_at is not None:
                msg = "state cannot be changed. The pull request has been merged."
                return self._pull_invalid("state", "custom", msg)
            if p.head not in r.branches:
                msg = f"state cannot be changed. The {p.head} branch has been deleted."
                return self._pull_invalid("state", "custom", msg)
            if self._open_duplicate(r, p.head, base or p.base, it):
                msg = f"A pull request already exists for {r.owner}:{p.head}."
                return self._pull_invalid(None, "custom", msg)
        t = self._stamp()
        if "title" in data:
            it.title = str(data["title"])
        if "body" in data:
            it.body = data["body"]
        if base is not None:
            p.base = base
        if "maintainer_can_modify" in data:
            p.maintainer_can_modify = bool(data["maintainer_can_modify"])
        if state is not None:
            self._set_state(it, state, t, None)
            if it.state == "closed" and it.closed_by is None:
                it.closed_by = rec.user
        it.updated_at = t
        self._changed(r, it)
        return self._json(200, self._pull_full(r, it))

    def _merge_pull(self, rec: RequestRecord, r: _Repo, it: _Issue) -> _Response:
        data = self._body(rec)
        if not isinstance(data, dict):
            return self._error(400, "Problems parsing JSON")
        p = it.pull
        assert p is not None and rec.user is not None
        method = data.get("merge_method", "merge")
        if method not in _MERGE_METHODS:
            return self._pull_invalid("merge_method", "invalid")
        if it.state != "open" or p.merged_at is not None:
            return self._error(405, "Pull Request is not mergeable")
        if p.draft:
            return self._error(405, "Pull Request is still a draft")
        if data.get("sha") is not None and data["sha"] != p.head_sha:
            return self._error(409, "Head branch was modified. Review and try the merge again.")
        sha = self._do_merge(r, it, rec.user)
        return self._json(
            200, {"sha": sha, "merged": True, "message": "Pull Request successfully merged"}
        )

    def _do_merge(self, r: _Repo, it: _Issue, user: str) -> str:
        """Merge ``it``: close it, stamp merged_at/by, move the base branch to the merge commit."""
        p = it.pull
        assert p is not None
        t = self._stamp()
        self._set_state(it, "closed", t, None)
        it.closed_by = user
        p.merged_at, p.merged_by = t, user
        it.updated_at = t
        sha = _sha(f"merge:{r.full_name}:{it.number}")  # the shapes' merge_commit_sha
        r.commits.add(sha)
        base = r.branches.get(p.base)
        if base is not None:
            self._move_branch(r, base, sha)
        self._changed(r, it)
        return sha

    def _move_branch(self, r: _Repo, br: _Branch, sha: str) -> None:
        """Point a branch at ``sha``; PR JSON that shows it (head or base sha) is re-rendered."""
        r.commits.add(br.sha)
        br.sha = sha
        for other in r.issues.values():
            if other.pull is not None and br.name in (other.pull.base, other.pull.head):
                if other.pull.head == br.name and other.state == "open":
                    other.pull.head_sha = sha
                other.cache = other.pull_cache = None
        self._changed(r)

    def _merged_route(self, rec: RequestRecord, r: _Repo, it: _Issue) -> _Response:
        """``/pulls/{n}/merge``: GET is "check if merged" (204 or 404), PUT merges."""
        if rec.method in ("GET", "HEAD"):
            assert it.pull is not None
            return (
                _Response(204) if it.pull.merged_at is not None else self._error(404, "Not Found")
            )
        if rec.method == "PUT":
            return self._merge_pull(rec, r, it)
        return self._error(404, "Not Found")

    # ----------------------------------------------------------------- test-side API

    def open_pull(
        self,
        repo: str,
        head: str,
        base: str = "main",
        title: str = "",
        body: str | None = None,
        draft: bool = False,
        *,
        user: str = "alice",
        labels: tuple[str, ...] | list[str] = (),
    ) -> int:
        """Open a PR as a user would on github.com; returns its number.

        The head branch is created (one commit ahead of ``base``) when missing; ``base`` must
        exist. The title defaults to the head branch's name.
        """
        with self._lock:
            r = self._repo(repo)
            if base not in r.branches:
                raise KeyError(f"no branch {base!r} in {repo}")
            if head not in r.branches:
                r.branches[head] = _Branch(head, _sha(f"{r.full_name}:{head}:{self._clock}"))
            it = self._new_pull(
                r, title or head, head, base, body, labels, "open", False, draft, user
            )
            return it.number

    def merge_pull(self, repo: str, number: int, user: str | None = None) -> str:
        """Merge an open PR as if someone pressed the button; returns the merge commit sha."""
        with self._lock:
            r = self._repo(repo)
            it = self._issue(r, number)
            if it.pull is None or it.state != "open":
                raise ValueError(f"#{number} is not an open pull request")
            return self._do_merge(r, it, user or it.user)

    def pull_state(self, repo: str, number: int) -> dict[str, Any]:
        """A PR's essentials: state, merged, base, head, head_sha, draft, title, body, user."""
        with self._lock:
            r = self._repo(repo)
            it = self._issue(r, number)
            p = it.pull
            if p is None:
                raise KeyError(f"#{number} in {repo} is an issue, not a pull request")
            return {
                "number": it.number,
                "state": it.state,
                "merged": p.merged_at is not None,
                "merged_by": p.merged_by,
                "base": p.base,
                "head": p.head,
                "head_sha": p.head_sha,
                "draft": p.draft,
                "title": it.title,
                "body": it.body,
                "user": it.user,
                "maintainer_can_modify": p.maintainer_can_modify,
            }

    def pulls(self, repo: str, state: str = "all") -> list[dict[str, Any]]:
        """``pull_state`` of every PR (``state``: open, closed or all), in number order."""
        with self._lock:
            r = self._repo(repo)
            numbers = sorted(
                n
                for n, i in r.issues.items()
                if i.pull is not None and (state == "all" or i.state == state)
            )
        return [self.pull_state(repo, n) for n in numbers]
