"""Changes users make on github.com, reads for assertions, and bulk data."""

from __future__ import annotations

import json
import random
from typing import TYPE_CHECKING, Any

from tests.fakegithub.base import (
    DSLP_LABELS,
    _to_epoch,
)
from tests.fakegithub.data import (
    _BODIES,
    _COMMENTS,
    _TITLES,
)
from tests.fakegithub.state import (
    _Branch,
    _Issue,
)

if TYPE_CHECKING:
    pass


class _Changes:
    """Changes users make on github.com, reads for assertions, and bulk data."""

    def add_branch(self, repo: str, name: str, sha: str, protected: bool = False) -> None:
        with self._lock:
            r = self._repo(repo)
            r.branches[name] = _Branch(name, sha, protected)

    def update_issue(self, repo: str, number: int, **fields: Any) -> dict[str, Any]:
        """Change an issue or PR as if someone edited it on github.com; bumps updated_at.

        Fields: title, body, state, state_reason, labels (names), assignees, user, locked,
        closed_at, updated_at (explicit stamp), and for PRs merged, draft, head, base, head_sha.
        """
        with self._lock:
            r = self._repo(repo)
            it = self._issue(r, number)
            explicit_updated = fields.pop("updated_at", None)
            t = self._stamp()
            for key, value in fields.items():
                if key == "labels":
                    it.labels = [lb for n in value if (lb := self._get_label(r, n, create=True))]
                elif key == "state":
                    self._set_state(it, value, t, fields.get("state_reason"))
                    if it.state == "closed" and it.closed_by is None:
                        it.closed_by = it.user
                elif key in ("title", "body", "user", "locked", "state_reason"):
                    setattr(it, key, value)
                elif key == "assignees":
                    it.assignees = list(value)
                elif key == "closed_at":
                    it.closed_at = None if value is None else _to_epoch(value)
                elif it.pull is not None and key == "merged":
                    if value and it.pull.merged_at is None:
                        self._set_state(it, "closed", t, None)
                        it.pull.merged_at = it.closed_at
                        it.pull.merged_by = it.user
                    elif not value:
                        it.pull.merged_at = it.pull.merged_by = None
                elif it.pull is not None and key in ("draft", "head", "base", "head_sha"):
                    setattr(it.pull, key, value)
                else:
                    raise TypeError(f"update_issue() got an unknown field {key!r}")
            it.updated_at = t if explicit_updated is None else _to_epoch(explicit_updated)
            self._changed(r, it)
            return json.loads(self._issue_json(r, it))

    def _set_state(self, it: _Issue, state: str, t: int, reason: str | None) -> None:
        if state not in ("open", "closed"):
            raise ValueError(f"bad state {state!r}")
        if state == it.state:
            if reason is not None:
                it.state_reason = reason
            return
        it.state = state
        if state == "closed":
            it.closed_at = t
            it.state_reason = None if it.pull else (reason or "completed")
        else:
            it.closed_at = None
            it.closed_by = None
            it.state_reason = None if it.pull else (reason or "reopened")

    def delete_issue(self, repo: str, number: int, status: int = 410) -> None:
        """Make the issue vanish: lists drop it and its GET answers 404 or 410 (Gone)."""
        if status not in (404, 410):
            raise ValueError("status must be 404 or 410")
        with self._lock:
            r = self._repo(repo)
            it = r.issues.pop(number)
            for cid in it.comment_ids:
                r.comments.pop(cid, None)
            r.gone[number] = (status, 0, 0)
            self._changed(r)

    def transfer_issue(self, repo: str, number: int, to_repo: str | None = None) -> dict[str, Any]:
        """Move an issue to another repo (created if needed); the old URL answers 301.

        Returns the issue's JSON in its new home.
        """
        with self._lock:
            r = self._repo(repo)
            target_name = to_repo or f"{r.owner}/{r.name}-transferred"
            if target_name.lower() not in self._repos:
                self.add_repo(target_name)
            dst = self._repo(target_name)
            it = r.issues.pop(number)
            it.number = dst.next_number
            dst.next_number += 1
            it.labels = [
                lb for lb in (self._get_label(dst, x.name, create=True) for x in it.labels) if lb
            ]
            it.updated_at = self._stamp()
            for cid in it.comment_ids:
                c = r.comments.pop(cid)
                c.number, c.cache = it.number, None
                dst.comments[cid] = c
            dst.issues[it.number] = it
            r.gone[number] = (301, dst.id, it.number)
            self._changed(r)
            self._changed(dst, it)
            return json.loads(self._issue_json(dst, it))

    def issue(self, repo: str, number: int) -> dict[str, Any]:
        """Current API JSON of an issue or PR (as the issues endpoint shows it)."""
        with self._lock:
            r = self._repo(repo)
            return json.loads(self._issue_json(r, self._issue(r, number)))

    def issues(self, repo: str) -> list[dict[str, Any]]:
        """Every issue and PR of a repo, by number, as the issues endpoint shows them."""
        with self._lock:
            r = self._repo(repo)
            return [json.loads(self._issue_json(r, r.issues[n])) for n in sorted(r.issues)]

    def pull(self, repo: str, number: int) -> dict[str, Any]:
        with self._lock:
            r = self._repo(repo)
            return self._pull_full(r, self._issue(r, number))

    def labels(self, repo: str) -> list[dict[str, Any]]:
        with self._lock:
            r = self._repo(repo)
            return [dict(self._label_dict(r, lb)) for lb in r.labels.values()]

    def comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        with self._lock:
            r = self._repo(repo)
            it = self._issue(r, number)
            return [json.loads(self._comment_json(r, r.comments[c])) for c in it.comment_ids]

    def count_comments(self, repo: str, number: int, contains: str | None = None) -> int:
        """Comments on an issue whose body contains ``contains``: for exactly-once assertions."""
        with self._lock:
            r = self._repo(repo)
            it = self._issue(r, number)
            bodies = (r.comments[c].body for c in it.comment_ids)
            return sum(1 for b in bodies if contains is None or contains in b)

    def bulk_generate(
        self,
        repo: str,
        n: int,
        seed: int = 0,
        *,
        pr_ratio: float = 0.3,
        comment_ratio: float = 0.1,
        closed_ratio: float = 0.35,
    ) -> list[int]:
        """Add ``n`` realistic DSLP issues and PRs fast (10k in ~0.1 s); returns their numbers.

        Creates the repo and the DSLP labels if missing. Deterministic for a given seed.
        """
        rng = random.Random(seed)
        kinds = list(DSLP_LABELS)
        slugs = [
            "xgb",
            "baseline",
            "lstm",
            "features",
            "eda",
            "cleanup",
            "ingest",
            "tuning",
            "cv",
            "drift",
            "sql-extract",
            "shap",
        ]
        people = ["alice", "bob", "carol", "dave", "erin"]
        numbers: list[int] = []
        with self._lock:
            if repo.lower() not in self._repos:
                self.add_repo(repo)
            r = self._repo(repo)
            for name, (color, desc) in DSLP_LABELS.items():
                if name.lower() not in r.labels:
                    self.add_label(repo, name, color, desc)
            extra = self._get_label(r, "blocked", create=True)
            issue_numbers: list[int] = []
            for _ in range(n):
                kind = rng.choice(kinds)
                slug = rng.choice(slugs)
                user = rng.choice(people)
                state = "closed" if rng.random() < closed_ratio else "open"
                body = (
                    None
                    if rng.random() < 0.2
                    else _BODIES[rng.randrange(len(_BODIES))].format(
                        kind=kind, slug=slug, ref=rng.randint(1, max(1, r.next_number - 1))
                    )
                )
                labels = [kind] if rng.random() < 0.95 else []
                if issue_numbers and rng.random() < pr_ratio:
                    ref = rng.choice(issue_numbers)
                    head = f"{kind.lower()}/{ref}-{slug}"
                    merged = state == "closed" and rng.random() < 0.7
                    draft = state == "open" and rng.random() < 0.1
                    it = self._new_pull(
                        r,
                        f"{kind}: {slug} for #{ref}",
                        head,
                        r.default_branch,
                        body,
                        labels,
                        state,
                        merged,
                        draft,
                        user,
                    )
                    if state == "open":
                        r.branches[head] = _Branch(head, it.pull.head_sha if it.pull else "")
                else:
                    it = self._new_issue(
                        r,
                        f"{kind}: {_TITLES[rng.randrange(len(_TITLES))]} ({slug})",
                        body,
                        labels,
                        state,
                        user,
                    )
                    issue_numbers.append(it.number)
                if extra is not None and rng.random() < 0.03:
                    it.labels.append(extra)
                if rng.random() < comment_ratio:
                    for _ in range(rng.randint(1, 3)):
                        self._new_comment(r, it, rng.choice(_COMMENTS), rng.choice(people))
                numbers.append(it.number)
            # Touch a few old items so "sort=updated" differs from "sort=created".
            for num in rng.sample(numbers, k=len(numbers) // 10):
                it = r.issues[num]
                it.updated_at = self._stamp()
                it.cache = it.pull_cache = None
            self._changed(r)
        return numbers

    # ----------------------------------------------------------------- request handling
