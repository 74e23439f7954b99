"""GitHub REST calls through PyGithub's requester, with our own retry and rate-limit policy.

PyGithub's paginated lists send no ETag and its lazy objects re-fetch items, so reads go through
`Requester.requestJson` for raw JSON plus the status and headers we need (ETag, Link, 304,
X-RateLimit-*). PyGithub's generic retry is switched off: reads are retried here, and writes are
never re-sent blindly (the outbox decides, by looking for its marker first).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlparse

from sync.auth import (
    Secret,
    as_secret,
    is_loopback,
    no_token_message,
    redact,
    token_advice,
    token_host,
)

MAX_READ_ATTEMPTS = 6


class GitHubError(Exception):
    """A GitHub failure the user can act on; `str()` is one line, already free of the token."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AuthError(GitHubError):
    pass


class NotFound(GitHubError):
    pass


class RateLimited(GitHubError):
    """The wait GitHub asks for is longer than the caller allows."""

    def __init__(self, message: str, retry_at: float) -> None:
        super().__init__(message, 403)
        self.retry_at = retry_at


class WriteUnknown(GitHubError):
    """A write whose reply was lost: it may or may not have been applied."""


class NotSent(GitHubError):
    """A write that provably never left: the connection could not even be opened."""


def _never_connected(exc: BaseException) -> bool:
    """Connection refused, DNS failure, connect timeout: the request never left."""
    text = repr(exc)
    return any(
        sign in text
        for sign in ("NewConnectionError", "ConnectTimeout", "NameResolutionError", "refused")
    )


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    data: Any = None

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    def link(self, rel: str) -> str | None:
        for part in self.headers.get("link", "").split(","):
            url, _, params = part.partition(";")
            if f'rel="{rel}"' in params:
                return url.strip().strip("<>")
        return None


@dataclass
class Counters:
    requests: int = 0
    not_modified: int = 0
    retries: int = 0
    waited: float = 0.0
    remaining: int | None = None
    reset_at: float | None = None


class Cancelled(Exception):
    """The user asked the sync to stop; everything written so far is consistent."""


