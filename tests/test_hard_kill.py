"""SIGKILL the real `dslp` process at seeded moments: while it reads pages, while it pushes the
outbox, while it migrates the schema. After every kill the database is intact, no outbox entry
is lost or posted twice, and a final sync converges to what an uninterrupted sync produces."""

from __future__ import annotations

import random
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from store.db import make_engine, open_store
from store.migrate import HEAD_REVISION, current_revision, upgrade_to_head
from store.mirror import ensure_repo
from store.outbox import (
    change_checklist,
    record_model_status,
    record_outcome,
    record_signoff,
    seed_checklist,
)
from store.repos import get_repo
from store.rules import make_marker
from sync.engine import sync_repos
from tests.fakegithub import FakeGitHub
from tests.hard_helpers import (
    diff,
    dslp,
    env_with,
    figures,
    integrity,
    outbox_rows,
    snapshot,
    sync_killed_after,
)

REPO = "acme/big"
TOKEN = "kill-token"
MODEL_BODY = "## Hand-off\n\n- [ ] Parametrize model inputs\n- [ ] Define API schema\n"


def _copy_db(src: Path, dst: Path) -> Path:
    for suffix in ("", "-wal"):
        if Path(f"{src}{suffix}").exists():
            shutil.copyfile(f"{src}{suffix}", f"{dst}{suffix}")
    return dst


def _sync_in_process(db: Path, api_url: str | None = None) -> None:
    store = open_store(db)
    try:
        report = sync_repos(store, token=TOKEN, api_url=api_url, sleep=lambda _s: None)
        assert all(r.ok for r in report.repos), [r.error for r in report.repos]
    finally:
        store.dispose()


def _tracked_db(path: Path, api_url: str | None) -> Path:
    store = open_store(path)
    with store.session(write=True) as s:
        ensure_repo(s, REPO, **({"api_url": api_url} if api_url else {}))
    store.dispose()
    return path


# -- kills while reading pages -------------------------------------------------------------------


def _kill_during_pages(
    tmp_path: Path, size: int, kills: int, seed: int, config: pytest.Config
) -> None:
    with FakeGitHub(tokens={TOKEN}) as fake:
        fake.bulk_generate(REPO, size, seed=seed)
        base = _tracked_db(tmp_path / "base.db", fake.base_url)
        ref = _copy_db(base, tmp_path / "ref.db")
        fake.reset_log()
        _sync_in_process(ref)
        total = len(fake.requests)
        expected = snapshot(ref)
        assert len(expected["issue"]) == size

        rng = random.Random(seed)
        moments = sorted(rng.sample(range(1, total + 1), min(kills, total)))
        env = env_with(TOKEN)
        done = 0
        for k in moments:
            db = _copy_db(base, tmp_path / f"k{k}.db")
            rc, _out, err, _seen = sync_killed_after(fake, k, ["sync", "--db", str(db)], env)
            assert rc == -signal.SIGKILL, (k, rc, err)
            assert integrity(db) == "ok"
            _sync_in_process(db)
            assert integrity(db) == "ok"
            problems = diff(snapshot(db), expected)
            assert not problems, (k, problems)
            done += 1
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
        figures(
            config,
            f"kill-pages-{size}",
            kills=done,
            moments=",".join(map(str, moments)),
            requests_per_sync=total,
            converged=done,
        )


