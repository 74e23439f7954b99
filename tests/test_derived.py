"""Stored kind/phase/outcome follow the rules in force, even on a mirror written by older rules."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, text

from store.db import open_store
from store.derived import RULES_KEY, ensure_rules_current
from store.mirror import ensure_repo, upsert_issues
from store.models import Issue, MirrorMeta, PhaseEvent
from store.read.board import board
from store.rules import RULES_VERSION


def _item(number: int, labels: list[str]) -> dict[str, object]:
    return {
        "id": 1000 + number,
        "number": number,
        "title": f"t{number}",
        "labels": [{"name": name} for name in labels],
        "created_at": "2026-01-02T00:00:00Z",
        "updated_at": "2026-01-03T00:00:00Z",
    }


def _seed(db: Path) -> None:
    store = open_store(db)
    try:
        with store.session(write=True) as s:
            repo = ensure_repo(s, "o/r")
            assert repo.id is not None
            upsert_issues(s, repo.id, [_item(1, ["Ask"]), _item(2, ["Model", "Deploy"])])
    finally:
        store.dispose()


def _as_written_by_older_rules(db: Path, version: str | None) -> None:
    """What an older dslp left: #2 stored in the model column, the Ask without its outcome."""
    store = open_store(db)
    try:
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE issue SET phase = 'model' WHERE number = 2"))
            conn.execute(text('UPDATE issue SET labels = \'["Ask", "On-Hold"]\' WHERE number = 1'))
            if version is None:
                conn.execute(text("DELETE FROM mirrormeta"))
            else:
                conn.execute(text("UPDATE mirrormeta SET value = :v"), {"v": version})
    finally:
        store.dispose()


def test_a_new_mirror_records_the_rules_version(tmp_path: Path) -> None:
    store = open_store(tmp_path / "m.db")
    try:
        with store.session() as s:
            meta = s.get(MirrorMeta, RULES_KEY)
            assert meta is not None and meta.value == str(RULES_VERSION)
    finally:
        store.dispose()


def test_older_rules_are_recomputed_once_at_open(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    _seed(db)
    _as_written_by_older_rules(db, str(RULES_VERSION - 1))
    store = open_store(db)  # the open recomputes
    try:
        with store.session() as s:
            rows = s.execute(select(Issue.number, Issue.phase, Issue.outcome)).all()
            assert sorted(tuple(r) for r in rows) == [
                (1, "ideation", "on hold"),
                (2, "deploy", None),
            ]
            cards = board(s, "o/r")
            assert [c.number for c in cards.columns["deploy"]] == [2]
            assert cards.columns["model"] == []
            sources = s.execute(
                select(PhaseEvent.issue_number, PhaseEvent.source).where(
                    PhaseEvent.source == "rules"
                )
            ).all()
            # #1's outcome moved; #2's history already said deploy (the bad column had no event)
            assert sorted(tuple(r) for r in sources) == [(1, "rules")]
            assert s.get(MirrorMeta, RULES_KEY).value == str(RULES_VERSION)  # type: ignore[union-attr]
        assert ensure_rules_current(store.engine) == 0  # done once: nothing left to change
    finally:
        store.dispose()


def test_a_mirror_without_a_version_is_recomputed(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    _seed(db)
    _as_written_by_older_rules(db, None)
    store = open_store(db)
    try:
        with store.session() as s:
            assert s.execute(select(Issue.phase).where(Issue.number == 2)).scalar_one() == "deploy"
    finally:
        store.dispose()


def test_the_current_version_costs_one_read_and_changes_nothing(tmp_path: Path) -> None:
    # Stored columns are trusted under the same rules: a wrong phase stays until the next write
    # (this is what makes the version the switch, not a recompute at every open).
    db = tmp_path / "m.db"
    _seed(db)
    _as_written_by_older_rules(db, str(RULES_VERSION))
    store = open_store(db)
    try:
        with store.session() as s:
            assert s.execute(select(Issue.phase).where(Issue.number == 2)).scalar_one() == "model"
    finally:
        store.dispose()
