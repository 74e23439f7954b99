"""The token per API host (#13): github.com's variables never reach an Enterprise host and the
reverse, `gh auth token --hostname HOST` is asked once per host per run, http:// is refused off
loopback, and the token shows in no repr, traceback or crash screen (Textual's shows locals)."""

from __future__ import annotations

import os
import socket
import stat
import traceback
from pathlib import Path

import pytest

from dslp_tui.cli import main
from store.db import Store
from sync.auth import BadApiUrl, Secret, check_api_url, no_token_message, token_for
from sync.engine import sync_repos
from sync.github_api import AuthError, Client
from tests.fakegithub import FakeGitHub

GITHUB = "https://api.github.com"  # classified by host only: never contacted (see below)
GHE = "https://ghe.example.com/api/v3"
TOKEN_VARS = ("GITHUB_TOKEN", "GH_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN")
CRASH_TOKEN = "ghp_CrashScreenMustNotShowThis0123456789"

# A stand-in for the GitHub CLI: a real executable that logs each call (with any token variable
# it was given) and knows a login for some hosts only, as `gh auth token --hostname HOST` does.
FAKE_GH = """#!/bin/sh
echo "$*|${GITHUB_TOKEN}${GH_TOKEN}${GH_ENTERPRISE_TOKEN}${GITHUB_ENTERPRISE_TOKEN}" >> "%(log)s"
case "$*" in
  "auth token --hostname github.com") echo "gho_gh_github_com" ;;
  "auth token --hostname ghe.example.com") echo "gho_gh_ghe" ;;
  "auth token --hostname 127.0.0.1") echo "gho_gh_loopback" ;;
  *) echo "no oauth token found for $4" >&2; exit 1 ;;
esac
"""


