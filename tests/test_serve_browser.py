"""`dslp serve` in a real browser: Playwright for Python driving Debian's Chromium.

The terminal is drawn on a canvas (xterm.js), so the text is read where the page reads it: the
websocket's frames, through Playwright's own events and waits.
"""

from __future__ import annotations

import codecs
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from store.db import Store

CHROMIUM = Path("/usr/bin/chromium")
HANG_MS = 120_000  # only turns a hang into a failure; no assertion is about time
BOARD = "acme/churn-prediction · phase board"
TOKEN = "browser-test-token"


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
        import textual_serve  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed: pip install -e '.[test]'"
    if not CHROMIUM.exists():
        return f"no browser at {CHROMIUM}: apt-get install -y chromium"
    return None


@pytest.fixture
def browser_ready() -> None:
    """Playwright, textual-serve and Chromium are there; else skip in one line (fail in CI)."""
    problem = _missing()
    if problem is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(problem, pytrace=False)
        pytest.skip(problem)


@pytest.fixture
def served(demo_store: Store) -> Iterator[str]:
    """`dslp serve --port 0` on the demo with a token: the address it prints once bound."""
    command = [sys.executable, "-m", "dslp_tui.cli", "serve", "--port", "0"]
    with subprocess.Popen(
        [*command, "--db", str(demo_store.path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "DSLP_SERVE_TOKEN": TOKEN},
    ) as server:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith("dslp serve: http://127.0.0.1:"), line
        try:
            yield line.split()[-1]
        finally:
            server.terminate()
            server.wait(HANG_MS / 1000)


class Frames:
    """The text the app has painted, from the page's websocket frames."""

    _plain: Any = None

    def __init__(self) -> None:
        from tests.serve_client import plain

        self._plain = plain
        self.text = ""
        self.start = 0
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def add(self, payload: str | bytes) -> None:
        if isinstance(payload, bytes):
            self.text += self.decoder.decode(payload)

    def mark(self) -> None:
        self.start = len(self.text)

    def painted(self) -> str:
        return str(self._plain(self.text[self.start :]))

    def has(self, needles: tuple[str, ...]) -> bool:
        return all(n in self.painted() for n in needles)


def test_the_browser_shows_the_portfolio_and_enter_opens_a_board(
    browser_ready: None, served: str, tmp_path: Path
) -> None:
    from playwright.sync_api import Route, WebSocket, sync_playwright

    from tests.serve_client import DEMO_PROJECTS

    frames, sockets = Frames(), []

    def watch(ws: WebSocket) -> None:
        sockets.append(ws)
        ws.on("framereceived", frames.add)

    def wait_for(needles: tuple[str, ...]) -> None:
        if not frames.has(needles):  # no event is handled between this check and the wait
            sockets[0].wait_for_event(
                "framereceived", predicate=lambda _: frames.has(needles), timeout=HANG_MS
            )

    origin = served.split("/?")[0]

    def local_only(route: Route) -> None:  # no internet here: the page's web font is skipped
        if route.request.url.startswith(origin):
            route.continue_()
        else:
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(HANG_MS)
            page.route("**/*", local_only)
            page.on("websocket", watch)
            assert served == f"{origin}/?token={TOKEN}"
            page.goto(served)  # the script, the styles and the websocket go with its cookie
            page.wait_for_selector("body.-first-byte")  # the page shows the terminal
            wait_for(DEMO_PROJECTS)
            assert "dslp · portfolio" in frames.painted()
            frames.mark()
            page.focus(".xterm-helper-textarea")  # xterm's keyboard input, no mouse click
            page.keyboard.press("Enter")
            wait_for((BOARD, "Ideation"))
            shot = tmp_path / "board.png"
            page.screenshot(path=str(shot))
        finally:
            browser.close()
    assert shot.stat().st_size > 0
    assert "Experiment" in frames.painted() and "Monitoring" in frames.painted()
