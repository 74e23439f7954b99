"""The team mirror under faults: first opens racing, reads during an uncommitted sync, kills."""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event, func, select, text

from store.db import Store, open_store
from store.migrate import HEAD_REVISION, current_revision
from store.mirror import ensure_repo
from store.models import Issue, Repository
from store.read.board import board
from sync.engine import sync_repos
from tests.fakegithub import FakeGitHub
from tests.hard_helpers import add_repos_at_once, diff, env_with, figures, sync_killed_after
from tests.pg import end_other_connections, typed_snapshot
from tests.test_postgres import REPO, TOKEN, _sync, _tracked


@pytest.mark.postgres
def test_processes_migrating_one_empty_server_database_at_once(pg_empty_url: str) -> None:
    env = env_with(None)
    add_repos_at_once(pg_empty_url, env)
    store = open_store(pg_empty_url)
    try:
        assert current_revision(store.engine) == HEAD_REVISION
        with store.session() as s:
            names = s.execute(select(Repository.full_name)).scalars().all()
        assert sorted(names) == ["acme/r0", "acme/r1", "acme/r2"]
    finally:
        store.dispose()


# -- readers never wait for a sync's writes ------------------------------------------------------


def _held_sync(
    store: Store, hold_when: Callable[[Callable[[str], Any]], bool]
) -> Callable[[Callable[[], None]], None]:
    """`run(on_hold)`: a sync in a thread, held right after the first write of issue rows for
    which `hold_when(query)` is true (`query` asks inside the writer's open transaction), while
    `on_hold()` runs here; then the sync is let go and must succeed."""

    def run(on_hold: Callable[[], None]) -> None:
        pattern = re.compile(r"\s*INSERT INTO issue\s*\(", re.I)
        held, release = threading.Event(), threading.Event()
        result: dict[str, Any] = {}

        def after(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if threading.current_thread().name != "sync" or held.is_set():
                return
            if not pattern.match(statement):
                return

            def query(sql: str) -> Any:
                cur = conn.connection.cursor()  # DBAPI level: no events, same transaction
                try:
                    cur.execute(sql)
                    return cur.fetchone()[0]
                finally:
                    cur.close()

            if hold_when(query):
                held.set()
                release.wait()

        def sync() -> None:
            try:
                result["report"] = sync_repos(store, token=TOKEN, sleep=lambda _s: None)
            except BaseException as exc:
                result["error"] = exc
            finally:
                held.set()

        event.listen(store.engine, "after_cursor_execute", after)
        thread = threading.Thread(target=sync, name="sync")
        thread.start()
        try:
            held.wait()
            assert not result, result  # held, not finished: the hold point was reached
            on_hold()
        finally:
            release.set()
            thread.join()
            event.remove(store.engine, "after_cursor_execute", after)
        assert "error" not in result, result["error"]
        assert all(r.ok for r in result["report"].repos), result["report"].repos

    return run


@pytest.fixture
def store(either_store: Store) -> Store:
    """SQLite (WAL) and PostgreSQL (MVCC) alike: the app's reads never queue behind a sync."""
    return either_store


def test_the_board_reads_at_once_while_a_sync_holds_a_page_uncommitted(
    store: Store, fake: FakeGitHub
) -> None:
    fake.bulk_generate(REPO, 350, seed=12)  # four pages of issues
    watched = fake.add_issue(REPO, "Watched ask", labels=["Ask"])["number"]
    with store.session(write=True) as s:
        ensure_repo(s, REPO, api_url=fake.base_url)
    reader = open_store(store.url)  # the app: its own engine and connections

    def read() -> tuple[int, dict[int, str]]:
        with reader.session() as s:
            if reader.is_server:  # a lock wait fails the test instead of hanging it
                s.execute(text("SET LOCAL lock_timeout = '20s'"))
            b = board(s, REPO)
            count = s.execute(select(func.count()).select_from(Issue)).scalar_one()
        cards = [c for column in b.columns.values() for c in column] + b.unclassified
        return count, {c.number: c.title for c in cards}

    seen: dict[str, Any] = {}
    try:
        # The first sync, held inside its second page of 100 (written, not committed): the
        # reader gets the first page at once, and not one row of the second.
        def past_the_first_page(query: Callable[[str], Any]) -> bool:
            seen["writer"] = query("SELECT count(*) FROM issue")
            return bool(seen["writer"] > 100)

        def reader_at_page_two() -> None:
            seen["count"], seen["cards"] = read()

        _held_sync(store, past_the_first_page)(reader_at_page_two)
        assert seen["count"] == 100 < seen["writer"], seen
        assert len(seen["cards"]) <= seen["count"] and watched not in seen["cards"]
        total, cards = read()
        assert total == 351 and cards[watched] == "Watched ask"

        # A resync rewriting the watched card, held inside that write: the old title is read.
        fake.update_issue(REPO, watched, title="Renamed ask")
        renamed = f"SELECT title FROM issue WHERE number = {watched}"
        titles: list[str] = []
        _held_sync(store, lambda q: q(renamed) == "Renamed ask")(
            lambda: titles.append(read()[1][watched])
        )
        assert titles == ["Watched ask"]
        assert read() == (total, {**cards, watched: "Renamed ask"})
    finally:
        reader.dispose()


# -- a sync killed halfway converges -------------------------------------------------------------


@pytest.mark.postgres
def test_a_sync_killed_halfway_converges_on_postgres(
    pg_database: Callable[..., str], pytestconfig: pytest.Config
) -> None:
    with FakeGitHub(tokens={TOKEN}) as fake:
        fake.bulk_generate(REPO, 900, seed=44)
        ref = _tracked(pg_database(), fake)
        fake.reset_log()
        _sync(ref)
        paths = [r.path for r in fake.requests]
        expected = typed_snapshot(ref, [fake.base_url])
        ref.dispose()
        assert len(expected["issue"]) == 900 and expected["comment"]
        issues = [k for k, p in enumerate(paths, 1) if p.endswith("/issues")]
        comments = [k for k, p in enumerate(paths, 1) if p.endswith("/issues/comments")]
        moments = [issues[len(issues) // 2], comments[-1]]  # amid the issue pages; the comments
        env = env_with(TOKEN)
        for k in moments:
            url = pg_database()
            _tracked(url, fake).dispose()
            rc, _out, err, seen = sync_killed_after(fake, k, ["sync", "--db", url], env)
            assert rc == -signal.SIGKILL and seen == k, (k, rc, err)
            end_other_connections(url)  # the dead client's session, so its lock, is gone
            store = open_store(url)
            try:
                assert diff(typed_snapshot(store, [fake.base_url]), expected)  # left incomplete
                _sync(store)
                problems = diff(typed_snapshot(store, [fake.base_url]), expected)
                assert not problems, (k, problems)
            finally:
                store.dispose()
        figures(pytestconfig, "pg-kill-sync", moments=moments, requests_per_sync=len(paths))
