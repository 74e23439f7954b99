"""One sync run over the tracked repositories: push the outbox, pull GitHub, scan local clones.

A run holds an exclusive lock file beside the mirror, so a cron sync and a sync started from the
app never interleave; the second one says so at once instead of waiting on SQLite locks.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlmodel import col

from store.db import Store
from store.errors import LockBusy
from store.mirror import replace_branches
from store.models import Issue, Repository, utcnow
from store.repos import get_repo, list_repos
from sync.auth import (
    DEFAULT_API_URL,
    BadApiUrl,
    Secret,
    as_secret,
    no_token_message,
    redact,
    token_for,
    token_host,
)
from sync.auth import api_url as resolve_api_url
from sync.events import EventSink, Progress, RepoDone, SyncReport, Waiting
from sync.github_api import Cancelled, Client, GitHubError
from sync.gitscan import CloneError, scan_clone
from sync.pull import RepoPuller


class SyncBusy(Exception):
    """Another sync holds this mirror's lock."""


class NoToken(Exception):
    """No repo of the run has a token for its host; the message says where to put one."""


NO_TOKEN = no_token_message(DEFAULT_API_URL)


@dataclass
class _Target:
    """A repo of the run with its API URL and the token for that URL's host (or why not)."""

    repo: Repository
    url: str | None = None
    token: Secret | None = field(default=None, repr=False)
    error: str | None = None


def _targets(repos: list[Repository], api_url: str | None, given: Secret | None) -> list[_Target]:
    """Each repo's URL and token: the caller's token for all, else one lookup per API host.

    A repo whose host has no token fails alone; when no repo has one, NoToken stops the run.
    """
    tokens: dict[str, Secret | None] = {}  # per host, within this run: one `gh` call per host
    targets: list[_Target] = []
    for repo in repos:
        try:
            url = resolve_api_url(api_url, repo.api_url)
        except BadApiUrl as exc:  # a bad stored address fails its repo, not the whole run
            name = repo.full_name
            error = f"{exc} (`dslp repo add {name} --api-url URL`)"
            targets.append(_Target(repo, error=error))
            continue
        if given is not None:
            targets.append(_Target(repo, url, given))
            continue
        host = token_host(url)
        if host not in tokens:
            tokens[host] = token_for(url)
        token = tokens[host]
        targets.append(_Target(repo, url, token, None if token else no_token_message(url)))
    lacking = [t.error for t in targets if t.url and t.token is None and t.error]
    if lacking and not any(t.token for t in targets):
        raise NoToken("; ".join(dict.fromkeys(lacking)))
    return targets


@contextlib.contextmanager
def sync_lock(store: Store) -> Iterator[None]:
    """The mirror's run lock (SQLite: a lock file; a server mirror locks per repository)."""
    try:
        with store.sync_lock():
            yield
    except LockBusy as exc:
        raise SyncBusy(str(exc)) from None


def sync_repos(
    store: Store,
    repos: list[str] | None = None,
    *,
    token: Secret | str | None = None,
    api_url: str | None = None,
    full: bool = False,
    max_wait: float = 900.0,
    on_event: EventSink | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], object] = time.sleep,
) -> SyncReport:
    """Sync the named repos (all tracked ones by default); one failure does not stop the rest.

    `token` (tests, the bench) goes to every repo; without it each repo takes the token of its
    API host (`sync.auth.token_for`), looked up once per host.
    """
    emit: EventSink = on_event or (lambda _e: None)
    given = as_secret(token)
    del token  # only the redacted wrapper stays in this frame, for tracebacks showing locals
    started = time.monotonic()
    report = SyncReport()
    with store.session() as s:
        rows = [get_repo(s, name) for name in repos] if repos else list_repos(s)
    targets = _targets(rows, api_url, given)
    with sync_lock(store):
        try:
            for target in targets:
                if cancelled():
                    break
                with store.repo_lock(target.repo.full_name) as mine:
                    if mine:
                        done = _sync_one(store, target, full, max_wait, emit, cancelled, sleep)
                    else:  # another machine's sync has it: its work is being done, not failed
                        done = RepoDone(
                            target.repo.full_name,
                            ok=True,
                            skipped=f"{target.repo.full_name} is being synced by another process",
                        )
                report.repos.append(done)
                emit(done)
        finally:
            store.checkpoint()
    report.seconds = time.monotonic() - started
    return report


def _sync_one(
    store: Store,
    target: _Target,
    full: bool,
    max_wait: float,
    emit: EventSink,
    cancelled: Callable[[], bool],
    sleep: Callable[[float], object],
) -> RepoDone:
    repo, url, token = target.repo, target.url, target.token
    name = repo.full_name
    if url is None or token is None:  # a bad address, or no token for this repo's host
        return RepoDone(name, ok=False, error=target.error or no_token_message(url or ""))
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
