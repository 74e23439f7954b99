"""Exactly-once under SIGKILL: the real `dslp sync` process is killed right after each write
GitHub applied, in turn, and re-run; every entry lands once and ends sent. On a SQLite mirror
and on a PostgreSQL one (where the killed process's transaction and locks die with it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from store.db import open_store
from store.mirror import ensure_repo
from store.models import OutboxEntry
from store.outbox import record_model_status, record_outcome, record_signoff
from store.repos import get_repo
from store.rules import make_marker
from tests.fakegithub import FakeGitHub, Fault, RequestRecord
from tests.pg import BACKENDS, end_other_connections
from tests.test_push import REPO, TOKEN, sync, world

WRITES = r"/(comments|labels)(/[^/]+)?$"


@pytest.fixture(params=BACKENDS)
def mirror_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the mirror is: a SQLite file, then a PostgreSQL database."""
    if request.param == "pg":
        return str(request.getfixturevalue("pg_url"))
    return str(tmp_path / "ana.db")


def test_sigkill_after_each_write_never_duplicates(mirror_db: str, fake: FakeGitHub) -> None:
    world(fake)
    fake.add_issue(REPO, "Second experiment", labels=["Experiment", "on hold"])  # 4
    store = open_store(mirror_db)
    with store.session(write=True) as s:
        ensure_repo(s, REPO, api_url=fake.base_url)
    assert sync(store).ok
    with store.session(write=True) as s:
        repo = get_repo(s, REPO)
        ids = [
            record_outcome(s, repo, 2, status="succeeded", tldr="AUC 0.81").id,
            record_outcome(s, repo, 4, status="failed", tldr="No lift").id,
            record_signoff(s, repo, gate="data", stakeholder="Dana", decision="approved").id,
            record_model_status(s, repo, 3, status="staging", version="0.1.0").id,
        ]
        kinds = ["outcome", "outcome", "signoff", "model"]
    db = mirror_db
    store.dispose()
    env = {**os.environ, "GITHUB_TOKEN": TOKEN}
    cmd = [sys.executable, "-m", "dslp_tui.cli", "sync", "--db", db]

    kills = 0
    for _round in range(20):
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

        def kill(_record: RequestRecord, pid: int = proc.pid) -> None:
            os.kill(pid, signal.SIGKILL)

        fake.clear_faults()
        for method in ("POST", "PATCH", "DELETE"):
            fake.inject(method, WRITES, Fault.after(kill, drop=True))
        proc.communicate(timeout=120)
        if proc.returncode == -signal.SIGKILL:
            kills += 1
            if "://" in db:  # PostgreSQL: the dead client's session (and its locks) gone first
                end_other_connections(db)
            continue
        assert proc.returncode == 0
        break
    fake.clear_faults()
    writes = [r for r in fake.requests if r.method in ("POST", "PATCH", "DELETE")]
    assert kills == len(writes) >= 6  # killed once after every write GitHub applied
    for entry_id, kind in zip(ids, kinds, strict=True):
        number = {"outcome": None, "signoff": 1, "model": 3}[kind]
        numbers = [number] if number else [2, 4]
        total = sum(
            fake.count_comments(REPO, n, contains=make_marker(kind, entry_id)) for n in numbers
        )
        assert total == 1, (kind, entry_id)
    labels = {n: {lab["name"] for lab in fake.issue(REPO, n)["labels"]} for n in (2, 4)}
    assert labels == {2: {"Experiment", "succeeded"}, 4: {"Experiment", "failed"}}
    store = open_store(db)
    with store.session() as s:
        assert {e.state for e in s.execute(select(OutboxEntry)).scalars()} == {"sent"}
    store.dispose()
