"""The fake GitHub server itself: start, stop, the clock, faults, the request log."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tests.fakegithub.base import (
    _Stamp,
    _to_epoch,
)
from tests.fakegithub.changes import _Changes
from tests.fakegithub.faults import (
    Fault,
    Injection,
    RequestRecord,
)
from tests.fakegithub.issue_routes import _IssueRoutes
from tests.fakegithub.pulls import _PullWrites
from tests.fakegithub.refs import _GitRefs
from tests.fakegithub.routes import _Routes
from tests.fakegithub.seeding import _Seeding
from tests.fakegithub.server_base import _Handler, _Server
from tests.fakegithub.serving import _Serving
from tests.fakegithub.shapes import _Shapes
from tests.fakegithub.state import (
    _Repo,
)


class FakeGitHub(
    _Shapes, _Seeding, _Changes, _Serving, _Routes, _IssueRoutes, _PullWrites, _GitRefs
):
    """A fake GitHub REST server on 127.0.0.1 with in-memory, lock-protected state."""

    def __init__(
        self,
        tokens: set[str] | Mapping[str, str] | None = None,
        *,
        login: str = "octocat",
        rate_limit: int = 5000,
        start_time: _Stamp = "2024-01-01T00:00:00Z",
        auto_tick: float = 1.0,
        port: int = 0,
        echo_auth: bool = False,
    ) -> None:
        """``tokens`` is a set of valid tokens (all owned by ``login``) or a token->login map.

        ``echo_auth`` makes every error reply (4xx/5xx, injected faults included) quote the
        request's Authorization header in its message, as some proxies and servers do: the
        client must keep the token out of whatever it prints or stores.
        """
        self.echo_auth = echo_auth
        if tokens is None:
            tokens = {"test-token"}
        self._tokens: dict[str, str] = (
            dict(tokens) if isinstance(tokens, Mapping) else dict.fromkeys(tokens, login)
        )
        self._lock = threading.RLock()
        self._clock = float(_to_epoch(start_time))
        self.auto_tick = auto_tick
        self.rate_limit = rate_limit
        self.rate_used = 0
        self.rate_reset = int(time.time()) + 3600
        self.requests: list[RequestRecord] = []
        self.errors: list[BaseException] = []  # bugs in the fake or raising callbacks
        self.connections = 0  # TCP connections accepted, to check keep-alive
        self._faults: list[Injection] = []
        self._repos: dict[str, _Repo] = {}
        self._repos_by_id: dict[int, _Repo] = {}
        self._users: dict[str, dict[str, Any]] = {}
        self._ids = {"repo": 1000, "issue": 1_000_000, "pull": 5_000_000, "comment": 9_000_000}
        self._ids["label"] = 100_000
        self._ids["user"] = 1
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._open: set[socket.socket] = set()
        self._request_seq = 0

    # ----------------------------------------------------------------- lifecycle

    def _bind(self) -> _Server:
        if self._server is None:
            server = _Server(("127.0.0.1", self._port), _Handler, bind_and_activate=True)
            server.fake = self
            self._port = server.server_address[1]
            self._server = server
        return self._server

    @property
    def port(self) -> int:
        """The bound port; bound on first use so URLs are right before start().

        After stop() the port is remembered but not re-bound, so clients get "connection
        refused" (not a hang) until start() is called again.
        """
        if not self._port:
            self._bind()
        return self._port

    @property
    def base_url(self) -> str:
        """What to pass to ``Github(base_url=...)``; every URL the fake emits starts with it."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeGitHub:
        """Serve in a daemon thread; after stop() it comes back on the same port."""
        if self._thread is None:
            server = self._bind()
            self._thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and cut open keep-alive connections (simulates the network going away)."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        if thread is not None:
            server.shutdown()
            thread.join(5)
        server.server_close()
        with self._lock:
            open_socks = list(self._open)
        for sock in open_socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _connected(self, sock: socket.socket) -> None:
        with self._lock:
            self.connections += 1
            self._open.add(sock)

    def _disconnected(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)

    # ----------------------------------------------------------------- clock

    def now(self) -> datetime:
        """The fake time the next write will be stamped with."""
        return datetime.fromtimestamp(int(self._clock), UTC)

    def tick(self, seconds: float = 1.0) -> datetime:
        """Advance the fake clock; returns the new now()."""
        if seconds < 0:
            raise ValueError("the fake clock is monotonic")
        with self._lock:
            self._clock += seconds
        return self.now()

    def set_now(self, when: _Stamp) -> datetime:
        """Jump the fake clock forward to ``when`` (never backwards)."""
        t = _to_epoch(when)
        with self._lock:
            if t < int(self._clock):
                raise ValueError("the fake clock is monotonic")
            self._clock = float(t)
        return self.now()

    def _stamp(self) -> int:
        t = int(self._clock)
        self._clock += self.auto_tick
        return t

    # ----------------------------------------------------------------- faults and log

    def inject(
        self, method: str | None, path_regex: str, fault: Fault, times: int | None = 1
    ) -> Injection:
        """Queue ``fault`` for requests whose method and path (no query) match; None = forever.

        Faults are tried in the order injected; each use consumes one of ``times``.
        """
        inj = Injection(
            None if method in (None, "*") else str(method).upper(),
            re.compile(path_regex),
            fault,
            times,
        )
        with self._lock:
            self._faults.append(inj)
        return inj

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def pending_faults(self) -> list[Injection]:
        with self._lock:
            return list(self._faults)

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for inj in self._faults:
                if (inj.method is None or inj.method == method) and inj.pattern.search(path):
                    inj.hits += 1
                    if inj.remaining is not None:
                        inj.remaining -= 1
                        if inj.remaining <= 0:
                            self._faults.remove(inj)
                    return inj.fault
        return None

    def count(
        self,
        method: str | None = None,
        path_prefix: str | None = None,
        status: int | None = None,
        *,
        path: str | None = None,
    ) -> int:
        """How many logged requests match all given filters.

        ``path_prefix`` also matches sub-resources (``/issues`` counts ``/issues/7/comments``);
        ``path`` is exact (query and trailing slash ignored): ``count("POST", path=".../issues")``.
        """
        with self._lock:
            return sum(
                1
                for r in self.requests
                if (method is None or r.method == method.upper())
                and (path_prefix is None or r.path.startswith(path_prefix))
                and (path is None or r.path.rstrip("/") == path.rstrip("/"))
                and (status is None or r.status == status)
            )

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()
            self.errors.clear()

    def set_rate_limit(
        self, limit: int | None = None, remaining: int | None = None, reset: int | None = None
    ) -> None:
        """Adjust the core quota; ``reset`` is epoch seconds (real time, as GitHub's is)."""
        with self._lock:
            if limit is not None:
                self.rate_limit = limit
            if remaining is not None:
                self.rate_used = self.rate_limit - remaining
            if reset is not None:
                self.rate_reset = reset

    # ----------------------------------------------------------------- ids, users, lookups

    def _next_id(self, kind: str) -> int:
        self._ids[kind] += 1
        return self._ids[kind]
