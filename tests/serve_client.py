"""A websocket client of `dslp serve` that speaks what textual-serve's page (textual.js) speaks:
open `/ws?width=W&height=H`, send `["resize", {...}]`, then read the terminal's bytes.

Shared by tests/test_serve.py and bench/bench_serve.py.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable

import aiohttp

# The demo's three projects, as the portfolio lists them.
DEMO_PROJECTS = ("acme/churn-prediction", "acme/demand-forecast", "acme/fraud-signals")

_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[@-Z\\-_]")


def plain(text: str) -> str:
    """Terminal output without its escape sequences (cursor moves, colours, modes)."""
    return _ESCAPES.sub("", text)


class Session:
    """One browser session: its websocket, and all the text the app has painted so far."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.text = ""
        self.start = 0  # read_until looks at the text from here on (see `mark`)
        self.strings: list[list[object]] = []  # JSON messages (pong, open_url, ...)
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    async def send_keys(self, keys: str) -> None:
        await self.ws.send_str(json.dumps(["stdin", keys]))

    def mark(self) -> None:
        """From now on `read_until` looks only at what is painted after this point."""
        self.start = len(self.text)

    def painted(self) -> str:
        """The text painted since the mark, without escape sequences."""
        return plain(self.text[self.start :])

    async def read_until(self, needles: Iterable[str]) -> str:
        """Read frames until every needle is in the text painted since the mark; that text.
        AssertionError if the session ends first."""
        wanted = list(needles)
        while not all(n in self.painted() for n in wanted):
            message = await self.ws.receive()
            if message.type == aiohttp.WSMsgType.BINARY:
                self.text += self._decoder.decode(message.data)
            elif message.type == aiohttp.WSMsgType.TEXT:
                self.strings.append(json.loads(message.data))
            else:
                missing = [n for n in wanted if n not in self.painted()]
                raise AssertionError(
                    f"the session ended ({message.type.name}) before {missing} were painted; "
                    f"last output: {self.painted()[-300:]!r}"
                )
        return self.painted()

    async def read_message(self, kind: str) -> list[object]:
        """Read frames until the server sends a JSON message `[kind, ...]`; that message."""
        while not any(m and m[0] == kind for m in self.strings):
            message = await self.ws.receive()
            if message.type == aiohttp.WSMsgType.BINARY:
                self.text += self._decoder.decode(message.data)
            elif message.type == aiohttp.WSMsgType.TEXT:
                self.strings.append(json.loads(message.data))
            else:
                raise AssertionError(f"the session ended before a {kind!r} message")
        return next(m for m in self.strings if m and m[0] == kind)


async def open_session(
    http: aiohttp.ClientSession, base: str, *, width: int = 120, height: int = 40
) -> Session:
    """Connect as the page does: `base` is the server's `http://HOST:PORT`."""
    ws_url = base.replace("http://", "ws://", 1) + f"/ws?width={width}&height={height}"
    ws = await http.ws_connect(ws_url, origin=base)
    await ws.send_str(json.dumps(["resize", {"width": width, "height": height}]))
    return Session(ws)