@dataclass
class Client:
    """One GitHub API endpoint and token; thread-confined (one per sync run).

    The token is held as a `Secret` and left out of the repr, so neither `repr(client)` nor a
    traceback or crash screen showing locals prints it. A str given here is wrapped at once.
    """

    api_url: str
    token: Secret | str = field(repr=False)
    max_wait: float = 900.0
    # A wait that returns early when the user cancels (the app passes its cancel Event's wait).
    sleep: Callable[[float], object] = time.sleep
    cancelled: Callable[[], bool] = lambda: False
    clock: Callable[[], float] = time.time
    on_wait: Callable[[float, str], None] | None = None
    counters: Counters = field(default_factory=Counters)
    _github: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        from github import Auth, Github  # lazy: PyGithub costs start-up time

        secret = as_secret(self.token)
        if secret is None:
            raise AuthError(no_token_message(self.api_url))
        self.token = secret
        if not secret.may_go_to(self.api_url):  # a github.com token never goes to Enterprise
            raise AuthError(
                f"a token for {secret.host} is never sent to {token_host(self.api_url)}: "
                + token_advice(self.api_url)
            )
        local = is_loopback(self.api_url)
        # GitHub asks for serial requests and a pause between writes; a loopback test server
        # needs neither, and a 10k-item sync would otherwise spend minutes sleeping.
        self._github = Github(
            auth=Auth.Token(secret.reveal()),
            base_url=self.api_url,
            per_page=100,
            retry=None,
            timeout=30,
            seconds_between_requests=None,
            seconds_between_writes=None if local else 1.0,
        )

    @property
    def requester(self) -> Any:
        return self._github.requester

    def close(self) -> None:
        self._github.close()

    # -- reads ---------------------------------------------------------------------------------

    def get(
        self, url: str, params: dict[str, Any] | None = None, etag: str | None = None
    ) -> Response:
        """GET with If-None-Match; retries 5xx, dropped connections, bad JSON and rate limits."""
        headers = {"If-None-Match": etag} if etag else {}
        url, params = _split_url(url, params)
        delay = 1.0
        for attempt in range(1, MAX_READ_ATTEMPTS + 1):
            try:
                status, raw_headers, body = self.requester.requestJson(
                    "GET", url, parameters=params, headers=headers
                )
            except Exception as exc:  # dropped connection, timeout, reset, DNS...
                # Refused, unresolvable, no connect: retrying for a minute helps nobody offline.
                if attempt == MAX_READ_ATTEMPTS or _never_connected(exc):
                    raise GitHubError(self._net_message(exc)) from None
                delay = self._backoff(delay, f"network error, retrying ({_short(exc)})")
                continue
            resp = Response(status, {k.lower(): v for k, v in raw_headers.items()})
            self._count(resp)
            if status == 304:
                self.counters.not_modified += 1
                return resp
            if 200 <= status < 300:
                try:
                    resp.data = json.loads(body) if body else None
                except ValueError:
                    if attempt == MAX_READ_ATTEMPTS:
                        raise GitHubError(f"GitHub sent invalid JSON for {url}") from None
                    delay = self._backoff(delay, "invalid JSON from GitHub, retrying")
                    continue
                return resp
            wait = self._retry_wait(resp, body)
            if wait is None or attempt == MAX_READ_ATTEMPTS:
                raise self._error(resp, body, url)
            if wait < 0:
                delay = self._backoff(delay, f"GitHub answered {status}, retrying")
            else:
                self._wait(wait, "rate limit")
        raise AssertionError("unreachable")

    # -- writes (never retried here) -----------------------------------------------------------

    def write(self, verb: str, url: str, payload: Any = None, _limited: int = 0) -> Response:
        """One attempt; a lost reply raises WriteUnknown so the caller checks before re-sending."""
        try:
            status, raw_headers, body = self.requester.requestJson(verb, url, input=payload)
        except Exception as exc:
            if _never_connected(exc):
                raise NotSent(self._net_message(exc)) from None
            raise WriteUnknown(
                redact(f"no reply to {verb} {url}: {_short(exc)}", self.token)
            ) from None
        resp = Response(status, {k.lower(): v for k, v in raw_headers.items()})
        self._count(resp)
        if 200 <= status < 300:
            try:
                resp.data = json.loads(body) if body else None
            except ValueError:
                raise WriteUnknown(f"unreadable reply to {verb} {url}") from None
            return resp
        if status >= 500:
            raise WriteUnknown(f"GitHub answered {status} to {verb} {url}", status)
        wait = self._retry_wait(resp, body)
        if wait is not None and wait >= 0:
            # Rate limited before the write was applied: safe to wait and try once more.
            if _limited >= MAX_READ_ATTEMPTS:  # GitHub keeps refusing: stop, never loop
                raise RateLimited(
                    f"GitHub rate limit on {_path(url)} persists after {_limited} waits: "
                    "run the sync again later",
                    self.clock() + wait,
                )
            self._wait(wait, "rate limit")
            return self.write(verb, url, payload, _limited + 1)
        raise self._error(resp, body, url)

    # -- policy --------------------------------------------------------------------------------

    def _count(self, resp: Response) -> None:
        self.counters.requests += 1
        remaining = resp.headers.get("x-ratelimit-remaining")
        reset = resp.headers.get("x-ratelimit-reset")
        if remaining is not None and remaining.isdigit():
            self.counters.remaining = int(remaining)
        if reset is not None and reset.isdigit():
            self.counters.reset_at = float(reset)

    def _retry_wait(self, resp: Response, body: str) -> float | None:
        """Seconds to wait before retrying (-1: use back-off), or None when not retryable."""
        status = resp.status
        if status >= 500:
            return -1
        if status not in (403, 429):
            return None
        message = _message(body).lower()
        limited = status == 429 or "rate limit" in message or "abuse" in message
        if resp.headers.get("x-ratelimit-remaining") == "0":
            limited = True
        if not limited:
            return None
        retry_after = resp.headers.get("retry-after", "")
        if retry_after.isdigit():
            return float(retry_after)
        reset = resp.headers.get("x-ratelimit-reset", "")
        if resp.headers.get("x-ratelimit-remaining") == "0" and reset.isdigit():
            return max(0.0, float(reset) - self.clock()) + 1.0
        return -1

    def _wait(self, seconds: float, reason: str) -> None:
        if seconds > self.max_wait:
            retry_at = self.clock() + seconds
            when = time.strftime("%H:%M", time.localtime(retry_at))
            raise RateLimited(
                f"GitHub {reason}: it asks to wait {int(seconds)} s, more than --max-wait "
                f"{int(self.max_wait)} s; run the sync again after {when}",
                retry_at,
            )
        self.counters.waited += seconds
        self.counters.retries += 1
        if self.on_wait is not None:
            self.on_wait(seconds, reason)
        self.sleep(seconds)
        if self.cancelled():  # a rate limit or a back-off must not outlast a cancel
            raise Cancelled()

    def _backoff(self, delay: float, reason: str) -> float:
        self._wait(delay * (0.75 + random.random() / 2), reason)
        return min(delay * 2, 60.0)

    def _error(self, resp: Response, body: str, url: str) -> GitHubError:
        # A proxy or server may echo the request's headers back: never pass the token on.
        status, message = resp.status, redact(_message(body), self.token) or "no message"
        if status == 401:
            return AuthError(
                f"GitHub rejected the token (401 Bad credentials): {token_advice(self.api_url)}",
                status,
            )
        if status in (404, 410):
            return NotFound(
                f"{_path(url)} not found ({status}): check the name and the token's access", status
            )
        if status == 403:
            return GitHubError(
                f"GitHub refused {_path(url)} (403 {message}): the token lacks access", status
            )
        if status in (403, 429):
            return GitHubError(f"GitHub rate limit on {_path(url)} ({status} {message})", status)
        return GitHubError(f"GitHub answered {status} for {_path(url)}: {message}", status)

    def _net_message(self, exc: BaseException) -> str:
        parsed = urlparse(self.api_url)
        where = parsed.netloc or self.api_url
        return redact(
            f"cannot reach GitHub at {where} ({_net_reason(exc)}): check the network or --api-url",
            self.token,
        )


