"""The token never leaks: after `dslp sync` and `dslp labels apply` fail in every way (401, 403,
5xx, dropped connections, unreachable port, a rate limit beyond --max-wait, and a server that
echoes the Authorization header back in its error messages), the token is in no output and no
file; the mirror, its WAL, the lock file and the data folder are private to the user."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest

from tests.fakegithub import FakeGitHub, Fault
from tests.hard_helpers import env_with, figures, run_dslp

SECRET = "ghp_S3cr3tT0kenThatMustNeverLeak0123456789"
REPO = "acme/secret"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _echo(code: int) -> Fault:
    """A proxy that reflects the request's credentials in its error body."""
    return Fault.status(code, {"message": f"rejected header Authorization: token {SECRET}"})


def test_the_token_appears_in_no_output_and_no_file(
    tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    data = tmp_path / "data"
    env = env_with(SECRET, DSLP_DATA_DIR=str(data))
    outputs: list[str] = []
    failures = 0
    with FakeGitHub(tokens={SECRET}) as fake, FakeGitHub(tokens={"someone-else"}) as other:
        fake.add_repo(REPO)
        fake.bulk_generate(REPO, 150, seed=2)
        x = fake.add_issue(REPO, "GBM", labels=["Experiment"])["number"]
        api = ["--api-url", fake.base_url]
        for args in (["repo", "add", REPO, *api], ["sync"]):
            done = run_dslp(args, env)
            assert done.returncode == 0, done.stderr
            outputs += [done.stdout, done.stderr]

        def log_entry() -> None:
            done = run_dslp(["log", f"{REPO}#{x}", "--outcome", "succeeded", "--tldr", "ok"], env)
            assert done.returncode == 0, done.stderr

        closed = f"http://127.0.0.1:{_closed_port()}"
        scenarios: list[tuple[str, list[str], list[tuple[str | None, str, Fault]]]] = [
            ("401 bad credentials", ["sync", "--api-url", other.base_url], []),
            ("403 forbidden", ["sync"], [("GET", r"^/repos/acme/secret$", Fault.forbidden())]),
            ("5xx every read", ["sync", "--max-wait", "0.5"], [("GET", r".*", Fault.status(502))]),
            ("dropped connections", ["sync", "--max-wait", "0.5"], [("GET", r".*", Fault.drop())]),
            ("unreachable port", ["sync", "--max-wait", "0.5", "--api-url", closed], []),
            (
                "rate limit beyond --max-wait",
                ["sync", "--max-wait", "60"],
                [("GET", r".*", Fault.rate_limited(reset_in=3600))],
            ),
            ("500 echoing the token", ["sync", "--max-wait", "0.5"], [("GET", r".*", _echo(500))]),
            ("403 echoing the token", ["sync"], [("GET", r"^/repos/", _echo(403))]),
            ("push: 422 echoing the token", ["sync"], [("POST", r"/comments$", _echo(422))]),
            ("push: 500 echoing the token", ["sync"], [("POST", r"/comments$", _echo(500))]),
            (
                "push: dropped after apply",
                ["sync"],
                [("POST", r".*", Fault.drop(after_apply=True))],
            ),
            ("labels: 401", ["labels", "apply", REPO, "--api-url", other.base_url], []),
            ("labels: 422 echoing", ["labels", "apply", REPO], [("POST", r".*", _echo(422))]),
            ("labels: 403 echoing", ["labels", "apply", REPO], [("GET", r".*", _echo(403))]),
        ]
        for name, args, faults in scenarios:
            if name.startswith("push"):
                log_entry()
            fake.clear_faults()
            for method, path, fault in faults:
                fake.inject(method, path, fault, times=None)
            done = run_dslp(
                args if "--api-url" in args or args[0] == "sync" else [*args, *api], env
            )
            fake.clear_faults()
            outputs += [done.stdout, done.stderr]
            if "422" in name and args[0] == "sync":  # a conflict: the run itself succeeds
                assert done.returncode == 0 and "conflict" in run_dslp(["outbox"], env).stdout
                failures += 1
                continue
            assert done.returncode != 0, (name, done.stdout)
            failures += 1
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            assert lines and all(line.startswith("dslp: ") for line in lines), (name, done.stderr)
            assert "Traceback" not in done.stderr, (name, done.stderr)
        done = run_dslp(["outbox", "--json"], env)  # conflicts and errors as stored
        outputs += [done.stdout, done.stderr]

    leaks = [i for i, text in enumerate(outputs) if SECRET in text]
    assert not leaks, [outputs[i][:300] for i in leaks]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    leaking_files = [p for p in files if SECRET.encode() in p.read_bytes()]
    assert not leaking_files, leaking_files

    db = data / "mirror.db"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    private = [db, Path(f"{db}.sync.lock"), Path(f"{db}-wal"), Path(f"{db}-shm")]
    for path in private:
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert db.exists() and Path(f"{db}.sync.lock").exists()
    figures(
        pytestconfig,
        "secrets",
        failing_runs=failures,
        outputs_checked=len(outputs),
        files_checked=len(files),
        leaks=len(leaks) + len(leaking_files),
    )


def test_wal_and_shm_are_private_while_a_sync_holds_them(tmp_path: Path) -> None:
    """SQLite creates -wal and -shm itself: they must inherit the mirror's 0600, even under a
    permissive umask."""
    from store.db import open_store

    old = os.umask(0o000)
    try:
        store = open_store(tmp_path / "data" / "mirror.db")
        with store.session(write=True) as s:
            from store.mirror import ensure_repo

            ensure_repo(s, REPO)
        for suffix in ("", "-wal", "-shm"):
            path = Path(f"{store.path}{suffix}")
            assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
        store.dispose()
    finally:
        os.umask(old)
