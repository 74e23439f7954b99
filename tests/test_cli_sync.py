"""`dslp repo` and `dslp sync` end to end, the way cron runs them (no TTY)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dslp_tui.cli import main
from tests.fakegithub import FakeGitHub, Fault

TOKEN = "test-token"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "m.db")


def test_add_sync_and_status(
    fake: FakeGitHub, db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.add_repo("acme/churn")
    fake.bulk_generate("acme/churn", 120, seed=1)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    code, out, _ = run(capsys, "repo", "add", "acme/churn", "--db", db)
    assert code == 0 and "dslp sync acme/churn" in out
    code, out, err = run(capsys, "sync", "--db", db, "--api-url", fake.base_url)
    assert code == 0, err
    assert "acme/churn: ok (120 new, 0 updated)" in out
    assert out.strip().splitlines()[-1].startswith("synced 1/1 repos")
    code, out, _ = run(capsys, "sync", "--db", db, "--api-url", fake.base_url)
    assert code == 0 and "0 new, 0 updated" in out
    code, out, _ = run(capsys, "status", "--db", db, "--json")
    project = json.loads(out)["projects"][0]
    assert project["issues"] + project["pull_requests"] == 120
    assert project["last_synced"] is not None
    code, out, _ = run(capsys, "repo", "list", "--db", db)
    assert "acme/churn" in out and "synced just now" in out


def test_failed_repo_exits_1_with_one_line_each(
    fake: FakeGitHub, db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.add_repo("acme/ok")
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    for name in ("acme/ok", "acme/gone"):
        run(capsys, "repo", "add", name, "--db", db, "--api-url", fake.base_url)
    code, out, err = run(capsys, "sync", "--db", db)
    assert code == 1
    assert err.splitlines() == [
        "dslp: acme/gone: /repos/acme/gone not found (404): check the name and the token's access"
    ]
    assert "synced 1/2 repos" in out


def test_no_token_is_one_line(
    fake: FakeGitHub, db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")  # no `gh` to ask
    run(capsys, "repo", "add", "acme/x", "--db", db)
    code, _, err = run(capsys, "sync", "--db", db, "--api-url", fake.base_url)
    assert code == 1 and err.count("\n") == 1 and "set GITHUB_TOKEN" in err


def _mirror_bytes(db: str) -> bytes:
    return b"".join(p.read_bytes() for p in Path(db).parent.glob(Path(db).name + "*"))


def test_bad_token_never_printed(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "ghp_do_not_print_me_0123456789"
    monkeypatch.setenv("GITHUB_TOKEN", secret)
    with FakeGitHub(tokens={TOKEN}, echo_auth=True) as fake:  # its 401 quotes the bad token
        fake.add_repo("acme/x")
        run(capsys, "repo", "add", "acme/x", "--db", db)
        code, out, err = run(capsys, "sync", "--db", db, "--api-url", fake.base_url)
    assert code == 1 and "401 Bad credentials" in err
    assert secret not in out + err
    assert secret.encode() not in _mirror_bytes(db)


def test_a_token_quoted_back_in_error_replies_is_never_printed_or_stored(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "ghp_quoted_by_a_proxy_0123456789"
    said = "Authorization: token ***"  # the quoted header reaches the user without the token
    monkeypatch.setenv("GITHUB_TOKEN", secret)
    with FakeGitHub(tokens={secret}, echo_auth=True) as fake:
        fake.add_repo("acme/x")
        number = fake.add_issue("acme/x", "GBM", labels=["Experiment"])["number"]
        run(capsys, "repo", "add", "acme/x", "--db", db, "--api-url", fake.base_url)
        fake.inject("GET", r"^/repos/acme/x$", Fault.forbidden(), times=None)
        code, out, err = run(capsys, "sync", "--db", db)
        assert code == 1 and "403" in err and said in err, err
        printed = out + err
        fake.clear_faults()
        assert run(capsys, "sync", "--db", db)[0] == 0
        code, out, err = run(
            capsys, "log", f"acme/x#{number}", "--outcome", "failed", "--tldr", "t", "--db", db
        )
        assert code == 0, err
        fake.inject("POST", r"/comments$", Fault.status(422), times=None)
        code, out, err = run(capsys, "sync", "--db", db)
        assert code == 0, err
        printed += out + err
    code, out, err = run(capsys, "outbox", "--json", "--db", db)
    assert code == 0 and said in out, out
    printed += out + err
    assert secret not in printed
    assert secret.encode() not in _mirror_bytes(db)


def test_repo_add_rejects_bad_names_and_paths(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "repo", "add", "not a repo", "--db", db)
    assert code == 2 and "is not OWNER/NAME" in err
    code, _, err = run(capsys, "repo", "add", "a/b", "--path", str(tmp_path), "--db", db)
    assert code == 2 and "is not a git clone" in err


def test_repo_remove_needs_yes_when_not_interactive(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "repo", "add", "a/b", "--db", db)
    code, _, err = run(capsys, "repo", "remove", "a/b", "--db", db)
    assert code == 2 and "--yes" in err
    code, out, _ = run(capsys, "repo", "remove", "a/b", "--yes", "--db", db)
    assert code == 0 and "removed a/b" in out
    code, out, _ = run(capsys, "repo", "list", "--db", db)
    assert "No repositories tracked" in out


def test_adding_a_tracked_repo_in_other_capitals_keeps_one(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "repo", "add", "acme/churn", "--db", db)
    code, _, err = run(capsys, "repo", "add", "ACME/Churn", "--db", db)
    assert code == 0, err
    code, out, _ = run(capsys, "repo", "list", "--db", db)
    assert [line.split()[0] for line in out.strip().splitlines()] == ["acme/churn"]
    code, out, err = run(capsys, "board", "ACME/CHURN", "--db", db, "--json")
    assert code == 0, err
    assert json.loads(out)["repo"] == "acme/churn"


@pytest.mark.parametrize("url", ["not a url", "http://[::1", "ftp://host", "http://host:abc"])
def test_a_bad_api_url_is_one_line_before_anything_is_stored_or_sent(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    code, _, err = run(capsys, "repo", "add", "acme/x", "--db", db, "--api-url", url)
    assert code == 2 and "is not a GitHub API address" in err and len(err.splitlines()) == 1
    run(capsys, "repo", "add", "acme/x", "--db", db)
    code, out, err = run(capsys, "sync", "--db", db, "--api-url", url)
    assert code == 2 and out == "" and len(err.splitlines()) == 1


def test_a_bad_stored_api_url_fails_its_repo_only(
    fake: FakeGitHub, db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from store.db import open_store
    from store.mirror import ensure_repo

    fake.add_repo("acme/good")
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    run(capsys, "repo", "add", "acme/good", "--db", db, "--api-url", fake.base_url)
    store = open_store(db)
    with store.session(write=True) as s:  # as a mirror from before addresses were checked
        ensure_repo(s, "acme/bad", api_url="not a url")
    store.dispose()
    code, out, _ = run(capsys, "sync", "--db", db)
    assert code == 1
    assert "acme/good: ok" in out
    assert "acme/bad: FAILED: 'not a url' is not a GitHub API address" in out


def test_an_unreachable_server_fails_at_once_with_one_line(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    run(capsys, "repo", "add", "acme/x", "--db", db)
    code, out, err = run(capsys, "sync", "--db", db, "--api-url", f"http://127.0.0.1:{port}")
    assert code == 1
    assert f"cannot reach GitHub at 127.0.0.1:{port} (connection refused)" in err
    assert "Waiting" not in out and "retrying" not in out + err  # no back-off offline


def test_usage_errors_are_one_line(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["sync", "--max-wait", "nan"], ["sync", "--max-wait", "-5"], ["bogus"]):
        with pytest.raises(SystemExit) as exited:
            main(args)
        err = capsys.readouterr().err
        assert exited.value.code == 2 and len(err.splitlines()) == 1 and "--help" in err, err
