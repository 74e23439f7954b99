"""One sync run over the tracked repositories: push the outbox, pull GitHub, scan local clones.

A run holds an exclusive lock file beside the mirror, so a cron sync and a sync started from the
app never interleave; the second one says so at once instead of waiting on SQLite locks.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import select
from sqlmodel import col

from store.db import Store
from store.mirror import replace_branches
from store.models import Issue, Repository, utcnow
from store.repos import get_repo, list_repos
from sync.auth import BadApiUrl, find_token, redact
from sync.auth import api_url as resolve_api_url
from sync.events import EventSink, Progress, RepoDone, SyncReport, Waiting
from sync.github_api import Cancelled, Client, GitHubError
from sync.gitscan import CloneError, scan_clone
from sync.pull import RepoPuller


class SyncBusy(Exception):
    """Another sync holds this mirror's lock."""


class NoToken(Exception):
    """No GitHub token was found; the message says where to put one."""


NO_TOKEN = "no GitHub token: set GITHUB_TOKEN (or GH_TOKEN), or log in with `gh auth login`"


@contextlib.contextmanager
def sync_lock(store: Store) -> Iterator[None]:
    path = store.path
    if path is None:
        # Two syncs on a server database could each send the same pending change: the lock
        # below is a file beside a SQLite mirror, and nothing stands in for it there yet.
        raise SyncBusy(
            "dslp sync needs a SQLite mirror (--db FILE): on a server database two syncs "
            "could send the same change twice"
        )

    import fcntl

    lock_path = path.with_name(path.name + ".sync.lock")
    fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise SyncBusy(
                f"another dslp sync is running on this mirror (pid {holder}): "
                "wait for it to finish, then run it again"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


def sync_repos(
    store: Store,
    repos: list[str] | None = None,
    *,
    token: str | None = None,
    api_url: str | None = None,
    full: bool = False,
    max_wait: float = 900.0,
    on_event: EventSink | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], object] = time.sleep,
) -> SyncReport:
    """Sync the named repos (all tracked ones by default); one failure does not stop the rest."""
    emit: EventSink = on_event or (lambda _e: None)
    token = token or find_token()
    if not token:
        raise NoToken(NO_TOKEN)
    started = time.monotonic()
    report = SyncReport()
    with store.session() as s:
        targets = [get_repo(s, name) for name in repos] if repos else list_repos(s)
    with sync_lock(store):
        try:
            for repo in targets:
                if cancelled():
                    break
                done = _sync_one(
                    store, repo, token, api_url, full, max_wait, emit, cancelled, sleep
                )
                report.repos.append(done)
                emit(done)
        finally:
            store.checkpoint()
    report.seconds = time.monotonic() - started
    return report


def _sync_one(
    store: Store,
    repo: Repository,
    token: str,
    api_url: str | None,
    full: bool,
    max_wait: float,
    emit: EventSink,
    cancelled: Callable[[], bool],
    sleep: Callable[[float], object],
) -> RepoDone:
    name = repo.full_name
    try:
        url = resolve_api_url(api_url, repo.api_url)
    except BadApiUrl as exc:  # a bad stored address fails its repo, not the whole run
        return RepoDone(name, ok=False, error=f"{exc} (`dslp repo add {name} --api-url URL`)")
    client = Client(
        url,
        token,
        max_wait=max_wait,
        sleep=sleep,
        cancelled=cancelled,
        on_wait=lambda seconds, reason: emit(Waiting(name, seconds, reason)),
    )
    pushed = conflicts = 0
    try:
        from sync.push import push_outbox

        puller = RepoPuller(client, store, repo, on_event=emit, cancelled=cancelled, full=full)
        puller.pull_repo()  # a cheap conditional read first: is GitHub there, is the repo?
        pushed, conflicts = push_outbox(client, store, repo, on_event=emit, cancelled=cancelled)
        stats = puller.pull_rest()
        if repo.local_path:
            _scan_clone(store, repo, emit)
        with store.session(write=True) as s:
            row = s.get(Repository, repo.id)
            assert row is not None
            row.last_synced_at = utcnow()
        return RepoDone(
            name,
            ok=True,
            new=stats.new,
            updated=stats.updated,
            requests=client.counters.requests,
            not_modified=client.counters.not_modified,
            pushed=pushed,
            conflicts=conflicts,
        )
    except Cancelled:
        return RepoDone(
            name,
            ok=False,
            error="cancelled: run the sync again to resume",
            requests=client.counters.requests,
        )
    except (GitHubError, CloneError) as exc:
        return RepoDone(
            name,
            ok=False,
            error=redact(str(exc), token),
            requests=client.counters.requests,
            not_modified=client.counters.not_modified,
            pushed=pushed,
        )
    finally:
        client.close()


def _scan_clone(store: Store, repo: Repository, emit: EventSink) -> None:
    assert repo.id is not None and repo.local_path
    with store.session() as s:
        numbers = set(
            s.execute(select(col(Issue.number)).where(col(Issue.repo_id) == repo.id)).scalars()
        )
    if not Path(repo.local_path).expanduser().exists():
        raise CloneError(
            f"local clone {repo.local_path} is gone: fix it with "
            f"`dslp repo add {repo.full_name} --path NEW_PATH`"
        )
    branches = scan_clone(repo.local_path, repo.default_branch, numbers)
    with store.session(write=True) as s:
        replace_branches(s, repo.id, "local", branches)
    emit(Progress(repo.full_name, "clone", len(branches), len(branches)))
