"""The `dslp` command: JSON shapes, errors as one line with exit 2, and a lazy start-up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dslp_tui.cli import main
from store.db import Store
from store.rules import PHASES


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_version_imports_no_heavy_module() -> None:
    code = (
        "import sys\n"
        "from dslp_tui.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('github', 'git', 'plotly', 'textual', 'sqlmodel', 'alembic')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["dslp 0.1.0", ""]


def test_status_json_has_the_documented_shape(
    demo_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "status", "--db", str(demo_store.path), "--json")
    assert code == 0
    data = json.loads(out)
    projects = {p["repo"]: p for p in data["projects"]}
    assert set(projects) == {
        "acme/churn-prediction",
        "acme/demand-forecast",
        "acme/fraud-signals",
    }
    for p in projects.values():
        assert set(p) >= {
            "repo",
            "phase",
            "cards",
            "issues",
            "pull_requests",
            "pending_signoffs",
            "outbox_pending",
            "last_synced",
        }
        assert list(p["cards"]) == list(PHASES)
        assert p["phase"] in PHASES
    churn = projects["acme/churn-prediction"]
    assert churn["issues"] == 10 and churn["pull_requests"] == 2
    assert churn["cards"]["experiment"] == 4 and churn["cards"]["data"] == 2
    assert churn["outbox_pending"] == 3
    assert churn["phase"] == "model"
    forecast = projects["acme/demand-forecast"]
    assert forecast["cards"]["monitoring"] == 1 and forecast["cards"]["deploy"] == 1
    assert forecast["phase"] == "monitoring"
    # every phase has cards somewhere in the demo
    assert all(sum(p["cards"][k] for p in projects.values()) for k in PHASES)
    assert projects["acme/fraud-signals"]["last_synced"] is not None


def test_board_json_has_the_documented_shape(
    demo_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "board", "acme/churn-prediction", "--db", str(demo_store.path), "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["repo"] == "acme/churn-prediction"
    assert list(data["columns"]) == list(PHASES)
    card_keys = {"number", "title", "kind", "state", "outcome", "branch", "pending_sync", "draft"}
    cards = {c["number"]: c for col in data["columns"].values() for c in col}
    assert all(set(c) == card_keys for c in cards.values())
    assert cards[5] == {
        "number": 5,
        "title": "Logistic regression baseline",
        "kind": "experiment",
        "state": "closed",
        "outcome": "failed",
        "branch": None,
        "pending_sync": False,
        "draft": None,
    }
    # logged offline: shows its outcome and branch before any sync
    assert cards[11]["pending_sync"] is True and cards[11]["outcome"] == "succeeded"
    assert cards[11]["branch"] == "experiment/11-tabnet"
    assert [c["number"] for c in data["unclassified"]] == [10]
    assert 8 not in cards and 9 not in cards  # PRs are not cards


def test_unknown_repo_is_one_line_and_exit_2(
    demo_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "board", "nobody/nothing", "--db", str(demo_store.path), "--json")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "dslp repo add nobody/nothing" in err


def test_missing_database_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "status", "--db", str(tmp_path / "nope.db"))
    assert code == 2 and err.startswith("dslp: no mirror at") and err.count("\n") == 1
    assert not (tmp_path / "nope.db").exists()


def test_unreadable_database_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("not a database at all\n" * 50)
    code, _, err = run(capsys, "status", "--db", str(junk), "--json")
    assert code == 2 and "cannot open the mirror" in err and err.count("\n") == 1


def test_demo_no_tui_seeds_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "d.db"
    code, out, _ = run(capsys, "demo", "--db", str(db), "--no-tui")
    assert code == 0 and "created" in out and "acme/churn-prediction" in out
    code, out, _ = run(capsys, "demo", "--db", str(db), "--no-tui")
    assert code == 0 and "already seeded" in out


def test_every_subcommand_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    from dslp_tui.cli import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in commands:
        with pytest.raises(SystemExit) as done:
            main([name, "--help"])
        assert done.value.code == 0
        assert "usage: dslp " + name in capsys.readouterr().out


def test_db_before_the_command_is_used_by_it(
    demo_store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "--db", str(demo_store.path), "status", "--json")
    assert code == 0 and len(json.loads(out)["projects"]) == 3
    missing = tmp_path / "nowhere.db"
    code, _, err = run(capsys, "--db", str(missing), "board", "acme/churn-prediction")
    assert code == 2 and str(missing) in err  # not another mirror read in its place


def test_a_damaged_mirror_is_one_line_never_a_traceback(
    demo_store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    demo_store.dispose()
    pristine = demo_store.path.read_bytes()
    page = 4096
    seen: set[str] = set()
    damaged = tmp_path / "damaged.db"
    for start in range(2 * page, len(pristine), page):  # each page in turn, header kept
        data = bytearray(pristine)
        data[start + 8 : start + page - 8] = b"\xa5" * (page - 16)
        damaged.write_bytes(bytes(data))
        for args in (["status", "--json"], ["board", "acme/churn-prediction", "--json"]):
            code, _, err = run(capsys, *args, "--db", str(damaged))
            assert code in (0, 1, 2) and err.count("\n") <= 1, err
            if code:
                seen.add(err.strip())
    assert (
        "dslp: the mirror database: database disk image is malformed: keep a copy of the file "
        "(it holds your unsynced changes) and ask for help"
    ) in seen


def test_a_busy_mirror_says_try_again_not_start_over(
    demo_store: Store, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    monkeypatch.setattr("store.db.BUSY_TIMEOUT_MS", 50)  # the wait itself is not under test
    demo_store.dispose()
    holder = sqlite3.connect(demo_store.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another dslp in the middle of a write
    try:
        code, _, err = run(
            capsys,
            *["log", "acme/churn-prediction#12", "--outcome", "failed", "--tldr", "x"],
            *["--db", str(demo_store.path)],
        )
    finally:
        holder.rollback()
        holder.close()
    assert code == 1 and err.count("\n") == 1
    assert "database is locked: another dslp is writing to it: try again in a moment" in err


def test_an_unknown_database_url_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "status", "--db", "nosuchdb://x")
    assert code == 2 and err.count("\n") == 1
    assert "use a SQLite file (--db PATH) or a postgresql:// URL" in err


def test_a_postgres_server_that_is_not_there_is_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "status", "--db", "postgresql://u@127.0.0.1:1/x")
    assert code == 2 and err.count("\n") == 1
    assert "cannot open the mirror at postgresql://u@127.0.0.1:1/x" in err
    assert "Connection refused" in err


def test_postgres_without_its_driver_names_the_extra(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if the extra were not installed
    code, _, err = run(capsys, "status", "--db", "postgresql://u@127.0.0.1:1/x")
    assert code == 2 and err.count("\n") == 1
    assert "pip install 'dslp-tui[postgres]'" in err


def test_removing_a_repo_counts_conflicts_as_unpushed_work(
    demo_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy import update

    from store.models import OutboxEntry

    with demo_store.session(write=True) as s:
        s.execute(update(OutboxEntry).values(state="conflict"))
    code, _, err = run(
        capsys, "repo", "remove", "acme/churn-prediction", "--db", str(demo_store.path)
    )
    assert code == 2 and "3 offline change(s) not on GitHub" in err


def test_sync_refuses_a_mirror_without_its_lock_file(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    from store.db import Store as OpenStore
    from sync.engine import SyncBusy, sync_lock

    store = OpenStore(engine=create_engine("sqlite://"), url="sqlite://")  # no file to lock
    with pytest.raises(SyncBusy, match="needs a mirror file"), sync_lock(store):
        pass


def test_a_reader_that_stops_early_gets_no_error(store: Store, tmp_path: Path) -> None:
    """`dslp board X --json | head -1`: the pipe closes mid-output, and that is fine."""
    from dslp_tui.demo import _issue
    from store.mirror import ensure_repo, upsert_issues

    with store.session(write=True) as s:
        repo = ensure_repo(s, "big/project")
        assert repo.id is not None
        title = "A title long enough to fill the pipe quickly " * 3
        items = [_issue("big/project", n, title, ["Experiment"]) for n in range(1, 2001)]
        upsert_issues(s, repo.id, items)
    cmd = [sys.executable, "-m", "dslp_tui.cli", "board", "big/project", "--json"]
    proc = subprocess.Popen(
        [*cmd, "--db", str(store.path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline()  # more than a pipe's worth is still to come
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait() == 0 and err == "", err


def test_a_server_database_error_keeps_no_file_advice() -> None:
    import psycopg
    from sqlalchemy.exc import OperationalError

    from dslp_tui.errors import explain_error

    lost = OperationalError(
        "SELECT 1", {}, psycopg.OperationalError("server closed the connection")
    )
    message, code = explain_error(lost)
    assert code == 1 and message is not None
    assert message.endswith("nothing was lost: check the server (and its disk), then try again")
    assert "copy of the file" not in message
