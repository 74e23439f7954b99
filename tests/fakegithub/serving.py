"""The HTTP side: auth, rate limits, faults, ETags and 304s, pages, replies."""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json
import socket
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from tests.fakegithub.base import (
    _T,
    DOC_URL,
    RATE_DOC_URL,
    _dumps,
    _phrase,
)
from tests.fakegithub.faults import (
    Fault,
    RequestRecord,
)
from tests.fakegithub.state import (
    _NotFound,
    _Response,
)

if TYPE_CHECKING:
    from tests.fakegithub.server_base import _Handler


class _Serving:
    """The HTTP side: auth, rate limits, faults, ETags and 304s, pages, replies."""

    def _serve(self, h: _Handler) -> None:
        method = h.command
        path, _, qs = h.path.partition("?")
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        rec = RequestRecord(
            method,
            path,
            dict(parse_qsl(qs, keep_blank_values=True)),
            body,
            {k.lower(): v for k, v in h.headers.items()},
        )
        fault = self._take_fault(method, path)
        rec.fault = fault.kind if fault else None
        if fault is not None and fault.kind == "delay":
            # Simulated network latency on the server side (benchmarks), not a test waiting.
            threading.Event().wait(fault.seconds)
        if fault is not None and (
            fault.kind in ("status", "invalid_json")
            or (fault.kind == "drop" and not fault.after_apply)
        ):
            resp = self._fault_response(fault)
        else:
            resp = self._respond(rec)
        if self.echo_auth and resp.status >= 400:
            self._echo_authorization(resp, rec)
        rec.status = resp.status
        with self._lock:
            self.requests.append(rec)
        if fault is not None and fault.kind == "truncated_json":
            resp.body = resp.body[: len(resp.body) // 2]
            resp.headers.pop("ETag", None)
        if fault is not None and fault.kind == "after" and fault.callback is not None:
            try:
                fault.callback(rec)
            except BaseException as exc:  # a "crash" after the write: no reply at all
                with self._lock:
                    self.errors.append(exc)
                self._drop(h, resp, partial=False)
                return
        if (
            fault is not None
            and fault.kind in ("drop", "after")
            and (fault.kind == "drop" or not fault.partial)
        ):
            self._drop(h, resp, partial=fault.partial and fault.kind == "drop")
            return
        self._write(h, resp, head_only=method == "HEAD")

    @staticmethod
    def _echo_authorization(resp: _Response, rec: RequestRecord) -> None:
        """Quote the request's credentials in the error message (JSON) or page (text)."""
        quoted = f"request header Authorization: {rec.headers.get('authorization', '')}"
        try:
            data = json.loads(resp.body)
        except ValueError:
            resp.body += f" ({quoted})".encode()
            return
        if isinstance(data, dict):
            data["message"] = f"{data.get('message', '')} ({quoted})"
            resp.body = _dumps(data).encode()

    def _base_headers(self) -> dict[str, str]:
        self._request_seq += 1
        remaining = max(0, self.rate_limit - self.rate_used)
        return {
            "Server": "GitHub.com",
            "Date": email.utils.formatdate(usegmt=True),
            "Content-Type": "application/json; charset=utf-8",
            "X-GitHub-Media-Type": "github.v3; format=json",
            "X-GitHub-Api-Version-Selected": "2022-11-28",
            "X-GitHub-Request-Id": f"FAKE:{self._request_seq:08X}",
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Used": str(self.rate_used),
            "X-RateLimit-Reset": str(self.rate_reset),
            "X-RateLimit-Resource": "core",
        }

    def _fault_response(self, fault: Fault) -> _Response:
        with self._lock:
            headers = self._base_headers()
        if fault.kind == "invalid_json":
            return _Response(200, fault.text.encode(), headers)
        if fault.kind == "drop":
            filler = _dumps({"message": "this reply was cut by FakeGitHub", "pad": "x" * 200})
            return _Response(200, filler.encode(), headers)
        body = fault.body
        if body is None:
            body = {
                "message": _phrase(fault.code),
                "documentation_url": DOC_URL,
                "status": str(fault.code),
            }
        if isinstance(body, str):
            headers["Content-Type"] = "text/html; charset=utf-8"
            data = body.encode()
        else:
            data = _dumps(body).encode()
        headers.update(fault.headers or {})
        return _Response(fault.code, data, headers)

    def _respond(self, rec: RequestRecord) -> _Response:
        """Auth, rate limit, route, then ETag/304: everything a real reply goes through."""
        with self._lock:
            if time.time() >= self.rate_reset:
                self.rate_used, self.rate_reset = 0, int(time.time()) + 3600
            auth = rec.headers.get("authorization", "")
            scheme, _, token = auth.partition(" ")
            rec.user = (
                self._tokens.get(token.strip()) if scheme.lower() in ("token", "bearer") else None
            )
            counts = rec.path.rstrip("/") != "/rate_limit"
            if rec.user is None:
                resp = self._error(401, "Bad credentials")
            elif counts and self.rate_used >= self.rate_limit:
                resp = self._json(
                    403,
                    {
                        "message": "API rate limit exceeded for user ID "
                        f"{self._user(rec.user)['id']}.",
                        "documentation_url": RATE_DOC_URL,
                        "status": "403",
                    },
                )
            else:
                try:
                    resp = self._route(rec)
                except _NotFound:
                    resp = self._error(404, "Not Found")
                except Exception as exc:  # a bug in the fake: surface it, do not hang the client
                    self.errors.append(exc)
                    resp = self._error(500, f"FakeGitHub error: {exc!r}")
            not_modified = False
            if rec.method in ("GET", "HEAD") and resp.status == 200:
                etag = f'W/"{hashlib.sha1(resp.body).hexdigest()}"'
                lm = resp.last_modified if resp.last_modified is not None else int(self._clock)
                resp.headers["ETag"] = etag
                resp.headers["Last-Modified"] = email.utils.formatdate(lm, usegmt=True)
                resp.headers["Cache-Control"] = "private, max-age=60, s-maxage=60"
                not_modified = self._not_modified(rec, etag, lm)
            if counts and rec.user is not None and not not_modified and resp.status != 403:
                self.rate_used += 1
            headers = self._base_headers()
        headers.update(resp.headers)
        if not_modified:
            headers.pop("Link", None)
            return _Response(304, b"", headers)
        resp.headers = headers
        return resp

    @staticmethod
    def _not_modified(rec: RequestRecord, etag: str, last_modified: int) -> bool:
        inm = rec.headers.get("if-none-match")
        if inm is not None:
            tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
            return "*" in tags or etag.removeprefix("W/") in tags
        ims = rec.headers.get("if-modified-since")
        if ims:
            try:
                return last_modified <= int(email.utils.parsedate_to_datetime(ims).timestamp())
            except (TypeError, ValueError):
                return False
        return False

    def _write(self, h: _Handler, resp: _Response, head_only: bool = False) -> None:
        phrase = _phrase(resp.status)
        headers = resp.headers
        if resp.status != 304:
            headers["Content-Length"] = str(len(resp.body))
        if h.close_connection:
            headers["Connection"] = "close"
        head = (
            f"HTTP/1.1 {resp.status} {phrase}\r\n"
            + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
            + "\r\n"
        )
        data = head.encode("latin-1")
        if not head_only and resp.status != 304:
            data += resp.body
        try:
            h.wfile.write(data)
        except OSError:
            h.close_connection = True

    def _drop(self, h: _Handler, resp: _Response, partial: bool) -> None:
        h.close_connection = True
        with contextlib.suppress(OSError):
            if partial:
                full = resp.body or b'{"message":"cut"}'
                resp.body = full
                resp.headers["Content-Length"] = str(len(full))
                head = (
                    f"HTTP/1.1 {resp.status} OK\r\n"
                    + "".join(f"{k}: {v}\r\n" for k, v in resp.headers.items())
                    + "\r\n"
                )
                h.wfile.write(head.encode("latin-1") + full[: len(full) // 2])
            h.connection.shutdown(socket.SHUT_RDWR)

    # ----------------------------------------------------------------- response helpers

    def _json(
        self,
        status: int,
        obj: Any,
        last_modified: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> _Response:
        return _Response(status, _dumps(obj).encode(), headers or {}, last_modified)

    def _error(self, status: int, message: str, **extra: Any) -> _Response:
        return self._json(
            status,
            {"message": message, "documentation_url": DOC_URL, "status": str(status), **extra},
        )

    def _invalid(self, resource: str, code: str, field_name: str) -> _Response:
        return self._error(
            422,
            "Validation Failed",
            errors=[{"resource": resource, "code": code, "field": field_name}],
        )

    def _page(
        self,
        rec: RequestRecord,
        items: Sequence[_T],
        render: Callable[[_T], str],
        stamp: Callable[[_T], int] | None = None,
    ) -> _Response:
        """Slice one page, render it from cached JSON strings and add GitHub's Link header."""
        try:
            per_page = min(100, max(1, int(rec.query.get("per_page", 30))))
        except ValueError:
            per_page = 30
        try:
            page = max(1, int(rec.query.get("page", 1)))
        except ValueError:
            page = 1
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        body = ("[" + ",".join(render(x) for x in chunk) + "]").encode()
        headers: dict[str, str] = {}
        links: list[str] = []

        def url(p: int) -> str:
            q = dict(rec.query)
            q["page"] = str(p)
            return f"<{self.base_url}{rec.path}?{urlencode(q)}>"

        if page > 1:
            links.append(f'{url(min(page - 1, last))}; rel="prev"')
        if page < last:
            links += [f'{url(page + 1)}; rel="next"', f'{url(last)}; rel="last"']
        if page > 1:
            links.append(f'{url(1)}; rel="first"')
        if links:
            headers["Link"] = ", ".join(links)
        lm = max((stamp(x) for x in chunk), default=None) if stamp else None
        return _Response(200, body, headers, lm)

    def _body(self, rec: RequestRecord) -> Any:
        if not rec.body:
            return {}
        try:
            return json.loads(rec.body)
        except ValueError:
            return None

    # ----------------------------------------------------------------- routing
