"""The web half of `dslp serve`: textual-serve's `Server`, with a token, a session limit, and
one app process per websocket session started with a clean environment (`serve_env`).

Imported only when `dslp serve` runs: it needs textual-serve (and so aiohttp), the `web` extra.
textual-serve 1.1 starts each session with a shell command and the server's whole environment;
`SessionService` overrides those two steps (its `_build_environment` and `_open_app_process`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import re
import shlex
import signal
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import WSCloseCode, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from dslp_tui.serve_env import child_command, child_env, is_loopback_host, sessions_full_page

log = logging.getLogger("dslp.serve")

DRIVER = "dslp_tui.serve_driver:WholePacketWebDriver"  # Textual's web driver, writes made whole
STOP_WAIT = 10.0  # seconds a session's app is given to quit before it is killed
_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


@dataclass(frozen=True)
class ServeOptions:
    """What `dslp serve` was asked for. `token` None: no token (loopback only)."""

    db_url: str
    host: str = "127.0.0.1"
    port: int = 8000
    read_only: bool = True
    token: str | None = None
    max_sessions: int = 8
    command: tuple[str, ...] = ()  # the session's app; default `serve_env.child_command()`

    def argv(self) -> list[str]:
        return list(self.command) or child_command()


class SessionService(AppService):
    """One session's app process: started without a shell, in `child_env`, killed if it does
    not quit when the session ends."""

    def __init__(self, options: ServeOptions, **kwargs: Any) -> None:
        super().__init__(shlex.join(options.argv()), **kwargs)
        self.options = options

    @property
    def process(self) -> asyncio.subprocess.Process | None:
        return self._process

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        web_env = super()._build_environment(width=width, height=height)
        env = child_env(web_env, db_url=self.options.db_url, read_only=self.options.read_only)
        env["TEXTUAL_DRIVER"] = DRIVER
        return env

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Any:
        process = await asyncio.create_subprocess_exec(
            *self.options.argv(),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width=width, height=height),
        )
        assert process.stdin is not None
        self._process, self._stdin = process, process.stdin
        return process

    async def run(self) -> None:
        try:
            await super().run()
        finally:  # the app ended (quit or crashed): so does its session, freeing the slot
            await self.remote_close()

    async def stop(self) -> None:
        process = self._process
        try:
            await asyncio.wait_for(super().stop(), STOP_WAIT)  # "quit", then its output ends
            if process is not None:
                await asyncio.wait_for(process.wait(), STOP_WAIT)
        except TimeoutError:
            log.warning("a session's app did not quit: killed")
        finally:
            if process is not None and process.returncode is None:
                process.kill()
                with contextlib.suppress(ProcessLookupError):
                    await process.wait()


class ListenError(Exception):
    """The address could not be bound: one line."""


def plain_logging() -> None:
    """Plain lines: textual-serve's rich tracebacks would print every frame's locals."""
    logging.basicConfig(level=logging.INFO, format="dslp serve: %(message)s")


def _same(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


class DslpServer(Server):
    """textual-serve's server for the dslp app: every request passes `refusal` first (token,
    Host, websocket Origin), and at most `max_sessions` sessions run at once."""

    def __init__(self, options: ServeOptions) -> None:
        if options.token is None and not is_loopback_host(options.host):
            raise ValueError(f"binding {options.host} needs a token")
        super().__init__(shlex.join(options.argv()), options.host, options.port, title="dslp")
        self.options = options
        self.sessions: dict[web.WebSocketResponse, SessionService | None] = {}
        digest = hashlib.sha256((options.token or "").encode()).hexdigest()[:12]
        self.cookie = f"dslp-{digest}"  # per token: two servers on one host keep their own

    # -- the guard ------------------------------------------------------------------------

    def refusal(self, request: web.Request) -> str | None:
        """Why this request gets a 403, or None."""
        host = request.host
        if not _HOST.fullmatch(host):
            return "403: not a valid Host header"
        token = self.options.token
        query_token, cookie_token = request.query.get("token"), request.cookies.get(self.cookie)
        if token is None:  # loopback without a token: refuse other names (DNS rebinding)
            if not is_loopback_host(urlsplit(f"//{host}").hostname or ""):
                return f"403: this dslp serve answers to loopback addresses only, not {host}"
        elif not any(_same(given, token) for given in (query_token, cookie_token)):
            return "403: this dslp serve needs its token: open the address it printed (?token=...)"
        origin = request.headers.get("Origin")
        if request.path == "/ws" and origin and urlsplit(origin).netloc.lower() != host.lower():
            return "403: a websocket from another site's page is refused"
        return None

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()

        @web.middleware
        async def guard(
            request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
        ) -> web.StreamResponse:
            problem = self.refusal(request)
            if problem is not None:
                return web.Response(status=403, text=problem + "\n")
            response = await handler(request)
            if not response.prepared:  # a websocket or a download has sent its headers
                response.headers["Referrer-Policy"] = "no-referrer"
                if self.options.token and "token" in request.query:
                    response.set_cookie(
                        self.cookie, self.options.token, httponly=True, samesite="Strict"
                    )
            return response

        app.middlewares.append(guard)
        return app

    def full(self) -> web.Response | None:
        """The 503 page when `max_sessions` sessions are open, else None."""
        count, limit = len(self.sessions), self.options.max_sessions
        if count < limit:
            return None
        return web.Response(
            status=503, text=sessions_full_page(count, limit), content_type="text/html"
        )

    # -- textual-serve's handlers, for this server ------------------------------------------

    def initialize_logging(self) -> None:
        plain_logging()

    async def on_startup(self, app: web.Application) -> None:
        """`serve` prints the address itself (with the port really bound)."""

    async def on_shutdown(self, app: web.Application) -> None:
        """Close every session, so each app process is told to quit (and killed if it won't)."""
        for websocket in list(self.sessions):
            await websocket.close(code=WSCloseCode.GOING_AWAY, message=b"dslp serve stopped")

    async def handle_index(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        """textual-serve's page, with addresses taken from the request (the host the browser
        used, not the address bound: `0.0.0.0` is no address to open)."""
        full = self.full()
        if full is not None:
            return full
        context = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{'wss' if request.secure else 'ws'}://{request.host}/ws",
            "config": {"static": {"url": "/static/"}},
            "application": {"name": "dslp"},
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        """One session: its app process lives as long as this websocket."""
        full = self.full()
        if full is not None:
            return full
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        self.sessions[websocket] = None  # counted before the first await
        service: SessionService | None = None
        try:
            await websocket.prepare(request)
            service = SessionService(
                self.options,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            self.sessions[websocket] = service
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:
            log.warning("a session failed: %s", error)
        finally:
            if service is not None:
                await service.stop()
            self.sessions.pop(websocket, None)
        return websocket

    def session_pids(self) -> list[int]:
        """The app processes running now (the benchmark reads their memory)."""
        return [s.pid for s in self.sessions.values() if s is not None and s.pid is not None]


@dataclass
class Running:
    """A started server: its aiohttp runner, the server object and the port bound."""

    runner: web.AppRunner
    server: DslpServer
    port: int

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start(options: ServeOptions) -> Running:
    """Bind and serve in the running event loop (port 0: any free port); `stop()` to end."""
    server = DslpServer(options)
    runner = web.AppRunner(await server._make_app(), access_log=None, shutdown_timeout=15)
    await runner.setup()
    site = web.TCPSite(runner, options.host, options.port)
    try:
        await site.start()
    except BaseException as exc:
        await runner.cleanup()
        if isinstance(exc, OSError):  # the port is taken, the address is not this machine's...
            where = f"{options.host}:{options.port}"
            raise ListenError(f"cannot listen on {where}: {exc.strerror or exc}") from None
        raise
    port = int(runner.addresses[0][1])
    return Running(runner, server, port)


def public_url(host: str, port: int, token: str | None) -> str:
    """The address to open: with `?token=` when there is one, as Jupyter prints it."""
    name = host.strip("[]")
    if name in ("", "0.0.0.0", "::"):
        name = socket.gethostname()
    if ":" in name:
        name = f"[{name}]"
    return f"http://{name}:{port}/" + (f"?token={token}" if token else "")


def serve_forever(options: ServeOptions, announce: Callable[[Running], None]) -> None:
    """Serve until SIGINT or SIGTERM; `announce` is called once the port is bound."""

    async def main() -> None:
        running = await start(options)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        try:
            announce(running)
            await stop.wait()
        finally:
            await running.stop()

    plain_logging()
    asyncio.run(main())