def test_sigkill_during_pages_then_resume_converges(
    tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    _kill_during_pages(tmp_path, 2_000, 12, seed=20, config=pytestconfig)


@pytest.mark.slow
def test_sigkill_during_pages_of_10k_items_converges(
    tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    _kill_during_pages(tmp_path, 10_000, 20, seed=21, config=pytestconfig)


# -- kills while pushing the outbox --------------------------------------------------------------


def _world(fake: FakeGitHub, size: int) -> dict[str, int]:
    fake.bulk_generate(REPO, size, seed=9)
    n = {
        "ask": fake.add_issue(REPO, "Reduce churn", labels=["Ask"])["number"],
        "x1": fake.add_issue(REPO, "GBM", labels=["Experiment", "failed"])["number"],
        "x2": fake.add_issue(REPO, "LSTM", labels=["Experiment", "on hold"])["number"],
        "x3": fake.add_issue(REPO, "Rules", labels=["Experiment"])["number"],
        "model": fake.add_issue(REPO, "Ship GBM", body=MODEL_BODY, labels=["Model"])["number"],
    }
    return n


def _queue_entries(db: Path, n: dict[str, int]) -> list[tuple[str, str, int | None]]:
    store = open_store(db)
    out: list[tuple[str, str, int | None]] = []
    with store.session(write=True) as s:
        repo = get_repo(s, REPO)
        assert repo.id is not None
        for key, status in (("x1", "succeeded"), ("x2", "failed"), ("x3", "on-hold")):
            e = record_outcome(
                s, repo, n[key], status=status, tldr=f"{key} done", metrics={"auc": 0.8}
            )
            out.append((e.id, "outcome", n[key]))
        so = record_signoff(s, repo, gate="data", stakeholder="Dana", decision="approved")
        out.append((so.id, "signoff", None))
        ms = record_model_status(s, repo, n["model"], status="staging", version="0.1.0")
        out.append((ms.id, "model", n["model"]))
        seed_checklist(s, repo.id, n["model"], [("Parametrize model inputs", False)])
        change_checklist(s, repo, n["model"], check="Parametrize")
        change_checklist(s, repo, n["model"], check="Named operations owner")
    store.dispose()
    return out


def _asks(fake: FakeGitHub) -> list[int]:
    """Every Ask on the server: a project-level sign-off is posted on one of them."""
    asks = []
    for number in range(1, 100_000):
        try:
            issue = fake.issue(REPO, number)
        except Exception:
            break
        if any(lab["name"] == "Ask" for lab in issue["labels"]):
            asks.append(number)
    return asks


def _marker_counts(
    fake: FakeGitHub, entries: list[tuple[str, str, int | None]], asks: list[int]
) -> list[int]:
    return [
        sum(
            fake.count_comments(REPO, number, contains=make_marker(kind, entry_id))
            for number in ([issue] if issue else asks)
        )
        for entry_id, kind, issue in entries
    ]


def test_sigkill_during_pushes_never_loses_or_duplicates(
    tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    size, kills, rng = 2_000, 10, random.Random(40)
    with FakeGitHub(tokens={TOKEN}) as killed, FakeGitHub(tokens={TOKEN}) as clean:
        n = _world(killed, size)
        assert _world(clean, size) == n  # two identical servers: one gets killed runs
        db = _tracked_db(tmp_path / "mirror.db", None)
        _sync_in_process(db, killed.base_url)
        entries = _queue_entries(db, n)
        asks = _asks(killed)
        ids = sorted(i for i, _state in outbox_rows(db))  # 5 comment kinds + 2 checklist
        assert len(ids) == 7
        ref = _copy_db(db, tmp_path / "ref.db")
        _sync_in_process(ref, clean.base_url)
        assert {state for _id, state in outbox_rows(ref)} == {"sent"}

        env = env_with(TOKEN)
        args = ["sync", "--db", str(db), "--api-url", killed.base_url]
        done = 0
        moments = []
        for _round in range(kills):
            # Request 1 is the repository read; the push follows. Kill within the push.
            k = rng.randint(2, 7)
            rc, _out, err, seen = sync_killed_after(killed, k, args, env)
            if seen < k:  # the push finished and the run ended before the k-th request
                assert rc == 0, err
                break
            assert rc == -signal.SIGKILL, (k, rc, err)
            moments.append(k)
            done += 1
            assert integrity(db) == "ok"
            rows = outbox_rows(db)
            assert sorted(i for i, _s in rows) == ids  # none lost, none added
            assert max(_marker_counts(killed, entries, asks)) <= 1  # none posted twice
        proc = subprocess.run(dslp(args), env=env, capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stderr
        assert integrity(db) == "ok"
        assert outbox_rows(db) == outbox_rows(ref)  # every entry sent, exactly these
        counts = _marker_counts(killed, entries, asks)
        assert counts == [1, 1, 1, 1, 1]  # comment kinds: each on GitHub exactly once
        assert _marker_counts(clean, entries, asks) == counts
        for key in ("x1", "x2", "x3", "model"):
            names = [
                [lab["name"] for lab in f.issue(REPO, n[key])["labels"]] for f in (killed, clean)
            ]
            assert names[0] == names[1] and len(set(names[0])) == len(names[0])
            assert killed.issue(REPO, n[key])["body"] == clean.issue(REPO, n[key])["body"]
        bases = [killed.base_url, clean.base_url]  # html_url fields name the server
        problems = diff(snapshot(db, bases), snapshot(ref, bases))
        assert not problems, problems
        writes = sum(r.method in ("POST", "PATCH", "DELETE") for r in killed.requests)
        figures(
            pytestconfig,
            "kill-push",
            kills=done,
            moments=",".join(map(str, moments)),
            entries=len(ids),
            lost=len(ids) - len(outbox_rows(db)),
            duplicates=sum(c - 1 for c in counts if c > 1),
            writes_seen=writes,
        )


# -- kills while migrating -----------------------------------------------------------------------


def _old_mirror(path: Path, issues: int) -> None:
    """A mirror written by the first migration (0001), holding real-looking rows."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade_to_head(engine, "0001")
    with engine.begin() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.execute(
            "INSERT INTO repository (full_name, default_branch, added_at) "
            "VALUES ('o/r', 'main', '2026-01-01 00:00:00')"
        )
        raw.executemany(
            "INSERT INTO issue (repo_id, number, title, body, state, labels, comments_count, "
            "is_pull_request, ask_refs, experiment_refs, kind, phase, created_at, updated_at) "
            "VALUES (1, ?, ?, ?, ?, ?, 0, 0, '[]', '[]', ?, ?, ?, ?)",
            [
                (
                    i,
                    f"issue {i}",
                    "x" * 200,
                    "open" if i % 3 else "closed",
                    '["Experiment"]',
                    "experiment",
                    "experiment",
                    "2025-01-01 00:00:00",
                    "2025-02-01 00:00:00",
                )
                for i in range(1, issues + 1)
            ],
        )
    engine.dispose()


def _issue_rows(path: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT * FROM issue ORDER BY number").fetchall()
    finally:
        conn.close()


def test_sigkill_during_migration_keeps_schema_and_rows(
    tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    template = tmp_path / "old.db"
    _old_mirror(template, 20_000)
    before = _issue_rows(template)
    env = env_with(None)

    # Seeded kill moments spread over one uninterrupted upgrade's span (the only timer use).
    probe = _copy_db(template, tmp_path / "probe.db")
    started = time.monotonic()
    done = subprocess.run(dslp(["status", "--db", str(probe)]), env=env, capture_output=True)
    span = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    rng = random.Random(60)
    outcomes = {"0001": 0, HEAD_REVISION: 0}
    kills = 0
    for i in range(8):
        db = _copy_db(template, tmp_path / f"m{i}.db")
        proc = subprocess.Popen(
            dslp(["status", "--db", str(db)]),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            proc.wait(timeout=rng.uniform(0.05, span))
        except subprocess.TimeoutExpired:
            proc.kill()
        proc.communicate(timeout=60)
        kills += proc.returncode == -signal.SIGKILL
        assert integrity(db) == "ok"
        engine = make_engine(f"sqlite:///{db}", create=False)
        try:
            revision = current_revision(engine)
        finally:
            engine.dispose()
        assert revision in outcomes, revision
        outcomes[revision] += 1
        conn = sqlite3.connect(str(db))
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
        # All or nothing: the new table exists exactly when the version says so.
        assert ("phaseevent" in tables) == (revision == HEAD_REVISION), (revision, tables)
        assert _issue_rows(db) == before
        store = open_store(db)  # the next open finishes the upgrade
        try:
            assert current_revision(store.engine) == HEAD_REVISION
        finally:
            store.dispose()
        assert _issue_rows(db) == before
        assert integrity(db) == "ok"
    assert kills >= 1
    figures(
        pytestconfig,
        "kill-migration",
        runs=8,
        kills=kills,
        left_at_0001=outcomes["0001"],
        left_at_head=outcomes[HEAD_REVISION],
        rows_lost=0,
    )
