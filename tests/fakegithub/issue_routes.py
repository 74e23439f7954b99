"""Routing: one issue's endpoints and the comments API."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from tests.fakegithub.base import (
    _dumps,
)
from tests.fakegithub.faults import (
    RequestRecord,
)
from tests.fakegithub.state import (
    _Comment,
    _Issue,
    _NotFound,
    _Repo,
    _Response,
)

if TYPE_CHECKING:
    pass


class _IssueRoutes:
    """Routing: one issue's endpoints and the comments API."""

    def _issue_route(self, rec: RequestRecord, r: _Repo, number: int, rest: list[str]) -> _Response:
        it = r.issues.get(number)
        if it is None:
            if number in r.gone:
                return self._gone(r, number)
            raise _NotFound
        m, get = rec.method, rec.method in ("GET", "HEAD")
        assert rec.user is not None
        if not rest:
            if get:
                return self._json(200, json.loads(self._issue_json(r, it)), it.updated_at)
            if m == "PATCH":
                return self._patch_issue(rec, r, it)
        elif rest[0] == "labels":
            if len(rest) == 1 and get:
                return self._page(rec, it.labels, lambda lb: _dumps(self._label_dict(r, lb)))
            if len(rest) == 1 and m in ("POST", "PUT"):
                names = self._label_names(self._body(rec))
                new = [] if m == "PUT" else list(it.labels)
                for name in names:
                    lb = self._get_label(r, name, create=True)
                    if lb is not None and lb not in new:
                        new.append(lb)
                it.labels = new
                it.updated_at = self._stamp()
                self._changed(r, it)
                return self._json(200, [self._label_dict(r, lb) for lb in it.labels])
            if m == "DELETE":
                if len(rest) == 1:
                    it.labels = []
                else:
                    lb = r.labels.get("/".join(rest[1:]).lower())
                    if lb is None or lb not in it.labels:
                        return self._error(404, "Label does not exist")
                    it.labels.remove(lb)
                it.updated_at = self._stamp()
                self._changed(r, it)
                if len(rest) == 1:
                    return _Response(204)
                return self._json(200, [self._label_dict(r, lb) for lb in it.labels])
        elif rest == ["comments"]:
            if get:
                try:
                    since = self._since(rec)
                except ValueError:
                    return self._invalid("IssueComment", "invalid", "since")
                items = [r.comments[c] for c in it.comment_ids]
                if since is not None:
                    items = [c for c in items if c.updated_at >= since]
                return self._page(
                    rec, items, lambda c: self._comment_json(r, c), lambda c: c.updated_at
                )
            if m == "POST":
                data = self._body(rec)
                if not isinstance(data, dict) or not isinstance(data.get("body"), str):
                    return self._invalid("IssueComment", "missing_field", "body")
                c = self._new_comment(r, it, data["body"], rec.user)
                d = json.loads(self._comment_json(r, c))
                return self._json(201, d, headers={"Location": d["url"]})
        raise _NotFound

    def _patch_issue(self, rec: RequestRecord, r: _Repo, it: _Issue) -> _Response:
        data = self._body(rec)
        if not isinstance(data, dict):
            return self._error(400, "Problems parsing JSON")
        if "state" in data and data["state"] not in ("open", "closed"):
            return self._invalid("Issue", "invalid", "state")
        if "title" in data and not data["title"]:
            return self._invalid("Issue", "missing_field", "title")
        t = self._stamp()
        if "title" in data:
            it.title = str(data["title"])
        if "body" in data:
            it.body = data["body"]
        if "labels" in data:
            it.labels = [
                lb
                for n in self._label_names(data["labels"])
                if (lb := self._get_label(r, n, create=True))
            ]
        if "assignees" in data:
            it.assignees = list(data["assignees"] or [])
        if "state" in data:
            self._set_state(it, data["state"], t, data.get("state_reason"))
            if it.state == "closed" and it.closed_by is None:
                it.closed_by = rec.user
        elif data.get("state_reason"):
            it.state_reason = data["state_reason"]
        it.updated_at = t
        self._changed(r, it)
        return self._json(200, json.loads(self._issue_json(r, it)))

    def _comments_route(self, rec: RequestRecord, r: _Repo, rest: list[str]) -> _Response:
        m, get = rec.method, rec.method in ("GET", "HEAD")
        if not rest and get:
            q = rec.query
            try:
                since = self._since(rec)
            except ValueError:
                return self._invalid("IssueComment", "invalid", "since")
            sort, direction = q.get("sort", "created"), q.get("direction", "asc")

            def build() -> list[_Comment]:
                items = list(r.comments.values())
                if since is not None:
                    items = [c for c in items if c.updated_at >= since]
                if sort == "updated":
                    items.sort(key=lambda c: (c.updated_at, c.id))
                else:
                    items.sort(key=lambda c: (c.created_at, c.id))
                if direction == "desc":
                    items.reverse()
                return items

            items = self._cached_list(r, ("comments", since, sort, direction), build)
            return self._page(
                rec, items, lambda c: self._comment_json(r, c), lambda c: c.updated_at
            )
        if len(rest) == 1 and rest[0].isdigit():
            c = r.comments.get(int(rest[0]))
            if c is None:
                raise _NotFound
            if get:
                return self._json(200, json.loads(self._comment_json(r, c)), c.updated_at)
            it = r.issues[c.number]
            if m == "PATCH":
                data = self._body(rec)
                if not isinstance(data, dict) or not isinstance(data.get("body"), str):
                    return self._invalid("IssueComment", "missing_field", "body")
                c.body, c.updated_at, c.cache = data["body"], self._stamp(), None
                self._changed(r, it)
                return self._json(200, json.loads(self._comment_json(r, c)))
            if m == "DELETE":
                del r.comments[c.id]
                it.comment_ids.remove(c.id)
                self._changed(r, it)
                return _Response(204)
        raise _NotFound
