"""Schema changes go through Alembic and keep every row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from store.db import make_engine, open_store, resolve_url
from store.errors import StoreError
from store.migrate import HEAD_REVISION, alembic_config, current_revision, upgrade_to_head
from tests.pg import BACKENDS


@pytest.fixture(params=BACKENDS)
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database without a schema yet: a new SQLite file, then an empty PostgreSQL database."""
    if request.param == "pg":
        return str(request.getfixturevalue("pg_empty_url"))
    return f"sqlite:///{tmp_path / 'mirror.db'}"


def _engine(url: str) -> Engine:
    return make_engine(resolve_url(url))


def _stamp(url: str, value: str) -> str:
    """A timestamp literal read as UTC whatever the PostgreSQL session's time zone."""
    return value if url.startswith("sqlite") else f"{value}+00:00"


def test_head_constant_matches_alembic_head() -> None:
    from alembic.script import ScriptDirectory

    engine = make_engine("sqlite://")
    script = ScriptDirectory.from_config(alembic_config(engine))
    assert script.get_current_head() == HEAD_REVISION


def test_first_migration_database_upgrades_with_data_intact(blank_url: str) -> None:
    db = blank_url
    engine = _engine(db)
    upgrade_to_head(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO repository (full_name, default_branch, added_at) "
                f"VALUES ('o/r', 'main', '{_stamp(db, '2026-01-01 00:00:00')}')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO issue (repo_id, number, title, state, labels, comments_count, "
                "is_pull_request, ask_refs, experiment_refs) "
                "VALUES (1, 7, 'kept', 'open', '[\"Ask\"]', 0, false, '[]', '[]')"
            )
        )
    engine.dispose()
    store = open_store(db)
    try:
        assert current_revision(store.engine) == HEAD_REVISION
        with store.engine.connect() as conn:
            number, title, labels = conn.execute(
                text("SELECT number, title, labels FROM issue")
            ).one()
        as_json = labels if isinstance(labels, list) else json.loads(labels)  # PG decodes JSON
        assert (number, title, as_json) == (7, "kept", ["Ask"])
    finally:
        store.dispose()


def test_a_mirror_from_a_newer_dslp_is_refused(blank_url: str) -> None:
    db = blank_url
    store = open_store(db)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.dispose()
    with pytest.raises(StoreError, match="newer than this dslp"):
        open_store(db)


def test_0001_mirror_upgrades_to_0002_with_a_history_baseline(blank_url: str) -> None:
    """Rows stay; each existing card gets one baseline event, so the next sync adds only changes."""
    from sqlalchemy import select

    from store.mirror import upsert_issues
    from store.models import PhaseEvent

    db = blank_url
    engine = _engine(db)
    upgrade_to_head(engine, "0001")
    created = _stamp(db, "2026-01-02 00:00:00.000000")
    updated = _stamp(db, "2026-01-03 00:00:00.000000")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO repository (full_name, default_branch, added_at) "
                f"VALUES ('o/r', 'main', '{_stamp(db, '2026-01-01 00:00:00')}')"
            )
        )
        for number, labels, kind, phase, is_pr in (
            (1, '["Ask"]', "'ask'", "'ideation'", "false"),
            (2, '["Experiment"]', "'experiment'", "'experiment'", "false"),
            (3, "[]", "NULL", "NULL", "true"),
        ):
            conn.execute(
                text(
                    "INSERT INTO issue (repo_id, number, title, state, labels, comments_count, "
                    "is_pull_request, ask_refs, experiment_refs, kind, phase, created_at, "
                    f"updated_at) VALUES (1, {number}, 't{number}', 'open', '{labels}', 0, "
                    f"{is_pr}, '[]', '[]', {kind}, {phase}, '{created}', '{updated}')"
                )
            )
    engine.dispose()
    store = open_store(db)
    try:
        assert current_revision(store.engine) == HEAD_REVISION
        with store.engine.connect() as conn:
            rows = conn.execute(text("SELECT number, title, kind FROM issue ORDER BY number")).all()
        assert [tuple(r) for r in rows] == [
            (1, "t1", "ask"),
            (2, "t2", "experiment"),
            (3, "t3", None),
        ]
        with store.session() as s:
            events = s.execute(select(PhaseEvent).order_by(PhaseEvent.id)).scalars().all()
            assert [(e.issue_number, e.phase, e.state, e.source) for e in events] == [
                (1, "ideation", "open", "migration"),
                (2, "experiment", "open", "migration"),
            ]
            assert events[0].at.isoformat() == "2026-01-02T00:00:00+00:00"
        item = {
            "id": 11, "number": 1, "title": "t1", "labels": [{"name": "Ask"}],
            "created_at": "2026-01-02T00:00:00Z", "updated_at": "2026-01-03T00:00:00Z",
        }  # fmt: skip
        with store.session(write=True) as s:
            upsert_issues(s, 1, [item])  # same phase and state as the baseline: no new event
            upsert_issues(s, 1, [{**item, "labels": [{"name": "Explore"}]}])
        with store.session() as s:
            phases = s.execute(select(PhaseEvent.phase).order_by(PhaseEvent.id)).scalars().all()
        assert phases == ["ideation", "experiment", "explore"]
    finally:
        store.dispose()


def test_schema_at_head_matches_the_models(blank_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    store = open_store(blank_url)
    try:
        with store.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []
    finally:
        store.dispose()


def test_0002_downgrades_cleanly(blank_url: str) -> None:
    from alembic import command

    store = open_store(blank_url)
    try:
        command.downgrade(alembic_config(store.engine), "0001")
        assert current_revision(store.engine) == "0001"
        with store.engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
        assert "phaseevent" not in names and "issue" in names
    finally:
        store.dispose()
