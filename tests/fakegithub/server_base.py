"""The threaded HTTP server and its request handler."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakegithub.server import FakeGitHub


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default 5 drops SYNs under a burst: 1 s client stalls
    fake: FakeGitHub

    def process_request(self, request: Any, client_address: Any) -> None:
        self.fake._connected(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        self.fake._disconnected(request)
        super().shutdown_request(request)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so requests' pool reuses connections
    disable_nagle_algorithm = True  # avoid 40 ms delayed-ACK stalls on small replies
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: tests assert on ``FakeGitHub.requests`` instead."""

    def _dispatch(self) -> None:
        self.server.fake._serve(self)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _dispatch


# --------------------------------------------------------------------------- the fake
