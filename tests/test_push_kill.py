"""Exactly-once under SIGKILL: the real `dslp sync` process is killed right after each write
GitHub applied, in turn, and re-run; every entry lands once and ends sent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from store.models import OutboxEntry
from store.outbox import record_model_status, record_outcome, record_signoff
from store.repos import get_repo
from store.rules import make_marker
from tests.fakegithub import FakeGitHub, Fault, RequestRecord
from tests.test_push import REPO, TOKEN, mirror, world

WRITES = r"/(comments|labels)(/[^/]+)?$"


def test_sigkill_after_each_write_never_duplicates(tmp_path: Path, fake: FakeGitHub) -> None:
    world(fake)
    fake.add_issue(REPO, "Second experiment", labels=["Experiment", "on hold"])  # 4
    store = mirror(tmp_path, fake, "ana")
    with store.session(write=True) as s:
        repo = get_repo(s, REPO)
        ids = [
            record_outcome(s, repo, 2, status="succeeded", tldr="AUC 0.81").id,
            record_outcome(s, repo, 4, status="failed", tldr="No lift").id,
            record_signoff(s, repo, gate="data", stakeholder="Dana", decision="approved").id,
            record_model_status(s, repo, 3, status="staging", version="0.1.0").id,
        ]
        kinds = ["outcome", "outcome", "signoff", "model"]
    db = str(store.path)
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
    from store.db import open_store

    store = open_store(db)
    with store.session() as s:
        assert {e.state for e in s.execute(select(OutboxEntry)).scalars()} == {"sent"}
    store.dispose()
