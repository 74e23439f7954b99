"""Schema changes go through Alembic and keep every row."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from store.db import StoreError, make_engine, open_store
from store.migrate import HEAD_REVISION, alembic_config, current_revision, upgrade_to_head


def test_head_constant_matches_alembic_head() -> None:
    from alembic.script import ScriptDirectory

    engine = make_engine("sqlite://")
    script = ScriptDirectory.from_config(alembic_config(engine))
    assert script.get_current_head() == HEAD_REVISION


def test_first_migration_database_upgrades_with_data_intact(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade_to_head(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO repository (full_name, default_branch, added_at) "
                "VALUES ('o/r', 'main', '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO issue (repo_id, number, title, state, labels, comments_count, "
                "is_pull_request, ask_refs, experiment_refs) "
                "VALUES (1, 7, 'kept', 'open', '[\"Ask\"]', 0, 0, '[]', '[]')"
            )
        )
    engine.dispose()
    store = open_store(db)
    try:
        assert current_revision(store.engine) == HEAD_REVISION
        with store.engine.connect() as conn:
            row = conn.execute(text("SELECT number, title, labels FROM issue")).one()
        assert tuple(row) == (7, "kept", '["Ask"]')
    finally:
        store.dispose()


def test_a_mirror_from_a_newer_dslp_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "future.db"
    store = open_store(db)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.dispose()
    with pytest.raises(StoreError, match="newer than this dslp"):
        open_store(db)
