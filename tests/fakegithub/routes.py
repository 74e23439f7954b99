"""Routing: the repository's endpoints (labels, issues, pulls, contents, branches)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from tests.fakegithub.base import (
    _T,
    DOC_URL,
    _dumps,
    _to_epoch,
)
from tests.fakegithub.faults import (
    RequestRecord,
)
from tests.fakegithub.state import (
    _Issue,
    _Label,
    _NotFound,
    _Repo,
    _Response,
)

if TYPE_CHECKING:
    pass


class _Routes:
    """Routing: the repository's endpoints (labels, issues, pulls, contents, branches)."""

    def _route(self, rec: RequestRecord) -> _Response:
        raw = rec.path.strip("/")
        segs = [unquote(s) for s in raw.split("/")] if raw else []
        m = rec.method
        if segs == ["rate_limit"] and m == "GET":
            core = {
                "limit": self.rate_limit,
                "used": self.rate_used,
                "remaining": max(0, self.rate_limit - self.rate_used),
                "reset": self.rate_reset,
                "resource": "core",
            }
            other = {"limit": 5000, "used": 0, "remaining": 5000, "reset": self.rate_reset}
            return self._json(
                200,
                {
                    "resources": {
                        "core": core,
                        "search": dict(other, limit=30, remaining=30),
                        "graphql": other,
                    },
                    "rate": core,
                },
            )
        if segs == ["user"] and m == "GET":
            assert rec.user is not None
            return self._json(200, dict(self._user(rec.user), name=rec.user.title()))
        repo: _Repo | None = None
        if len(segs) >= 3 and segs[0] == "repos":
            repo, rest = self._repos.get(f"{segs[1]}/{segs[2]}".lower()), segs[3:]
        elif len(segs) >= 2 and segs[0] == "repositories" and segs[1].isdigit():
            repo, rest = self._repos_by_id.get(int(segs[1])), segs[2:]
        if repo is None:
            raise _NotFound
        if m in ("POST", "PATCH", "PUT") and self._body(rec) is None:
            return self._error(400, "Problems parsing JSON")
        return self._repo_route(rec, repo, rest)

    def _repo_route(self, rec: RequestRecord, r: _Repo, rest: list[str]) -> _Response:
        m, n = rec.method, len(rest)
        get = m in ("GET", "HEAD")
        if n == 0 and get:
            return self._json(200, self._repo_full(r), r.pushed_at or r.created_at)
        head = rest[0]
        if head == "labels":
            if n == 1 and get:
                return self._page(
                    rec, list(r.labels.values()), lambda lb: _dumps(self._label_dict(r, lb))
                )
            if n == 1 and m == "POST":
                return self._create_label(r, self._body(rec))
            if n == 2:
                return self._label_item(rec, r, rest[1])
        if head == "issues":
            if n == 1 and get:
                return self._list_issues(rec, r)
            if n == 1 and m == "POST":
                return self._create_issue(rec, r)
            if n >= 2 and rest[1] == "comments":
                return self._comments_route(rec, r, rest[2:])
            if n >= 2 and rest[1].isdigit():
                return self._issue_route(rec, r, int(rest[1]), rest[2:])
        if head == "pulls":
            if n == 1 and get:
                return self._list_pulls(rec, r)
            if n == 1 and m == "POST":
                return self._create_pull(rec, r)
            if n >= 2 and rest[1].isdigit():
                it = r.issues.get(int(rest[1]))
                if it is None or it.pull is None:
                    raise _NotFound
                if n == 2 and get:
                    return self._json(200, self._pull_full(r, it), it.updated_at)
                if n == 2 and m == "PATCH":
                    return self._patch_pull(rec, r, it)
                if rest[2:] == ["merge"]:
                    return self._merged_route(rec, r, it)
        if head == "contents" and get:
            return self._contents(rec, r, "/".join(rest[1:]))
        if head == "git":
            return self._git_route(rec, r, rest[1:])
        if head == "branches" and get:
            if n == 1:
                items = list(r.branches.values())
                if "protected" in rec.query:
                    want = rec.query["protected"].lower() == "true"
                    items = [b for b in items if b.protected == want]
                return self._page(rec, items, lambda b: _dumps(self._branch_dict(r, b)))
            br = r.branches.get("/".join(rest[1:]))
            if br is None:
                return self._error(404, "Branch not found")
            return self._json(200, self._branch_dict(r, br))
        raise _NotFound

    def _create_label(self, r: _Repo, data: Any) -> _Response:
        name = data.get("name") if isinstance(data, dict) else None
        if not name:
            return self._invalid("Label", "missing_field", "name")
        if name.lower() in r.labels:
            return self._invalid("Label", "already_exists", "name")
        color = str(data.get("color") or "ededed").lstrip("#")
        if not re.fullmatch(r"[0-9a-fA-F]{6}", color):
            return self._invalid("Label", "invalid", "color")
        label = _Label(self._next_id("label"), name, color, data.get("description"))
        r.labels[name.lower()] = label
        d = self._label_dict(r, label)
        return self._json(201, d, headers={"Location": d["url"]})

    def _label_item(self, rec: RequestRecord, r: _Repo, name: str) -> _Response:
        label = r.labels.get(name.lower())
        if label is None:
            raise _NotFound
        if rec.method in ("GET", "HEAD"):
            return self._json(200, self._label_dict(r, label))
        if rec.method == "DELETE":
            del r.labels[name.lower()]
            for it in r.issues.values():
                if label in it.labels:
                    it.labels.remove(label)
                    it.cache = it.pull_cache = None
            self._changed(r)
            return _Response(204)
        if rec.method != "PATCH":
            raise _NotFound
        data = self._body(rec)
        if not isinstance(data, dict):
            return self._error(400, "Problems parsing JSON")
        new_name = data.get("new_name") or data.get("name") or label.name
        if new_name.lower() != name.lower() and new_name.lower() in r.labels:
            return self._invalid("Label", "already_exists", "name")
        if "color" in data:
            color = str(data["color"]).lstrip("#")
            if not re.fullmatch(r"[0-9a-fA-F]{6}", color):
                return self._invalid("Label", "invalid", "color")
            label.color = color
        if "description" in data:
            label.description = data["description"]
        if new_name != label.name:
            r.labels = {
                (new_name.lower() if k == name.lower() else k): v for k, v in r.labels.items()
            }
            label.name = new_name
        label.cache = None
        for it in r.issues.values():
            if label in it.labels:
                it.cache = it.pull_cache = None
        self._changed(r)
        return self._json(200, self._label_dict(r, label))

    def _since(self, rec: RequestRecord) -> int | None:
        value = rec.query.get("since")
        return _to_epoch(value) if value else None

    def _cached_list(
        self, r: _Repo, key: tuple[Any, ...], build: Callable[[], list[_T]]
    ) -> list[_T]:
        """Filtered+sorted lists are cached until the next write, so paging is O(page)."""
        got = r.list_cache.get(key)
        if got is None:
            if len(r.list_cache) > 64:
                r.list_cache.clear()
            got = r.list_cache[key] = build()
        return got

    def _list_issues(self, rec: RequestRecord, r: _Repo) -> _Response:
        q = rec.query
        state = q.get("state", "open")
        sort = q.get("sort", "created")
        direction = q.get("direction", "desc")
        try:
            since = self._since(rec)
        except ValueError:
            return self._invalid("Issue", "invalid", "since")
        wanted = tuple(
            sorted(x.strip().lower() for x in q.get("labels", "").split(",") if x.strip())
        )
        creator, assignee = q.get("creator"), q.get("assignee")

        def build() -> list[_Issue]:
            items = list(r.issues.values())
            if state != "all":
                items = [i for i in items if i.state == state]
            if since is not None:
                items = [i for i in items if i.updated_at >= since]
            if wanted:
                items = [i for i in items if set(wanted) <= {lb.name.lower() for lb in i.labels}]
            if creator:  # logins are case-insensitive
                items = [i for i in items if i.user.lower() == creator.lower()]
            if assignee == "none":
                items = [i for i in items if not i.assignees]
            elif assignee == "*":
                items = [i for i in items if i.assignees]
            elif assignee:
                items = [i for i in items if assignee in i.assignees]
            return self._sorted(items, sort, direction == "desc")

        key = ("issues", state, sort, direction, since, wanted, creator, assignee)
        items = self._cached_list(r, key, build)
        return self._page(rec, items, lambda i: self._issue_json(r, i), lambda i: i.updated_at)

    @staticmethod
    def _sorted(items: list[_Issue], sort: str, desc: bool) -> list[_Issue]:
        if sort == "updated":
            items.sort(key=lambda i: (i.updated_at, i.number), reverse=desc)
        elif sort == "comments":
            items.sort(key=lambda i: (len(i.comment_ids), i.number), reverse=desc)
        else:
            items.sort(key=lambda i: (i.created_at, i.number), reverse=desc)
        return items

    def _list_pulls(self, rec: RequestRecord, r: _Repo) -> _Response:
        q = rec.query
        state, sort = q.get("state", "open"), q.get("sort", "created")
        direction = q.get("direction", "desc" if sort == "created" else "asc")
        base, head = q.get("base"), q.get("head")

        def build() -> list[_Issue]:
            items = [
                i
                for i in r.issues.values()
                if i.pull is not None and (state == "all" or i.state == state)
            ]
            if base:
                items = [i for i in items if i.pull and i.pull.base == base]
            if head:
                ref = head.partition(":")[2] or head
                items = [i for i in items if i.pull and i.pull.head == ref]
            return self._sorted(items, sort, direction == "desc")

        items = self._cached_list(r, ("pulls", state, sort, direction, base, head), build)
        return self._page(rec, items, lambda i: self._pull_json(r, i), lambda i: i.updated_at)

    def _create_issue(self, rec: RequestRecord, r: _Repo) -> _Response:
        data = self._body(rec)
        if not isinstance(data, dict) or not data.get("title"):
            return self._invalid("Issue", "missing_field", "title")
        assert rec.user is not None
        it = self._new_issue(
            r,
            str(data["title"]),
            data.get("body"),
            self._label_names(data.get("labels") or []),
            "open",
            rec.user,
        )
        it.assignees = list(data.get("assignees") or [])
        d = json.loads(self._issue_json(r, it))
        return self._json(201, d, headers={"Location": d["url"]})

    @staticmethod
    def _label_names(value: Any) -> list[str]:
        if isinstance(value, dict):
            value = value.get("labels") or []
        if not isinstance(value, list):
            return []
        return [v["name"] if isinstance(v, dict) else str(v) for v in value]

    def _gone(self, r: _Repo, number: int) -> _Response:
        status, repo_id, new_number = r.gone[number]
        if status == 301:
            loc = f"{self.base_url}/repositories/{repo_id}/issues/{new_number}"
            return self._json(
                301,
                {"message": "Moved Permanently", "url": loc, "documentation_url": DOC_URL},
                headers={"Location": loc},
            )
        if status == 410:
            return self._error(410, "This issue was deleted")
        raise _NotFound