@pytest.fixture(autouse=True)
def no_token_vars(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in TOKEN_VARS:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def gh_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "gh-bin"
    folder.mkdir()
    script = folder / "gh"
    script.write_text(FAKE_GH % {"log": tmp_path / "gh.log"})
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return folder


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests name real hosts (api.github.com, ghe.example.com) to classify them: any
    connection beyond loopback fails the test instead of leaving the machine."""
    real_connect = socket.socket.connect

    def connect(sock: socket.socket, address: object) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not host.startswith(("127.", "::1", "localhost")):
            raise AssertionError(f"a test tried to reach {host}: use the loopback fake")
        real_connect(sock, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)


def gh_calls(tmp_path: Path) -> list[str]:
    log = tmp_path / "gh.log"
    return log.read_text().splitlines() if log.exists() else []


def value(secret: Secret | None) -> str | None:
    return None if secret is None else secret.reveal()


# ----------------------------------------------------------------------- the resolution rule


def test_github_com_takes_github_token_then_gh_token_never_the_enterprise_ones(
    tmp_path: Path,
) -> None:
    empty = str(tmp_path)  # a PATH without gh
    both = {"GITHUB_TOKEN": "ghp_a", "GH_TOKEN": "ghp_b", "PATH": empty}
    assert value(token_for(GITHUB, both)) == "ghp_a"
    assert value(token_for(GITHUB, {"GITHUB_TOKEN": " ", "GH_TOKEN": "ghp_b", "PATH": empty}))
    assert value(token_for(GITHUB, {"GH_TOKEN": "ghp_b", "PATH": empty})) == "ghp_b"
    enterprise = {"GH_ENTERPRISE_TOKEN": "ghe_x", "GITHUB_ENTERPRISE_TOKEN": "ghe_y"}
    assert token_for(GITHUB, {**enterprise, "PATH": empty}) is None
    assert no_token_message(GITHUB) == (
        "no GitHub token: set GITHUB_TOKEN (or GH_TOKEN), or log in with `gh auth login`"
    )


def test_an_enterprise_host_takes_its_own_variables_never_github_token(tmp_path: Path) -> None:
    empty = str(tmp_path)
    github_vars = {"GITHUB_TOKEN": "ghp_a", "GH_TOKEN": "ghp_b", "PATH": empty}
    assert token_for(GHE, github_vars) is None
    both = {**github_vars, "GH_ENTERPRISE_TOKEN": "ghe_x", "GITHUB_ENTERPRISE_TOKEN": "ghe_y"}
    assert value(token_for(GHE, both)) == "ghe_x"
    assert value(token_for(GHE, {"GITHUB_ENTERPRISE_TOKEN": "ghe_y", "PATH": empty})) == "ghe_y"
    found = token_for(GHE, both)
    assert found is not None and found.host == "ghe.example.com"
    assert no_token_message(GHE) == (
        "no GitHub token for ghe.example.com: set GH_ENTERPRISE_TOKEN (or "
        "GITHUB_ENTERPRISE_TOKEN), or log in with `gh auth login --hostname ghe.example.com`"
    )


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080", "http://127.9.9.9", "http://localhost:1", "http://[::1]:9"]
)
def test_a_loopback_api_is_a_test_stand_in_for_github_com(tmp_path: Path, url: str) -> None:
    empty = str(tmp_path)
    assert value(token_for(url, {"GITHUB_TOKEN": "ghp_a", "PATH": empty})) == "ghp_a"
    assert value(token_for(url, {"GH_TOKEN": "ghp_b", "PATH": empty})) == "ghp_b"
    assert token_for(url, {"GH_ENTERPRISE_TOKEN": "ghe_x", "PATH": empty}) is None
    assert "set GITHUB_TOKEN (or GH_TOKEN)" in no_token_message(url)


def test_gh_is_asked_for_the_api_host_only_without_any_token_variable(
    tmp_path: Path, gh_dir: Path
) -> None:
    path = str(gh_dir)
    assert value(token_for(GITHUB, {"PATH": path})) == "gho_gh_github_com"
    assert value(token_for(GHE, {"PATH": path, "GITHUB_TOKEN": "ghp_a"})) == "gho_gh_ghe"
    assert token_for("https://other.example.org/api/v3", {"PATH": path}) is None
    env = {"PATH": path, "GH_ENTERPRISE_TOKEN": "", "GH_TOKEN": ""}
    assert value(token_for("http://127.0.0.1:5000", env)) == "gho_gh_loopback"
    assert gh_calls(tmp_path) == [  # gh never sees a token variable, so it answers per host
        "auth token --hostname github.com|",
        "auth token --hostname ghe.example.com|",
        "auth token --hostname other.example.org|",
        "auth token --hostname 127.0.0.1|",
    ]
    assert token_for(GITHUB, {"PATH": str(tmp_path / "nothing")}) is None  # no gh at all


def test_the_client_refuses_a_token_looked_up_for_another_host(tmp_path: Path) -> None:
    github_token = token_for(GITHUB, {"GITHUB_TOKEN": "ghp_github_only", "PATH": str(tmp_path)})
    assert github_token is not None
    with pytest.raises(AuthError) as refused:
        Client(GHE, github_token)
    message = str(refused.value)
    assert "ghp_github_only" not in message and "\n" not in message
    assert "never sent to ghe.example.com" in message and "GH_ENTERPRISE_TOKEN" in message
    ghe_token = token_for(GHE, {"GH_ENTERPRISE_TOKEN": "ghe_only", "PATH": str(tmp_path)})
    assert ghe_token is not None
    with pytest.raises(AuthError):
        Client(GITHUB, ghe_token)
    Client(GHE, ghe_token).close()  # its own host, and an explicit token anywhere
    Client(GHE, "explicit").close()


# ----------------------------------------------------------------------- http:// off loopback


@pytest.mark.parametrize(
    "url",
    ["http://ghe.example.com/api/v3", "http://localhost.evil.example", "http://127.0.0.1.nip.io"],
)
def test_http_is_refused_off_loopback_in_one_line(url: str) -> None:
    with pytest.raises(BadApiUrl) as refused:
        check_api_url(url)
    message = str(refused.value)
    assert "\n" not in message and "use https://" in message


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080", "http://127.1.2.3/api/v3", "http://localhost:3000", "http://[::1]:9"],
)
def test_http_is_accepted_on_loopback(url: str) -> None:
    assert check_api_url(url + "/") == url


def test_http_enterprise_url_is_refused_by_repo_add_sync_and_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(tmp_path / "m.db")
    http = "http://ghe.example.com/api/v3"
    monkeypatch.setenv("GH_ENTERPRISE_TOKEN", "ghe_never_sent_in_clear")
    for args in (["repo", "add", "corp/x", "--api-url", http], ["sync", "--api-url", http]):
        assert main([*args, "--db", db]) == 2
        out, err = capsys.readouterr()
        assert out == "" and len(err.splitlines()) == 1 and "use https://ghe.example.com" in err
    assert main(["repo", "add", "corp/x", "--db", db]) == 0
    capsys.readouterr()
    monkeypatch.setenv("DSLP_GITHUB_API_URL", http)
    assert main(["sync", "--db", db]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        f"dslp: corp/x: {http!r} would send the token unencrypted: use "
        "https://ghe.example.com/api/v3 (http:// is only for a loopback test server) "
        "(`dslp repo add corp/x --api-url URL`)"
    ]


# ----------------------------------------------------------------------- end to end


def test_two_hosts_one_without_a_token_fails_alone_and_gh_is_asked_once_per_host(
    tmp_path: Path,
    gh_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two fake servers: 127.0.0.1 (gh knows a login for it) with two repos, and `localhost`
    (gh knows none). An Enterprise token in the environment goes to neither: loopback takes
    github.com's variables only."""
    db = str(tmp_path / "m.db")
    no_gh = [p for p in os.environ.get("PATH", "").split(os.pathsep) if not Path(p, "gh").exists()]
    monkeypatch.setenv("PATH", os.pathsep.join([str(gh_dir), *no_gh]))
    monkeypatch.setenv("GH_ENTERPRISE_TOKEN", "ghe_not_for_loopback")
    with (
        FakeGitHub(tokens={"gho_gh_loopback"}) as known,
        FakeGitHub(tokens={"ghe_not_for_loopback"}) as unknown,
    ):
        for name in ("acme/one", "acme/two"):
            known.add_repo(name)
            known.add_issue(name, f"issue of {name}")
            assert main(["repo", "add", name, "--db", db, "--api-url", known.base_url]) == 0
        unknown.add_repo("corp/three")
        localhost = f"http://localhost:{unknown.port}"
        assert main(["repo", "add", "corp/three", "--db", db, "--api-url", localhost]) == 0
        capsys.readouterr()

        code = main(["sync", "--db", db])
        out, err = capsys.readouterr()

        assert code == 1
        assert err.splitlines() == [
            "dslp: corp/three: no GitHub token for localhost: set GITHUB_TOKEN (or GH_TOKEN), "
            "or log in with `gh auth login --hostname localhost`"
        ]
        assert "acme/one: ok (1 new, 0 updated)" in out
        assert "acme/two: ok (1 new, 0 updated)" in out
        assert out.strip().splitlines()[-1].startswith("synced 2/3 repos")
        assert unknown.requests == []  # nothing, not even the Enterprise token, went there
        sent = {r.headers.get("authorization") for r in known.requests}
        assert sent == {"token gho_gh_loopback"}
    assert gh_calls(tmp_path) == [  # once per host, for both of 127.0.0.1's repos
        "auth token --hostname 127.0.0.1|",
        "auth token --hostname localhost|",
    ]


# ----------------------------------------------------------------------- no token in any output


def _textual_crash_screen() -> str:
    """What Textual's App._fatal_error renders for the exception being handled."""
    import rich
    from rich.console import Console
    from rich.traceback import Traceback

    trace = Traceback(show_locals=True, width=None, locals_max_length=5, suppress=[rich])
    console = Console(record=True, width=200, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(trace)
    console.file.close()
    return console.export_text()


def _stdlib_traceback(exc: BaseException) -> str:
    te = traceback.TracebackException(type(exc), exc, exc.__traceback__, capture_locals=True)
    return "".join(te.format())


def test_the_client_repr_and_crash_screens_never_show_the_token(fake: FakeGitHub) -> None:
    client = Client(fake.base_url, CRASH_TOKEN)
    assert CRASH_TOKEN not in repr(client) and fake.base_url in repr(client)
    assert str(client.token) == "***" and repr(client.token) == "Secret('***')"
    assert f"{client.token}" == "***" and CRASH_TOKEN not in repr(vars(client))

    def handler_holding_the_client(client: Client) -> None:
        raise RuntimeError("a bug while the client is in scope")

    try:
        handler_holding_the_client(client)
    except RuntimeError as exc:
        screen, plain = _textual_crash_screen(), _stdlib_traceback(exc)
    finally:
        client.close()
    for text in (screen, plain):
        assert "handler_holding_the_client" in text and fake.base_url in text  # locals shown
        assert CRASH_TOKEN not in text


@pytest.mark.parametrize("how", ["environment", "explicit token="])
def test_a_crash_inside_a_sync_shows_no_token_in_any_frame(
    fake: FakeGitHub, store: Store, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """A bug mid-sync (here: in the puller) with the engine's and the client's frames on the
    stack, each showing its locals, as the app's crash screen would."""
    from store.mirror import ensure_repo
    from sync.pull import RepoPuller

    fake.add_repo("acme/crash")
    with store.session(write=True) as s:
        ensure_repo(s, "acme/crash", api_url=fake.base_url)

    def bug(self: RepoPuller) -> None:
        raise RuntimeError("a bug in the puller")

    monkeypatch.setattr(RepoPuller, "pull_repo", bug)
    explicit = how == "explicit token="
    if not explicit:
        monkeypatch.setenv("GITHUB_TOKEN", CRASH_TOKEN)

    def crash() -> tuple[str, str]:
        try:  # the token is read from a global here: no frame of the test itself holds it
            sync_repos(store, token=CRASH_TOKEN if explicit else None, sleep=lambda _s: None)
        except RuntimeError as exc:
            return _textual_crash_screen(), _stdlib_traceback(exc)
        raise AssertionError("the sync did not crash")

    screen, plain = crash()
    for text in (screen, plain):
        assert "_sync_one" in text and "sync_repos" in text and "a bug in the puller" in text
        assert CRASH_TOKEN not in text, text[-3000:]
