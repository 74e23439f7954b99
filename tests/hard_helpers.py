"""Shared helpers of the hardening tests (tests/test_hard_*.py): table snapshots that ignore
volatile columns, the real `dslp` command in a subprocess, SIGKILL after the k-th request the
fake GitHub answered, and one figures line per test printed even without `-s`."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.fakegithub import FakeGitHub, Fault, RequestRecord

ROOT = Path(__file__).resolve().parents[1]

# Tables compared between a killed-then-resumed mirror and an uninterrupted one, with the
# columns that may legitimately differ: surrogate ids (insertion order changes with resume),
# local clocks, counters of attempts. Sync cursors and the audit trail are left out entirely.
COMPARED: dict[str, set[str]] = {
    "repository": {"id", "added_at", "last_synced_at"},
    "issue": {"id"},
    "label": {"id"},
    "comment": {"id"},
    "branch": {"id"},
    "signoff": set(),
    "experimentoutcome": set(),
    "modelstatus": set(),
    "checklistitem": {"id", "updated_at"},
    "outbox": {"attempts", "updated_at", "sent_at", "last_error"},
}


def snapshot(db: Path | str, bases: Iterable[str] = ()) -> dict[str, list[tuple[Any, ...]]]:
    """Every compared table as a sorted list of rows (surrogate keys resolved to names)."""
    bases = list(bases)

    def norm(value: Any) -> Any:
        if isinstance(value, str):
            for base in bases:
                value = value.replace(base, "BASE")
        return value

    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        out: dict[str, list[tuple[Any, ...]]] = {}
        for table, skip in COMPARED.items():
            name = "outboxentry" if table == "outbox" else table
            if name not in tables:
                continue
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({name})") if r[1] not in skip]
            rows = conn.execute(f"SELECT {', '.join(cols)} FROM {name}").fetchall()
            out[table] = sorted((tuple(norm(v) for v in row) for row in rows), key=repr)
        out["issuelabel"] = sorted(
            conn.execute(
                "SELECT i.number, l.name FROM issuelabel il JOIN issue i ON i.id = il.issue_id "
                "JOIN label l ON l.id = il.label_id"
            ).fetchall()
        )
        return out
    finally:
        conn.close()


def diff(a: dict[str, list[Any]], b: dict[str, list[Any]]) -> list[str]:
    """Human-readable differences between two snapshots (empty when equal)."""
    problems = []
    for table in sorted(set(a) | set(b)):
        left, right = set(a.get(table, [])), set(b.get(table, []))
        if len(a.get(table, [])) != len(b.get(table, [])) or left != right:
            only_a, only_b = sorted(left - right, key=repr), sorted(right - left, key=repr)
            problems.append(
                f"{table}: {len(a.get(table, []))} vs {len(b.get(table, []))} rows; "
                f"only left {only_a[:2]!r}; only right {only_b[:2]!r}"
            )
    return problems


def integrity(db: Path | str) -> str:
    conn = sqlite3.connect(str(db))
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def outbox_rows(db: Path | str) -> list[tuple[str, str]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return sorted(conn.execute("SELECT id, state FROM outboxentry").fetchall())
    finally:
        conn.close()


def env_with(token: str | None = None, **extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **extra}
    for var in ("GITHUB_TOKEN", "GH_TOKEN"):
        env.pop(var, None)
    if token is not None:
        env["GITHUB_TOKEN"] = token
    env["PATH"] = os.pathsep.join(  # no `gh` on the PATH: the token comes from the env only
        p for p in env.get("PATH", "").split(os.pathsep) if not Path(p, "gh").exists()
    )
    return env


def dslp(args: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "dslp_tui.cli", *args]


def add_repos_at_once(db: str, env: dict[str, str], n: int = 3) -> None:
    """`dslp repo add` of n repos in n processes started together; each must succeed."""
    procs = [
        subprocess.Popen(
            dslp(["repo", "add", f"acme/r{j}", "--db", db]),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for j in range(n)
    ]
    for p in procs:
        _out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err


def run_dslp(
    args: Sequence[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        dslp(args), env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def sync_killed_after(
    fake: FakeGitHub, k: int, args: Sequence[str], env: dict[str, str]
) -> tuple[int, str, str, int]:
    """Run `dslp sync ...` and SIGKILL it right after the server applied its k-th request.

    The k-th request is processed (a write lands on the server) and its reply never leaves:
    the process dies waiting for it. Returns (returncode, stdout, stderr, requests answered).
    """
    proc = subprocess.Popen(
        dslp(args), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    seen = [0]
    lock = threading.Lock()

    def count(_record: RequestRecord) -> None:
        with lock:
            seen[0] += 1
            if seen[0] == k:
                os.kill(proc.pid, signal.SIGKILL)
                raise RuntimeError("killed")  # no reply at all for this request

    fake.clear_faults()
    fake.inject(None, r".*", Fault.after(count), times=None)
    try:
        out, err = proc.communicate(timeout=180)
    finally:
        fake.clear_faults()
        fake.errors.clear()  # the RuntimeError above is logged there on purpose
    return proc.returncode, out, err, seen[0]


def figures(config: pytest.Config, name: str, **values: Any) -> str:
    """One line of figures, written to the terminal even when output is captured."""
    line = f"FIGURES {name}: " + ", ".join(f"{k}={v}" for k, v in values.items())
    capman = config.pluginmanager.getplugin("capturemanager")
    if capman is not None:
        with capman.global_and_fixture_disabled():
            print("\n" + line, flush=True)
    else:
        print(line)
    return line