def _split_url(url: str, params: dict[str, Any] | None) -> tuple[str, dict[str, Any] | None]:
    """Absolute next-links carry their own query; PyGithub wants path and parameters apart."""
    parsed = urlparse(url)
    if not parsed.query:
        return url, params
    merged = dict(parse_qsl(parsed.query, keep_blank_values=True))
    merged.update(params or {})
    return parsed._replace(query="").geturl(), merged


def _message(body: str | None) -> str:
    if not body:
        return ""
    try:
        data = json.loads(body)
    except ValueError:
        return body.strip().splitlines()[0][:120] if body.strip() else ""
    return str(data.get("message", "")) if isinstance(data, dict) else ""


def _net_reason(exc: BaseException) -> str:
    """Why a request got no answer, in words: urllib3's own text names pools and retries."""
    text = repr(exc)
    for sign, reason in (
        ("NameResolutionError", "host not found"),
        ("Name or service not known", "host not found"),
        ("refused", "connection refused"),
        ("ConnectTimeout", "no answer to connect"),
        ("ReadTimeout", "no reply in time"),
        ("RemoteDisconnected", "connection closed"),
        ("reset by peer", "connection reset"),
    ):
        if sign in text:
            return reason
    return _short(exc)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    name = type(exc).__name__
    return f"{name}: {text[0][:100]}" if text else name


def _path(url: str) -> str:
    return urlparse(url).path or url
