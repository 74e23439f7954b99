"""`dslp serve`: the page, sessions over the websocket as textual-serve's page opens them, the
token, loopback rules, the session limit, the guest's environment, and read-only sessions."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from dslp_tui import cli
from dslp_tui.serve import check_access
from dslp_tui.serve_env import child_env, is_loopback_host
from store.db import Store
from store.models import OutboxEntry
from sync.auth import DEFAULT_API_URL, token_for
from tests.app_helpers import SIZE, app_for, open_board, settle

try:
    import aiohttp

    from dslp_tui import serve_web
    from tests.serve_client import DEMO_PROJECTS, Session, open_session
except ImportError as exc:
    WEB_MISSING: str | None = (
        f"textual-serve is not installed ({exc.name}): pip install -e '.[test]'"
    )
else:
    WEB_MISSING = None

HANG = 120  # seconds: only turns a hang into a failure; no assertion is about time
FAKE = "ghp_fake0123456789abcdefTOKEN"


@pytest.fixture
def web() -> None:
    """textual-serve and aiohttp are there; else skip in one line (fail in CI)."""
    if WEB_MISSING is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(WEB_MISSING, pytrace=False)
        pytest.skip(WEB_MISSING)


@contextlib.asynccontextmanager
async def serving(store: Store, **options: Any) -> AsyncIterator[tuple[str, Any]]:
    """The server on a free port of 127.0.0.1, in this test's event loop: ready once bound."""
    running = await serve_web.start(
        serve_web.ServeOptions(db_url=store.url, host="127.0.0.1", port=0, **options)
    )
    try:
        yield f"http://127.0.0.1:{running.port}", running
    finally:
        async with asyncio.timeout(HANG):
            await running.stop()


async def painted_portfolio(http: aiohttp.ClientSession, base: str) -> Session:
    session = await open_session(http, base)
    async with asyncio.timeout(HANG):
        await session.read_until(DEMO_PROJECTS)
    return session


