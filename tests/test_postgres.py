"""The team mirror on PostgreSQL (#14; tests marked `postgres`): the same answers as SQLite,
syncs of several processes on one server mirror (the per-repository advisory lock, each outbox
entry claimed once), readers never waiting for a sync's writes, and a sync killed halfway
converging on the next run.

The mirror's own suites run on PostgreSQL too: tests/test_store.py, test_migrations.py,
test_sync.py and test_push_kill.py take both databases (their `postgres`-marked "pg" variants).
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from dslp_tui.cli import main
from store.db import Store, open_store
from store.mirror import ensure_repo
from store.models import OutboxEntry
from store.outbox import claim_entry, record_outcome, record_signoff
from store.repos import get_repo
from store.rules import make_marker
from sync.engine import sync_repos
from tests.fakegithub import FakeGitHub, Fault, RequestRecord
from tests.hard_helpers import diff, dslp, env_with, figures
from tests.pg import typed_snapshot

REPO = "acme/x"
TOKEN = "test-token"  # the `fake` fixture's
MODEL_BODY = "## Hand-off\n\n- [ ] Parametrize model inputs\n- [x] Define API schema\n"
TROUBLE = ("Traceback", "deadlock", "could not serialize", "locked")


def _tracked(url: str, fake: FakeGitHub, *names: str) -> Store:
    store = open_store(url)
    with store.session(write=True) as s:
        for name in names or (REPO,):
            ensure_repo(s, name, api_url=fake.base_url)
    return store


def _sync(store: Store) -> None:
    report = sync_repos(store, token=TOKEN, sleep=lambda _s: None)
    assert report.repos and all(r.ok and not r.skipped for r in report.repos), report.repos


def _pending(store: Store) -> list[tuple[str, str]]:
    with store.session() as s:
        rows = s.execute(select(OutboxEntry.id, OutboxEntry.state)).all()
    return sorted((i, st) for i, st in rows)


# -- the same answers on both databases ----------------------------------------------------------


def _world(fake: FakeGitHub) -> dict[str, int]:
    fake.bulk_generate(REPO, 250, seed=31)
    n = {
        "ask": fake.add_issue(REPO, "Reduce churn", labels=["Ask"])["number"],
        "x1": fake.add_issue(REPO, "GBM", labels=["Experiment"])["number"],
        "x2": fake.add_issue(REPO, "LSTM", labels=["Experiment", "on hold"])["number"],
        "model": fake.add_issue(REPO, "Ship GBM", body=MODEL_BODY, labels=["Model"])["number"],
    }
    fake.add_comment(REPO, n["ask"], "/dslp approve ideation the ask is clear", user="bob")
    fake.put_file(REPO, ".github/dslp.yml", "gates:\n  deploy:\n    approvers: [omar-eng]\n")
    return n


_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)?")
_ENTRY_ID = re.compile(r"\b[0-9a-f]{32}\b")


def _masked(out: str, since: datetime, base: str) -> str:
    """Output with the local clock's stamps (entries logged, last synced) and entry ids masked:
    they differ between two runs. Stamps from GitHub (the fake's clock) are kept."""

    def stamp(m: re.Match[str]) -> str:
        when = datetime.fromisoformat(m.group(0).replace("Z", "+00:00"))
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return "<local clock>" if when >= since else m.group(0)

    return _ENTRY_ID.sub("<entry>", _STAMP.sub(stamp, out.replace(base, "BASE")))


@pytest.mark.postgres
def test_sqlite_and_postgres_mirrors_give_the_same_cli_answers(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One world on two identical fakes, synced and changed offline through the real CLI, one
    mirror on SQLite and one on PostgreSQL: status, board, gates and outbox say the same, and
    every mirrored table holds the same values (PostgreSQL in another time zone, too)."""
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    since = datetime.now(UTC) - timedelta(minutes=1)

    def cli(*args: str) -> str:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        assert code == 0, (args, err)
        return out

    outputs: dict[str, dict[str, str]] = {}
    tables: dict[str, dict[str, list[tuple[Any, ...]]]] = {}
    with FakeGitHub(tokens={TOKEN}) as fake_a, FakeGitHub(tokens={TOKEN}) as fake_b:
        n = _world(fake_a)
        assert _world(fake_b) == n
        for db, fake in ((str(tmp_path / "mirror.db"), fake_a), (pg_url, fake_b)):
            if db == pg_url:  # a server whose sessions are not in UTC must change nothing
                monkeypatch.setenv("PGTZ", "America/New_York")
            at = ["--db", db]
            cli("repo", "add", REPO, "--api-url", fake.base_url, *at)
            cli("sync", *at)
            cli("log", f"{REPO}#{n['x1']}", "--outcome", "succeeded", "--tldr", "AUC 0.81",
                "--metric", "auc=0.81", "--param", "depth=6", *at)  # fmt: skip
            cli("signoff", REPO, "--gate", "data", "--by", "Dana", "--decision", "approved", *at)
            cli("model", f"{REPO}#{n['model']}", "--status", "staging", "--version", "0.1.0", *at)
            cli("checklist", f"{REPO}#{n['model']}", "--check", "1", *at)
            cli("sync", *at)
            cli("log", f"{REPO}#{n['x2']}", "--outcome", "failed", "--tldr", "no lift",
                "--keep-open", *at)  # fmt: skip
            outputs[db] = {
                " ".join(args): _masked(cli(*args, *at), since, fake.base_url)
                for args in (
                    ("status", "--json"),
                    ("board", REPO, "--json"),
                    ("board", REPO, "--json", "--open-only"),
                    ("gates", REPO, "--json"),
                    ("outbox", "--json", "--all"),
                )
            }
            store = open_store(db)
            tables[db] = typed_snapshot(store, [fake.base_url])
            store.dispose()
        a_writes = [(r.method, r.path) for r in fake_a.requests if r.method != "GET"]
        assert a_writes == [(r.method, r.path) for r in fake_b.requests if r.method != "GET"]
    sqlite_out, pg_out = outputs.values()
    for command, out in sqlite_out.items():
        assert pg_out[command] == out, command
    status = json.loads(pg_out["status --json"])["projects"][0]
    assert status["repo"] == REPO and status["outbox_pending"] == 1
    assert status["issues"] > 100 and status["last_synced"] == "<local clock>"
    cards = json.loads(pg_out[f"board {REPO} --json"])["columns"]["experiment"]
    assert {c["number"]: c["outcome"] for c in cards if c["number"] in (n["x1"], n["x2"])} == {
        n["x1"]: "succeeded",
        n["x2"]: "failed",
    }
    sqlite_rows, pg_rows = tables.values()
    local = re.compile(r"^\d{4}-\d\d-\d\dT")  # the local clock's stamps, as in the CLI output

    def settled(snap: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
        def cell(v: Any) -> Any:
            if isinstance(v, str) and local.match(v) and datetime.fromisoformat(v) >= since:
                return "<local clock>"
            return _ENTRY_ID.sub("<entry>", v) if isinstance(v, str) else v

        return {t: sorted((tuple(cell(v) for v in r) for r in rows), key=repr)
                for t, rows in snap.items()}  # fmt: skip

    assert not diff(settled(sqlite_rows), settled(pg_rows))
    assert len(pg_rows["issue"]) > 250 and pg_rows["outbox"]


# -- several processes on one server mirror ------------------------------------------------------


@pytest.mark.postgres
def test_a_repo_another_process_holds_is_skipped_in_one_line(pg_url: str, fake: FakeGitHub) -> None:
    fake.add_repo(REPO)
    x = fake.add_issue(REPO, "GBM", labels=["Experiment"])["number"]
    store = _tracked(pg_url, fake)
    _sync(store)
    with store.session(write=True) as s:
        entry = record_outcome(s, get_repo(s, REPO), x, status="failed", tldr="no lift").id
    fake.reset_log()
    args = ["sync", "--db", pg_url]
    with store.repo_lock(REPO) as mine:  # as another machine's sync would
        assert mine
        proc = subprocess.run(dslp(args), env=env_with(TOKEN), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{REPO} is being synced by another process" in lines[0], lines
    assert f"{REPO}: skipped" in proc.stdout
    assert fake.requests == []  # nothing asked of GitHub for a repo left alone
    assert _pending(store) == [(entry, "pending")]
    proc = subprocess.run(dslp(args), env=env_with(TOKEN), capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert _pending(store) == [(entry, "sent")]
    assert fake.count_comments(REPO, x, contains=make_marker("outcome", entry)) == 1
    store.dispose()


def _two_repo_world(fake: FakeGitHub) -> dict[str, list[int]]:
    out = {}
    for name in ("acme/a", "acme/b"):
        fake.bulk_generate(name, 60, seed=len(out) + 3)
        out[name] = [
            fake.add_issue(name, f"Experiment {k}", labels=["Experiment"])["number"]
            for k in range(3)
        ]
    return out


def _queue(store: Store, world: dict[str, list[int]], round_: int) -> list[tuple[str, str, int]]:
    """An outcome on each experiment and a sign-off per repo: (repo, marker, issue or 0)."""
    queued = []
    with store.session(write=True) as s:
        for name, numbers in world.items():
            repo = get_repo(s, name)
            for x in numbers:
                e = record_outcome(s, repo, x, status="failed", tldr=f"round {round_}")
                queued.append((name, make_marker("outcome", e.id), x))
            so = record_signoff(s, repo, gate="data", stakeholder="Dana", decision="approved")
            queued.append((name, make_marker("signoff", so.id), 0))
    return queued


def _landed(fake: FakeGitHub, world: dict[str, list[int]], marker: str, name: str, x: int) -> int:
    numbers = [x] if x else range(1, max(world[name]) + 1)  # a sign-off goes on some issue
    return sum(fake.count_comments(name, n, contains=marker) for n in numbers)


@pytest.mark.postgres
def test_two_syncs_on_one_server_mirror_push_each_entry_once(
    pg_url: str, fake: FakeGitHub, pytestconfig: pytest.Config
) -> None:
    """First with a forced overlap (the first process is held inside acme/a's first request
    while the second runs whole), then twice started at the same moment."""
    world = _two_repo_world(fake)
    store = _tracked(pg_url, fake, *world)
    _sync(store)
    env = env_with(TOKEN)
    cmd = dslp(["sync", "--db", pg_url])
    held, release = threading.Event(), threading.Event()

    def hold(_record: RequestRecord) -> None:
        held.set()
        release.wait()

    queued: list[tuple[str, str, int]] = []
    skipped = 0
    for round_ in range(3):
        queued += _queue(store, world, round_)
        if round_ == 0:
            fake.inject("GET", r"^/repos/acme/a$", Fault.after(hold))
            first = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                held.wait()
                second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
            finally:
                release.set()
            out, err = first.communicate(timeout=120)
            results = [(first.returncode, out.decode(), err.decode())]
            results.append((second.returncode, second.stdout, second.stderr))
            assert "acme/a is being synced by another process" in second.stderr, second.stderr
            assert "acme/b: ok" in second.stdout and "acme/a: ok" in results[0][1]
        else:
            procs = [
                subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for _ in range(2)
            ]
            results = []
            for p in procs:
                out, err = p.communicate(timeout=120)
                results.append((p.returncode, out.decode(), err.decode()))
        for code, out, err in results:
            assert code == 0, err
            assert not any(word in out + err for word in TROUBLE), err
            assert "FAILED" not in out, out
        for name in world:  # every repo was synced by one of them, at least
            assert any(f"{name}: ok" in out for _c, out, _e in results), results
        skipped += sum(out.count(": skipped") for _c, out, _e in results)
        counts = [_landed(fake, world, marker, name, x) for name, marker, x in queued]
        assert counts == [1] * len(queued), counts
        assert {state for _i, state in _pending(store)} == {"sent"}
    store.dispose()
    figures(pytestconfig, "pg-two-syncs", rounds=3, entries=len(queued), skipped=skipped)


@pytest.mark.postgres
def test_a_claimed_entry_is_skipped_by_another_session_without_waiting(
    pg_store: Store, fake: FakeGitHub
) -> None:
    fake.add_repo(REPO)
    x = fake.add_issue(REPO, "GBM", labels=["Experiment"])["number"]
    with pg_store.session(write=True) as s:
        ensure_repo(s, REPO, api_url=fake.base_url)
    _sync(pg_store)
    with pg_store.session(write=True) as s:
        entry = record_outcome(s, get_repo(s, REPO), x, status="failed", tldr="t").id
    other = open_store(pg_store.url)
    try:
        with pg_store.session(write=True) as first:
            assert claim_entry(first, entry, in_flight=True) == ("pending", None)
            with other.session(write=True) as second:  # a lock wait would fail, not hang
                second.execute(text("SET LOCAL lock_timeout = '20s'"))
                assert claim_entry(second, entry, in_flight=True) is None
        with other.session(write=True) as second:  # committed in flight: claimable again
            assert claim_entry(second, entry, in_flight=True) == ("in_flight", None)
    finally:
        other.dispose()
