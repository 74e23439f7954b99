"""The app reads (and writes offline changes) while a cron `dslp sync` writes; two syncs start at
once; several processes open a mirror that needs a migration at the same moment. No "database is
locked" reaches the user, and the rows come out as one uninterrupted sync makes them."""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from store.db import open_store
from store.mirror import ensure_repo
from store.outbox import record_outcome
from store.read.board import board
from store.read.portfolio import project_summaries
from store.repos import get_repo
from store.rules import make_marker
from sync.engine import sync_repos
from tests.fakegithub import FakeGitHub
from tests.hard_helpers import (
    add_repos_at_once,
    diff,
    dslp,
    env_with,
    figures,
    integrity,
    outbox_rows,
    snapshot,
)
from tests.test_hard_kill import _old_mirror

REPO = "acme/busy"
TOKEN = "busy-token"


def _tracked(path: Path, api_url: str) -> Path:
    store = open_store(path)
    with store.session(write=True) as s:
        ensure_repo(s, REPO, api_url=api_url)
    store.dispose()
    return path


def test_app_reads_and_writes_while_a_sync_writes(
    tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    with FakeGitHub(tokens={TOKEN}) as fake:
        fake.bulk_generate(REPO, 2_000, seed=5)
        x = fake.add_issue(REPO, "GBM", labels=["Experiment"])["number"]
        db = _tracked(tmp_path / "mirror.db", fake.base_url)
        store = open_store(db)
        with store.session(write=True) as s:  # the issue is needed for outcomes: mirror it first
            from store.mirror import upsert_issues

            upsert_issues(s, get_repo(s, REPO).id or 0, [fake.issue(REPO, x)])
        errors: list[BaseException] = []
        reads = writes = 0
        stop = threading.Event()

        def app() -> None:
            nonlocal reads, writes
            while not stop.is_set():
                try:
                    with store.session() as s:
                        project_summaries(s)
                        board(s, REPO)
                    reads += 1
                    if reads % 5 == 0:  # an outcome logged in the app mid-sync
                        with store.session(write=True) as s:
                            record_outcome(s, get_repo(s, REPO), x, status="failed", tldr="t")
                        writes += 1
                except BaseException as exc:
                    errors.append(exc)
                    return

        thread = threading.Thread(target=app)
        thread.start()
        try:
            proc = subprocess.run(
                dslp(["sync", "--db", str(db)]), env=env_with(TOKEN), capture_output=True, text=True
            )
        finally:
            stop.set()
            thread.join(60)
        assert not errors, errors
        assert proc.returncode == 0, proc.stderr
        assert "locked" not in proc.stdout + proc.stderr
        assert reads > 0 and writes > 0
        # Entries logged during the sync are pending or sent; the next sync sends the rest once.
        report = sync_repos(store, token=TOKEN, sleep=lambda _s: None)
        assert report.repos[0].ok, report.repos[0].error
        rows = outbox_rows(db)
        assert len(rows) == writes and {state for _i, state in rows} == {"sent"}
        for entry_id, _state in rows:
            assert fake.count_comments(REPO, x, contains=make_marker("outcome", entry_id)) == 1
        store.dispose()
        assert integrity(db) == "ok"
        figures(pytestconfig, "concurrency-app", app_reads=reads, app_writes=writes, lock_errors=0)


def test_two_syncs_started_at_once(tmp_path: Path, pytestconfig: pytest.Config) -> None:
    with FakeGitHub(tokens={TOKEN}) as fake:
        fake.bulk_generate(REPO, 2_000, seed=6)
        base = _tracked(tmp_path / "base.db", fake.base_url)
        ref = tmp_path / "ref.db"
        shutil.copyfile(base, ref)
        store = open_store(ref)
        assert sync_repos(store, token=TOKEN, sleep=lambda _s: None).repos[0].ok
        store.dispose()
        expected = snapshot(ref)
        outcomes = {"synced": 0, "said busy": 0}
        env = env_with(TOKEN)
        for attempt in range(3):
            db = tmp_path / f"m{attempt}.db"
            shutil.copyfile(base, db)
            procs = [
                subprocess.Popen(
                    dslp(["sync", "--db", str(db)]),
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for _ in range(2)
            ]
            results = [(*p.communicate(timeout=120), p.returncode) for p in procs]
            assert any(rc == 0 for _o, _e, rc in results), results
            for out, err, rc in results:
                assert "locked" not in out + err and "Traceback" not in err, err
                if rc == 0:
                    outcomes["synced"] += 1
                else:
                    assert rc == 1, err
                    lines = err.strip().splitlines()
                    assert len(lines) == 1 and "another dslp sync is running" in lines[0], err
                    outcomes["said busy"] += 1
            assert integrity(db) == "ok"
            assert not diff(snapshot(db), expected)
        figures(pytestconfig, "concurrency-two-syncs", attempts=3, lock_errors=0, **outcomes)


def test_processes_opening_a_mirror_that_needs_migrating_at_once(tmp_path: Path) -> None:
    """Regression: the second of two processes upgrading one mirror failed with "database is
    locked" (store/db.py now serialises migrations with a lock file)."""
    env = env_with(None)
    for attempt in range(3):
        db = tmp_path / f"old{attempt}.db"
        if attempt:
            _old_mirror(db, 5_000)  # behind: 0001 with rows
        add_repos_at_once(str(db), env)
        assert integrity(db) == "ok"