def environ_of(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


async def test_the_page_and_its_script_are_served(web: None, demo_store: Store) -> None:
    async with serving(demo_store) as (base, _), aiohttp.ClientSession() as http:
        async with http.get(base + "/") as page:
            assert page.status == 200
            html = await page.text()
        host = base.removeprefix("http://")
        assert f'data-session-websocket-url="ws://{host}/ws"' in html
        assert '<script src="/static/js/textual.js">' in html
        async with http.get(base + "/static/js/textual.js") as script:
            assert script.status == 200
            assert "WebSocket" in await script.text()


async def test_a_session_paints_the_portfolio_in_a_guest_process(
    web: None, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("GITHUB_TOKEN", "GH_TOKEN", "GH_ENTERPRISE_TOKEN", "DSLP_GITHUB_TOKEN"):
        monkeypatch.setenv(var, FAKE)
    async with serving(demo_store) as (base, running), aiohttp.ClientSession() as http:
        session = await painted_portfolio(http, base)
        (pid,) = running.server.session_pids()
        env = environ_of(pid)
        assert FAKE not in "".join(env.values())
        assert not {"GITHUB_TOKEN", "GH_TOKEN", "GH_ENTERPRISE_TOKEN"} & set(env)
        assert (env["DSLP_READ_ONLY"], env["DSLP_SERVED"]) == ("1", "1")
        assert env["DSLP_DB"] == demo_store.url
        (service,) = running.server.sessions.values()
        await session.ws.close()
        async with asyncio.timeout(HANG):  # closing the tab ends its app process
            assert await service.process.wait() == 0


async def test_a_served_session_refuses_a_sign_off_with_the_github_way(
    web: None, demo_store: Store
) -> None:
    with demo_store.session() as s:
        before = s.scalar(select(func.count()).select_from(OutboxEntry))
    async with serving(demo_store) as (base, _), aiohttp.ClientSession() as http:
        session = await painted_portfolio(http, base)
        async with asyncio.timeout(HANG):
            for keys, shown in (("\r", "phase board"), ("g", "no cards")):
                session.mark()
                await session.send_keys(keys)
                await session.read_until([shown])
            session.mark()
            await session.send_keys("\r")
            text = await session.read_until(["/dslp approve ideation", "Read-only session"])
        assert "cannot be" in text
    with demo_store.session() as s:
        assert s.scalar(select(func.count()).select_from(OutboxEntry)) == before


async def test_a_served_report_is_delivered_to_the_browser(web: None, demo_store: Store) -> None:
    async with serving(demo_store) as (base, _), aiohttp.ClientSession() as http:
        session = await painted_portfolio(http, base)
        await session.send_keys("r")
        async with asyncio.timeout(HANG):
            _, key = await session.read_message("deliver_file_start")
            async with http.get(f"{base}/download/{key}") as answer:
                assert answer.status == 200
                assert answer.headers["Content-Disposition"].startswith("inline; filename=report-")
                report = await answer.text()
        assert "acme/churn-prediction" in report and report.rstrip().endswith("</html>")  # whole
        await session.ws.close()


async def test_with_a_token_a_request_without_it_is_refused(web: None, demo_store: Store) -> None:
    token = "s3cret-token"
    async with serving(demo_store, token=token) as (base, _):
        jar = aiohttp.CookieJar(unsafe=True)  # keeps cookies of an IP address
        async with aiohttp.ClientSession(cookie_jar=jar) as http:
            for url in ("/", "/?token=wrong", "/static/js/textual.js"):
                async with http.get(base + url) as answer:
                    assert answer.status == 403, url
                    assert "token" in await answer.text()
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await open_session(http, base)
            assert refused.value.status == 403
            async with http.get(f"{base}/?token={token}") as answer:
                assert answer.status == 200
            # the page's script and websocket come with the cookie the first answer set
            async with http.get(base + "/static/js/textual.js") as answer:
                assert answer.status == 200
            session = await painted_portfolio(http, base)
            await session.ws.close()


async def test_loopback_refuses_other_host_names_and_other_sites_websockets(
    web: None, demo_store: Store
) -> None:
    async with serving(demo_store) as (base, _), aiohttp.ClientSession() as http:
        async with http.get(base + "/", headers={"Host": "attacker.example:80"}) as answer:
            assert answer.status == 403  # DNS rebinding: a page of attacker.example
        ws_url = base.replace("http", "ws") + "/ws"
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(ws_url, origin="http://attacker.example")
        assert refused.value.status == 403
        async with http.get(base.replace("127.0.0.1", "localhost") + "/") as answer:
            assert answer.status == 200


async def test_past_max_sessions_a_page_says_so(web: None, demo_store: Store) -> None:
    async with (
        serving(demo_store, max_sessions=1) as (base, running),
        aiohttp.ClientSession() as http,
    ):
        first = await painted_portfolio(http, base)
        async with http.get(base + "/") as answer:
            assert answer.status == 503
            assert answer.content_type == "text/html"
            page = await answer.text()
        assert (
            "1 sessions are open: the limit is 1; close one or ask the host to raise --max-sessions"
        ) in page
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await open_session(http, base)
        assert refused.value.status == 503
        await first.ws.close()
        async with asyncio.timeout(HANG):
            while running.server.sessions:  # its app process is told to quit, and does
                await asyncio.sleep(0.02)
        second = await painted_portfolio(http, base)
        await second.ws.close()


async def test_an_app_that_dies_ends_its_session(web: None, demo_store: Store) -> None:
    crash = (sys.executable, "-c", "import sys; sys.exit(3)")
    async with (
        serving(demo_store, command=crash, max_sessions=1) as (base, running),
        aiohttp.ClientSession() as http,
    ):
        session = await open_session(http, base)
        async with asyncio.timeout(HANG):
            with pytest.raises(AssertionError, match="the session ended"):
                await session.read_until(DEMO_PROJECTS)
            while running.server.sessions:  # the slot is freed
                await asyncio.sleep(0.02)
        async with http.get(base + "/") as answer:
            assert answer.status == 200


def test_the_guest_environment_has_no_github_token_and_no_gh(tmp_path: Path) -> None:
    gh_dir, tools = tmp_path / "gh-bin", tmp_path / "tools"
    for folder in (gh_dir, tools):
        folder.mkdir()
    gh = gh_dir / "gh"
    gh.write_text("#!/bin/sh\necho ghp_from_gh_cli\n")
    gh.chmod(0o755)
    base = {
        "PATH": f"{gh_dir}{os.pathsep}{tools}",
        "HOME": str(tmp_path),
        "GITHUB_TOKEN": FAKE,
        "GH_TOKEN": FAKE,
        "GH_ENTERPRISE_TOKEN": FAKE,
        "GITHUB_ENTERPRISE_TOKEN": FAKE,
        "DSLP_GITHUB_TOKEN": FAKE,
        "DSLP_GITHUB_API_URL": "https://ghe.example.com/api/v3",
        "DSLP_READ_ONLY": "1",
    }
    # The server's own environment does give a token, from the variables and from gh (the
    # lookup reads variables and runs the fake `gh` above: it sends no request anywhere):
    assert token_for(DEFAULT_API_URL, env=base) is not None
    no_vars = {k: v for k, v in base.items() if "TOKEN" not in k}
    from_gh = token_for(DEFAULT_API_URL, env=no_vars)
    assert from_gh is not None and from_gh.reveal() == "ghp_from_gh_cli"

    guest = child_env(base, db_url="sqlite:////m.db", read_only=True)
    assert FAKE not in "".join(guest.values())
    assert not {k for k in guest if "TOKEN" in k or k.startswith("GH")}
    assert "DSLP_GITHUB_API_URL" not in guest
    assert guest["PATH"] == str(tools)  # no gh to ask
    assert (guest["DSLP_DB"], guest["DSLP_READ_ONLY"], guest["DSLP_SERVED"]) == (
        "sqlite:////m.db",
        "1",
        "1",
    )
    for api in ("https://api.github.com", "https://ghe.example.com/api/v3", "http://127.0.0.1:9"):
        assert token_for(api, env=guest) is None
    writer = child_env(base, db_url="sqlite:////m.db", read_only=False)
    assert "DSLP_READ_ONLY" not in writer and writer["DSLP_SERVED"] == "1"


def test_allow_writes_beyond_loopback_is_refused(
    demo_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(demo_store.path)
    for host in ("0.0.0.0", "192.168.1.20", "::"):
        assert cli.main(["serve", "--host", host, "--allow-writes", "--db", db]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "--allow-writes is for a loopback host only" in err
    for host in ("127.0.0.1", "::1", "localhost", "[::1]", "127.0.0.2"):
        assert is_loopback_host(host) and check_access(host, None, True) is None
    assert not is_loopback_host("0.0.0.0") and not is_loopback_host("example.com")


def test_beyond_loopback_a_token_is_generated_or_taken(demo_store: Store) -> None:
    made = check_access("0.0.0.0", None, False)
    assert made is not None and len(made) >= 40 and made != check_access("0.0.0.0", None, False)
    assert check_access("0.0.0.0", "mine", False) == "mine"
    assert check_access("127.0.0.1", "mine", False) == "mine"
    assert cli.main(["serve", "--token", " ", "--db", str(demo_store.path)]) == 2


def test_without_textual_serve_serve_names_the_extra(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "textual_serve", None)  # `import textual_serve` fails
    assert cli.main(["serve", "--db", str(demo_store.path)]) == 1
    err = capsys.readouterr().err
    assert err == "dslp: dslp serve needs textual-serve: pip install 'dslp-tui[web]'\n"


def test_dslp_serve_prints_the_token_address_and_stops_on_sigint(
    web: None, demo_store: Store
) -> None:
    """The real command, beyond loopback: a generated token in the address it prints."""
    command = [sys.executable, "-m", "dslp_tui.cli", "serve", "--host", "0.0.0.0", "--port", "0"]
    with subprocess.Popen(
        [*command, "--db", str(demo_store.path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as server:
        assert server.stdout is not None
        first = server.stdout.readline()  # printed once the port is bound: ready
        assert first.startswith("dslp serve: http://"), server.stderr and server.stderr.read()
        address = first.split()[-1]
        port, token = address.split(":")[-1].split("/?token=")
        assert len(token) >= 40
        assert "read-only; at most 8 sessions" in server.stdout.readline()
        local = f"http://127.0.0.1:{port}/"
        assert asyncio.run(_status(local)) == 403
        assert asyncio.run(_status(f"{local}?token={token}")) == 200
        server.send_signal(signal.SIGINT)
        assert server.wait(HANG) == 0


async def _status(url: str) -> int:
    async with aiohttp.ClientSession() as http, http.get(url) as answer:
        return answer.status


# -- the read-only app, driven with Pilot --------------------------------------------------


async def test_a_read_only_app_refuses_every_change_in_one_line(demo_store: Store) -> None:
    from dslp_tui.screens.gates import GateScreen
    from dslp_tui.screens.signoff_dialog import SignOffDialog

    with demo_store.session() as s:
        before = s.scalar(select(func.count()).select_from(OutboxEntry))
    app = app_for(demo_store, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, GateScreen)
        for _ in range(4):  # ideation, data, explore, experiment -> model
            await pilot.press("j")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, GateScreen) and not isinstance(app.screen, SignOffDialog)
        (notice,) = [n.message for n in app._notifications]
        assert notice == (
            "Read-only session (dslp serve): a sign-off cannot be recorded here; comment "
            "`/dslp approve model` on any issue of acme/churn-prediction on GitHub."
        )
        called: list[object] = []
        assert await app.write(called.append) is None and called == []  # the backstop
        await pilot.press("s")  # no sync either
        await settle(pilot)
        assert isinstance(app.screen, GateScreen)
        assert len(list(app._notifications)) == 3
    with demo_store.session() as s:
        assert s.scalar(select(func.count()).select_from(OutboxEntry)) == before


async def test_a_read_only_app_opens_no_form_on_a_card(demo_store: Store) -> None:
    from dslp_tui.screens.card import CardScreen

    app = app_for(demo_store, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for number, keys, what in ((12, "l", "an outcome"), (7, "ua", "a model status")):
            app.open_card("acme/churn-prediction", number)
            await settle(pilot)
            for key in keys:
                await pilot.press(key)
                await settle(pilot)
                assert isinstance(app.screen, CardScreen)  # no dialog opened
            assert any(what in n.message for n in app._notifications)
        assert any("a checklist item" in n.message for n in app._notifications)


def test_the_flags_come_from_the_environment(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = app_for(demo_store)
    assert (plain.read_only, plain.served) == (False, False)
    assert plain.refuse_write("an outcome") is False
    monkeypatch.setenv("DSLP_READ_ONLY", "1")
    monkeypatch.setenv("DSLP_SERVED", "1")
    served = app_for(demo_store)
    assert (served.read_only, served.served) == (True, True)
