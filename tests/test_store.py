"""The mirror's schema, SQLite settings, upserts and derived DSLP fields."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from store.db import Store, open_store
from store.errors import StoreError
from store.mirror import ensure_repo, upsert_issues, upsert_labels
from store.models import Issue, IssueLabel, Label, Repository


@pytest.fixture
def store(either_store: Store) -> Store:
    """Every test here that takes `store` runs on SQLite and on PostgreSQL."""
    return either_store


def _item(number: int, labels: list[str], **extra: object) -> dict[str, object]:
    item: dict[str, object] = {
        "id": 1000 + number,
        "number": number,
        "title": f"Issue {number}",
        "body": None,
        "state": "open",
        "labels": [{"name": n} for n in labels],
        "user": {"login": "ana"},
        "created_at": "2026-01-02T03:04:05Z",
        "updated_at": "2026-01-03T03:04:05Z",
    }
    item.update(extra)
    return item


def test_new_mirror_is_private_wal_with_foreign_keys(tmp_path: Path) -> None:
    db = tmp_path / "deep" / "folder" / "mirror.db"
    s = open_store(db)
    try:
        assert stat.S_IMODE(db.stat().st_mode) == 0o600
        assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
        with s.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
    finally:
        s.dispose()


def test_missing_mirror_is_not_created_when_asked_not_to(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no mirror at"):
        open_store(tmp_path / "absent.db", create=False)
    assert not (tmp_path / "absent.db").exists()


def test_a_file_that_is_not_a_database_gives_one_clear_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError) as err:
        open_store(bad)
    assert "cannot open the mirror" in str(err.value)
    assert "\n" not in str(err.value)
    assert bad.read_bytes() == b"this is not sqlite" * 100


def test_upsert_derives_kind_phase_outcome_and_is_idempotent(store: Store) -> None:
    items = [
        _item(1, ["Ask"]),
        _item(2, ["experiment", "Failed"], state="closed"),
        _item(3, ["Model", "Deploy"]),
        _item(4, ["documentation"]),
        _item(5, [], pull_request={"merged_at": None}),
    ]
    with store.session(write=True) as session:
        repo = ensure_repo(session, "o/r")
        assert repo.id is not None
        upsert_issues(session, repo.id, items)
    with store.session(write=True) as session:
        upsert_issues(session, repo.id, items)  # a second identical page changes nothing
    with store.session() as session:
        rows = {i.number: i for i in session.execute(select(Issue)).scalars()}
        assert len(rows) == 5
        assert (rows[1].kind, rows[1].phase) == ("ask", "ideation")
        assert (rows[2].kind, rows[2].phase, rows[2].outcome) == (
            "experiment",
            "experiment",
            "failed",
        )
        assert rows[3].phase == "deploy"
        assert rows[4].kind is None and rows[4].phase is None
        assert rows[5].is_pull_request
        links = session.execute(select(func.count()).select_from(IssueLabel)).scalar()
        assert links == 6
        names = set(session.execute(select(Label.name)).scalars())
        assert {"Ask", "experiment", "Failed", "Model", "Deploy", "documentation"} <= names


def test_label_change_replaces_links(store: Store) -> None:
    with store.session(write=True) as session:
        repo = ensure_repo(session, "o/r")
        assert repo.id is not None
        upsert_labels(session, repo.id, [{"name": "Ask", "color": "c9ecff"}])
        upsert_issues(session, repo.id, [_item(1, ["Ask"])])
    with store.session(write=True) as session:
        upsert_issues(session, repo.id, [_item(1, ["Explore"])])
    with store.session() as session:
        issue = session.execute(select(Issue)).scalar_one()
        assert issue.labels == ["Explore"] and issue.phase == "explore"
        linked = session.execute(
            select(Label.name).join(IssueLabel, IssueLabel.label_id == Label.id)
        ).scalars()
        assert list(linked) == ["Explore"]
        color = session.execute(select(Label.color).where(Label.name == "Ask")).scalar()
        assert color == "c9ecff"


def test_deleting_a_repo_cascades_to_its_rows(store: Store) -> None:
    with store.session(write=True) as session:
        repo = ensure_repo(session, "o/r")
        assert repo.id is not None
        upsert_issues(session, repo.id, [_item(1, ["Ask"]), _item(2, ["Data"])])
    with store.session(write=True) as session:
        session.delete(session.get(Repository, repo.id))
    with store.session() as session:
        assert session.execute(select(func.count()).select_from(Issue)).scalar() == 0
        assert session.execute(select(func.count()).select_from(IssueLabel)).scalar() == 0


def test_overlapping_writers_queue_instead_of_failing(store: Store) -> None:
    """Two first `ensure_repo` of one name, the second starting while the first is mid-write.

    Each reads (is the repo there?) then writes (add it). The second writer starts while the
    first holds its write open: it must wait for the commit, then find the row the first
    added. A transaction that begins deferred reads first, and cannot upgrade to a writer
    once the first commits ("database is locked"), or adds a second row. On PostgreSQL the
    second reads before the first commits, so its INSERT must not fail on the unique name.
    """
    import re
    import threading

    from sqlalchemy import event

    first_wrote = threading.Event()  # the first writer's INSERT is done, commit still to come
    second_writing = threading.Event()  # the second is about to take the write lock
    takes_write_lock = re.compile(r"\s*(BEGIN\s+(IMMEDIATE|EXCLUSIVE)|INSERT|UPDATE|DELETE)", re.I)
    results: dict[str, object] = {}

    def before_execute(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if threading.current_thread().name == "second" and takes_write_lock.match(statement):
            second_writing.set()

    def second_writer() -> None:
        try:
            first_wrote.wait()
            with store.session(write=True) as session:
                repo = ensure_repo(session, "o/same")
                results["second"] = repo.id
        except Exception as exc:
            results["second"] = exc
        finally:
            second_writing.set()  # never leave the first writer waiting

    event.listen(store.engine, "before_cursor_execute", before_execute)
    thread = threading.Thread(target=second_writer, name="second")
    thread.start()
    try:
        with store.session(write=True) as session:
            results["first"] = ensure_repo(session, "o/same").id
            first_wrote.set()
            # The second has begun (or, deferred, has read and is about to write) while this
            # transaction is still open: commit now, with the second waiting on the lock.
            second_writing.wait()
    finally:
        first_wrote.set()
        thread.join()
        event.remove(store.engine, "before_cursor_execute", before_execute)
    assert not isinstance(results["second"], Exception), results["second"]
    assert results["first"] is not None and results["second"] == results["first"]
    with store.session() as session:
        names = session.execute(select(Repository.full_name)).scalars().all()
    assert names == ["o/same"]


def test_db_env_var_and_flag_choose_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from store.db import resolve_url

    monkeypatch.setenv("DSLP_DB", str(tmp_path / "env.db"))
    assert resolve_url(None).endswith("env.db")
    assert resolve_url(tmp_path / "flag.db").endswith("flag.db")
    monkeypatch.delenv("DSLP_DB")
    assert resolve_url(None).endswith(os.path.join("data", "mirror.db"))
    assert resolve_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"  # psycopg 3
    assert resolve_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"


def test_a_new_mirror_and_its_new_folders_are_private_whatever_the_umask(tmp_path: Path) -> None:
    from store.db import open_store as open_mirror

    db = tmp_path / "a" / "b" / "mirror.db"
    old = os.umask(0)
    try:
        open_mirror(db).dispose()
    finally:
        os.umask(old)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    for folder in (tmp_path / "a", tmp_path / "a" / "b"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
