"""Pull one repository from GitHub into the store: few requests, resumable, idempotent.

How each list is read (the design an unchanged re-sync needs to be all 304s):
- *head check*: the first page of the list sorted newest-first, with no `since`, sent with the
  ETag stored at the end of the last complete pull. 304 means nothing changed: done.
- *issues and comments* are then read oldest-first with `since=<cursor>`, moving `since` to the
  newest stamp of each page (keyset pagination: an item updated during the walk moves to the end
  rather than shifting unseen items onto a page already read). Each page is written in one
  transaction together with the checkpoint, so a killed sync resumes from the last page written.
- *pull requests* have no `since`: read newest-first and stop at the cursor.
- the ETag of the head check and the final cursor are stored only when the list is complete.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlmodel import col

from store.comments import upsert_comments
from store.db import Store
from store.drafts import adopt_created
from store.mirror import (
    apply_pull,
    apply_repo_json,
    get_cursor,
    parse_ts,
    prune_labels,
    replace_branches,
    set_cursor,
    upsert_issues,
    upsert_labels,
)
from store.models import Issue, Repository
from sync.events import EventSink, Progress
from sync.github_api import Cancelled, Client, NotFound

PAGE = 100


@dataclass
class PullStats:
    new: int = 0
    updated: int = 0


class RepoPuller:
    def __init__(
        self,
        client: Client,
        store: Store,
        repo: Repository,
        *,
        on_event: EventSink,
        cancelled: Callable[[], bool] = lambda: False,
        full: bool = False,
    ) -> None:
        assert repo.id is not None
        self.client = client
        self.store = store
        self.repo_id = repo.id
        self.full_name = repo.full_name
        self.on_event = on_event
        self.cancelled = cancelled
        self.full = full
        self.stats = PullStats()
        self.seen: set[int] = set()  # issue numbers the list returned (used by --full)
        self.repo_changed = True  # False once the repository's own read was a 304 (no push)
        self.base = f"/repos/{repo.full_name}"

    def _check(self) -> None:
        if self.cancelled():
            raise Cancelled()

    def _progress(self, resource: str, done: int, total: int | None = None) -> None:
        self.on_event(Progress(self.full_name, resource, done, total))

    def _cursor(self, resource: str) -> tuple[str | None, str | None]:
        if self.full:
            return None, None
        with self.store.session() as s:
            cur = get_cursor(s, self.repo_id, resource)
            return (cur.etag, cur.since) if cur else (None, None)

    # -- resources -----------------------------------------------------------------------------

    def pull_all(self) -> PullStats:
        self.pull_repo()
        return self.pull_rest()

    def pull_rest(self) -> PullStats:
        """Everything but the repository's own metadata (read first, before the push)."""
        from sync.signoffs import check_withdrawn, pull_approvers, pull_viewer
        from sync.templates import pull_templates

        pull_viewer(self)
        pull_approvers(self)
        pull_templates(self)
        self.pull_labels()
        self.pull_issues()
        self.pull_pulls()
        self.pull_comments()
        check_withdrawn(self)
        self.pull_branches()
        if self.full:
            self.reconcile_gone()
        return self.stats

    def pull_repo(self) -> None:
        self._check()
        etag, _ = self._cursor("repo")
        resp = self.client.get(self.base, etag=etag)
        self.repo_changed = resp.status != 304
        if resp.status != 304:
            with self.store.session(write=True) as s:
                repo = s.get(Repository, self.repo_id)
                assert repo is not None
                apply_repo_json(repo, resp.data)
                set_cursor(s, self.repo_id, "repo", etag=resp.etag, since=None)
        self._progress("repo", 1, 1)

    def _walk_all(self, resource: str, path: str, write: Callable[[Any, list[Any]], None]) -> None:
        """A list read whole (labels, branches), guarded by one stored ETag per page.

        A 304 carries no Link header, so the pages are addressed by number; the list is
        unchanged when every page answers 304 and no page was added after a full last page.
        """
        self._check()
        etag, since = self._cursor(resource)
        etags = etag.split("\n") if etag else []
        if etags and since and since.isdigit() and self._unchanged(path, etags, int(since)):
            self._progress(resource, int(since), int(since))
            return
        items: list[Any] = []
        new_etags: list[str] = []
        url: str | None = path
        params: dict[str, Any] | None = {"per_page": PAGE}
        while url:
            self._check()
            resp = self.client.get(url, params)
            items.extend(resp.data or [])
            new_etags.append(resp.etag or "")
            url, params = resp.link("next"), None
            self._progress(resource, len(items))
        with self.store.session(write=True, refetchable=True) as s:
            write(s, items)
            stored = "\n".join(new_etags) if all(new_etags) else None
            set_cursor(s, self.repo_id, resource, etag=stored, since=str(len(items)))
        self._progress(resource, len(items), len(items))

    def _unchanged(self, path: str, etags: list[str], count: int) -> bool:
        for page, page_etag in enumerate(etags, start=1):
            self._check()
            params: dict[str, Any] = {"per_page": PAGE}
            if page > 1:
                params["page"] = page
            if self.client.get(path, params, etag=page_etag).status != 304:
                return False
        if count and count % PAGE == 0:  # a full last page: did a new page appear after it?
            extra = self.client.get(path, {"per_page": PAGE, "page": len(etags) + 1})
            return not extra.data
        return True

    def pull_labels(self) -> None:
        def write(s: Any, items: list[Any]) -> None:
            gone = prune_labels(s, self.repo_id, {lab["name"] for lab in items if lab.get("name")})
            upsert_labels(s, self.repo_id, items)
            if gone:
                # A renamed or deleted label changes its issues without touching their
                # updated_at, so no `since` walk returns them: read the issues whole, once.
                set_cursor(s, self.repo_id, "issues", etag=None, since=None)
                set_cursor(s, self.repo_id, "issues:walk", etag=None, since=None)

        self._walk_all("labels", f"{self.base}/labels", write)

    def pull_branches(self) -> None:
        def write(s: Any, items: list[Any]) -> None:
            replace_branches(
                s,
                self.repo_id,
                "remote",
                [
                    {"name": b["name"], "last_commit_sha": (b.get("commit") or {}).get("sha")}
                    for b in items
                ],
            )

        self._walk_all("branches", f"{self.base}/branches", write)

    def _keyset(
        self,
        resource: str,
        path: str,
        write: Callable[[Any, list[dict[str, Any]]], None],
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Head check, then oldest-first pages with a moving `since`, checkpointed per page."""
        self._check()
        etag, since = self._cursor(resource)
        head_params = {"sort": "updated", "direction": "desc", "per_page": PAGE, **(extra or {})}
        # An empty list's cursor is "" (nothing seen yet), and its ETag is as good as any.
        head = self.client.get(path, head_params, etag=etag if since is not None else None)
        if head.status == 304:
            self._progress(resource, 0, 0)
            return
        head_etag = head.etag
        head_items = head.data or []
        if not head.link("next") and not since:
            # Everything fits on one page: write it, no second request needed.
            with self.store.session(write=True, refetchable=True) as s:
                write(s, head_items)
                newest = max((i.get("updated_at") or "" for i in head_items), default=None)
                set_cursor(s, self.repo_id, resource, etag=head_etag, since=newest or "")
            self._progress(resource, len(head_items), len(head_items))
            return
        checkpoint = None if self.full else (self._checkpoint(resource) or since)
        done = 0
        url: str | None = path
        # Every restart of the walk carries the whole query: GitHub's defaults (open issues only,
        # by creation date, 30 a page) would silently take the place of a missing parameter.
        base = {"sort": "updated", "direction": "asc", "per_page": PAGE, **(extra or {})}
        params: dict[str, Any] | None = dict(base)
        if checkpoint:
            assert params is not None
            params["since"] = checkpoint
        newest = checkpoint
        # First refresh after 1,000 items (a smaller table scans as fast as its index), then each
        # time the walk doubles.
        analyzed = 500
        while url:
            self._check()
            resp = self.client.get(url, params)
            items = resp.data or []
            page_newest = max((i.get("updated_at") or "" for i in items), default=newest)
            with self.store.session(write=True, refetchable=True) as s:
                write(s, items)
                set_cursor(s, self.repo_id, f"{resource}:walk", etag=None, since=page_newest)
            done += len(items)
            if done >= analyzed * 2:  # the tables doubled: the planner's counts are stale
                self.store.refresh_stats()
                analyzed = done
            self._progress(resource, done)
            if not resp.link("next"):
                url = None
            elif page_newest and page_newest != newest:
                url, params = path, {**base, "since": page_newest}
            else:
                # A whole page shares one stamp: only the offset can move past it.
                url, params = resp.link("next"), None
            newest = page_newest
        with self.store.session(write=True) as s:
            set_cursor(s, self.repo_id, resource, etag=head_etag, since=newest or since or "")
            set_cursor(s, self.repo_id, f"{resource}:walk", etag=None, since=None)
        self._progress(resource, done, done)

    def _checkpoint(self, resource: str) -> str | None:
        with self.store.session() as s:
            cur = get_cursor(s, self.repo_id, f"{resource}:walk")
            return cur.since if cur and cur.since else None

    def pull_issues(self) -> None:
        def write(s: Any, items: list[dict[str, Any]]) -> None:
            numbers = [i["number"] for i in items]
            known = dict(
                s.execute(
                    select(col(Issue.number), col(Issue.updated_at)).where(
                        col(Issue.repo_id) == self.repo_id,
                        col(Issue.number).in_(numbers),
                    )
                ).all()
            )
            upsert_issues(s, self.repo_id, items)
            adopt_created(s, self.repo_id, [(i["number"], i.get("body")) for i in items])
            self.seen.update(numbers)
            for item in items:
                if item["number"] not in known:
                    self.stats.new += 1
                elif known[item["number"]] != parse_ts(item.get("updated_at")):
                    self.stats.updated += 1

        self._keyset("issues", f"{self.base}/issues", write, {"state": "all"})

    def pull_comments(self) -> None:
        self._keyset(
            "comments",
            f"{self.base}/issues/comments",
            lambda s, items: upsert_comments(s, self.repo_id, items),
        )

    def pull_pulls(self) -> None:
        """Newest-first, stopping at the cursor: `/pulls` has no `since`."""
        self._check()
        etag, since = self._cursor("pulls")
        params = {"state": "all", "sort": "updated", "direction": "desc", "per_page": PAGE}
        resp = self.client.get(
            f"{self.base}/pulls", params, etag=etag if since is not None else None
        )
        if resp.status == 304:
            self._progress("pulls", 0, 0)
            return
        head_etag = resp.etag
        newest: str | None = None
        done = 0
        while True:
            items = resp.data or []
            if items and newest is None:
                newest = items[0].get("updated_at")
            fresh = [p for p in items if not since or (p.get("updated_at") or "") >= since]
            with self.store.session(write=True) as s:
                apply_pull(s, self.repo_id, fresh)
            done += len(fresh)
            self._progress("pulls", done)
            next_url = resp.link("next")
            if not next_url or len(fresh) < len(items):
                break
            self._check()
            resp = self.client.get(next_url)
        with self.store.session(write=True) as s:
            set_cursor(s, self.repo_id, "pulls", etag=head_etag, since=newest or since or "")
        self._progress("pulls", done, done)

    def reconcile_gone(self) -> None:
        """After a full read: ask GitHub about each mirrored issue the list did not return."""
        with self.store.session() as s:
            mirrored = set(
                s.execute(
                    select(col(Issue.number)).where(
                        col(Issue.repo_id) == self.repo_id,
                        col(Issue.gone).is_(None),
                    )
                ).scalars()
            )
        for number in sorted(mirrored - self.seen):
            self._check()
            try:
                resp = self.client.get(f"{self.base}/issues/{number}")
            except NotFound:
                self._mark_gone(number, "deleted")
                continue
            # GitHub answers a transferred issue with a 301 to its new home, which PyGithub
            # follows: the issue that comes back belongs to another repository.
            home = (resp.data or {}).get("repository_url", "")
            if home and not home.endswith(f"/repos/{self.full_name}"):
                self._mark_gone(number, "transferred")

    def _mark_gone(self, number: int, why: str) -> None:
        with self.store.session(write=True) as s:
            s.execute(
                update(Issue)
                .where(col(Issue.repo_id) == self.repo_id, col(Issue.number) == number)
                .values(gone=why)
            )
