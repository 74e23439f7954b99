"""The team mirror's shared reads (`store.text_cache`): built once per revision, never stale.

Every PostgreSQL transaction that wrote bumps `mirrorrevision` in its own commit; a text cached
at revision N is served only to readers who see N or less. The tests count the builds, write
between reads, hold a build open while a second reader waits for it, and read as a role that
may not write the cache.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from dslp_tui.cli import board_text, main
from store.db import Store, open_store
from store.mirror import ensure_repo, upsert_issues
from store.models import MirrorMeta, OutboxEntry
from store.outbox import record_outcome
from store.repos import get_repo
from store.text_cache import cached_text

REPO = "acme/churn"


def _issue(number: int, labels: list[str]) -> dict[str, object]:
    return {
        "id": 1000 + number,
        "number": number,
        "title": f"Card {number}",
        "state": "open",
        "labels": [{"name": n} for n in labels],
        "body": "",
        "html_url": f"https://github.com/{REPO}/issues/{number}",
        "created_at": "2026-11-01T00:00:00Z",
        "updated_at": "2026-11-02T00:00:00Z",
    }


@pytest.fixture
def mirror(pg_store: Store) -> Store:
    with pg_store.session(write=True) as s:
        repo = ensure_repo(s, REPO)
        assert repo.id is not None
        upsert_issues(s, repo.id, [_issue(1, ["Ask"]), _issue(2, ["Experiment"])])
    return pg_store


def _revision(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text("SELECT rev FROM mirrorrevision")).scalar_one())


class Builds:
    """A compute that counts its calls; `gate` (if set) holds each build until it is opened."""

    def __init__(self, body: Callable[[], str]) -> None:
        self.body = body
        self.calls = 0
        self.started = threading.Event()
        self.gate: threading.Event | None = None

    def __call__(self) -> str:
        self.calls += 1
        self.started.set()
        if self.gate is not None:
            assert self.gate.wait(30), "the build was never let through"
        return self.body()


@pytest.mark.postgres
def test_a_transaction_that_wrote_counts_one_revision_and_a_read_none(mirror: Store) -> None:
    start = _revision(mirror)
    with mirror.session() as s:
        get_repo(s, REPO)
    assert _revision(mirror) == start
    with mirror.session(write=True) as s:  # rows only added to the session, flushed at commit
        s.add(MirrorMeta(key="test", value="a row the ORM flushes at commit"))
    assert _revision(mirror) == start + 1
    with pytest.raises(RuntimeError), mirror.session(write=True) as s:
        s.execute(text("UPDATE repository SET full_name = full_name"))
        raise RuntimeError("rolled back")
    assert _revision(mirror) == start + 1  # nothing committed, nothing counted
    with mirror.session(write=True, refetchable=True) as s:  # a sync's page
        upsert_issues(s, get_repo(s, REPO).id or 0, [_issue(3, ["Data"])])
    assert _revision(mirror) == start + 2


@pytest.mark.postgres
def test_a_text_is_built_once_per_revision_and_again_after_any_write(mirror: Store) -> None:
    builds = Builds(lambda: f"built at {_revision(mirror)}")
    first = cached_text(mirror, "k", builds)
    assert (cached_text(mirror, "k", builds), builds.calls) == (first, 1)
    other = Builds(lambda: "another key")
    assert cached_text(mirror, "other", other) == "another key" and builds.calls == 1
    with mirror.session(write=True) as s:
        record_outcome(s, get_repo(s, REPO), 2, status="failed", tldr="no lift")
    assert cached_text(mirror, "k", builds) != first
    assert builds.calls == 2
    assert cached_text(mirror, "k", builds) and builds.calls == 2


@pytest.mark.postgres
def test_the_board_shows_an_offline_outcome_at_once_on_a_cached_team_mirror(
    mirror: Store,
) -> None:
    def outcome() -> object:
        cards = json.loads(board_text(mirror, REPO))["columns"]["experiment"]
        return [(c["number"], c["outcome"], c["pending_sync"]) for c in cards]

    assert outcome() == [(2, None, False)]
    assert outcome() == [(2, None, False)]  # from the cache now
    assert (
        main(["log", f"{REPO}#2", "--outcome", "failed", "--tldr", "no", "--db", mirror.url]) == 0
    )
    assert outcome() == [(2, "failed", True)]
    with mirror.session(write=True) as s:  # the push is done: the entry leaves the outbox
        s.execute(text("DELETE FROM experimentoutcome"))
        for entry in s.execute(select(OutboxEntry)).scalars():
            s.delete(entry)
    assert outcome() == [(2, None, False)]


@pytest.mark.postgres
def test_a_reader_waits_for_the_build_under_way_and_is_served_it(mirror: Store) -> None:
    builds = Builds(lambda: "the one build")
    builds.gate = threading.Event()
    got: dict[str, str] = {}

    def read(name: str) -> None:
        got[name] = cached_text(mirror, "board", builds)

    first = threading.Thread(target=read, args=("first",))
    first.start()
    assert builds.started.wait(30)
    second = threading.Thread(target=read, args=("second",))
    second.start()
    with psycopg.connect(_plain(mirror.url), autocommit=True) as watch:
        waiting = 0
        for _ in range(3000):  # until the second reader queues on the build's lock
            waiting = watch.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            ).fetchone()[0]  # type: ignore[index]
            if waiting:
                break
            threading.Event().wait(0.01)
        assert waiting == 1
    builds.gate.set()
    first.join(30)
    second.join(30)
    assert got == {"first": "the one build", "second": "the one build"}
    assert builds.calls == 1


@pytest.mark.postgres
def test_a_reader_who_may_not_write_the_cache_still_reads(mirror: Store) -> None:
    role = f"dslp_reader_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(_plain(mirror.url), autocommit=True)
    admin.execute(f'CREATE ROLE "{role}" LOGIN')
    admin.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"')
    reader = open_store(make_url(mirror.url).set(username=role).render_as_string(False))
    try:
        builds = Builds(lambda: "read directly")
        assert [cached_text(reader, "k", builds) for _ in range(2)] == ["read directly"] * 2
        assert builds.calls == 2  # nothing could be stored, so each read builds
        assert json.loads(board_text(reader, REPO))["repo"] == REPO
    finally:
        reader.dispose()
        admin.execute(f'DROP OWNED BY "{role}"')
        admin.execute(f'DROP ROLE "{role}"')
        admin.close()


def test_a_sqlite_mirror_reads_directly(store: Store) -> None:
    builds = Builds(lambda: "direct")
    assert [cached_text(store, "k", builds) for _ in range(3)] == ["direct"] * 3
    assert builds.calls == 3


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def store(sqlite_store: Store) -> Iterator[Store]:
    yield sqlite_store


@pytest.mark.postgres
def test_a_text_not_stored_again_for_a_week_is_dropped(mirror: Store) -> None:
    cached_text(mirror, "board-json:old-dslp", lambda: "old")
    cached_text(mirror, "board-json:recent", lambda: "recent")
    with mirror.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE textcache SET stored_at = now() - interval '8 days' "
                "WHERE key = 'board-json:old-dslp'"
            )
        )
    cached_text(mirror, "board-json:now", lambda: "now")
    with mirror.engine.connect() as conn:
        keys = conn.execute(text("SELECT key FROM textcache ORDER BY key")).scalars().all()
    assert keys == ["board-json:now", "board-json:recent"]
