"""`dslp sync --watch INTERVAL`: the team server's schedule, one sync per interval until stopped."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest

from dslp_tui.cli import main
from tests.fakegithub import FakeGitHub
from tests.hard_helpers import dslp, env_with


def test_watch_syncs_then_waits_and_stops_cleanly(fake: FakeGitHub, tmp_path: Path) -> None:
    fake.add_repo("acme/churn")
    fake.add_issue("acme/churn", "Reduce churn", labels=["Ask"])
    db = str(tmp_path / "m.db")
    env = env_with("test-token")
    added = subprocess.run(
        dslp(["repo", "add", "acme/churn", "--api-url", fake.base_url, "--db", db]),
        env=env,
        capture_output=True,
        text=True,
    )
    assert added.returncode == 0, added.stderr
    proc = subprocess.Popen(
        dslp(["sync", "--watch", "1h", "--db", db]),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:  # the first sync, then its announcement of the next one
            lines.append(line.rstrip())
            if line.startswith("next sync in"):
                break
        assert any(line.startswith("synced 1/1 repos") for line in lines), lines
        assert lines[-1] == "next sync in 60 min (ctrl+c stops)"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert out.strip().endswith("stopped watching") and err == ""


@pytest.mark.parametrize("value", ["30s", "0", "5x", "1d", "1.5h"])
def test_watch_intervals_under_a_minute_or_malformed_are_one_line(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["sync", "--watch", value, "--db", str(tmp_path / "m.db")])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1
    assert "an interval of a minute or more" in err
