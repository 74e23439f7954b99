"""Faults a test injects into the fake GitHub, and the record of each request."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tests.fakegithub.base import (
    DOC_URL,
    RATE_DOC_URL,
)


@dataclass(frozen=True)
class Fault:
    """One misbehaviour to inject; build it with the classmethods, not the constructor."""

    kind: str
    code: int = 0
    body: Any = None
    headers: Mapping[str, str] | None = None
    after_apply: bool = False
    partial: bool = True
    callback: Callable[[RequestRecord], None] | None = None
    text: str = ""
    seconds: float = 0.0

    @classmethod
    def status(cls, code: int, body: Any = None, headers: Mapping[str, str] | None = None) -> Fault:
        """Answer with ``code`` instead of touching state; body None gives GitHub's error shape.

        ``body`` may be a dict/list (sent as JSON) or a str (sent as-is, e.g. an HTML 502 page).
        """
        return cls("status", code=code, body=body, headers=headers)

    @classmethod
    def drop(cls, after_apply: bool = False, partial: bool = True) -> Fault:
        """Close the connection mid-reply.

        ``partial`` sends the headers (with the full Content-Length) and half the body first,
        otherwise nothing at all is sent. ``after_apply`` performs the request first, which is
        the "write applied server-side but the reply was lost" case.
        """
        return cls("drop", after_apply=after_apply, partial=partial)

    @classmethod
    def truncated_json(cls) -> Fault:
        """Perform the request, then send a complete HTTP reply whose JSON body is cut in half."""
        return cls("truncated_json")

    @classmethod
    def invalid_json(cls, text: str = '{"message": <!DOCTYPE html>') -> Fault:
        """Answer 200 with a body that is not JSON (starts with ``{`` so PyGithub chokes)."""
        return cls("invalid_json", text=text)

    @classmethod
    def after(cls, callback: Callable[[RequestRecord], None], drop: bool = False) -> Fault:
        """Perform the request, then call ``callback(record)`` before replying.

        If the callback raises, or ``drop`` is set, the connection is closed without a reply.
        """
        return cls("after", callback=callback, after_apply=True, partial=not drop)

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Sleep before answering normally, for timeout and spinner tests."""
        return cls("delay", seconds=seconds)

    @classmethod
    def rate_limited(cls, reset_in: int = 60) -> Fault:
        """GitHub's primary rate-limit 403 (PyGithub raises RateLimitExceededException)."""
        body = {
            "message": "API rate limit exceeded for user ID 1.",
            "documentation_url": RATE_DOC_URL,
            "status": "403",
        }
        headers = {
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(int(time.time()) + reset_in),
        }
        return cls.status(403, body, headers)

    @classmethod
    def secondary_rate_limited(cls, retry_after: int | None = 60, code: int = 403) -> Fault:
        """GitHub's secondary ("abuse") limit, as a 403 or 429, optionally with Retry-After."""
        body = {
            "message": "You have exceeded a secondary rate limit. "
            "Please wait a few minutes before you try again.",
            "documentation_url": RATE_DOC_URL,
            "status": str(code),
        }
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        return cls.status(code, body, headers)

    @classmethod
    def too_many_requests(cls, retry_after: int | None = None) -> Fault:
        """A 429; without Retry-After PyGithub raises a plain GithubException."""
        return cls.secondary_rate_limited(retry_after, code=429)

    @classmethod
    def forbidden(cls, message: str = "Resource not accessible by personal access token") -> Fault:
        """A permission 403 that is not a rate limit."""
        body = {"message": message, "documentation_url": DOC_URL, "status": "403"}
        return cls.status(403, body)


@dataclass
class Injection:
    """A pending fault; ``remaining`` None means forever, ``hits`` counts uses."""

    method: str | None
    pattern: re.Pattern[str]
    fault: Fault
    remaining: int | None
    hits: int = 0


@dataclass
class RequestRecord:
    """One request as the server saw it, for assertions such as "posted exactly once"."""

    method: str
    path: str
    query: dict[str, str]
    body: bytes
    headers: dict[str, str]
    status: int = 0
    fault: str | None = None
    user: str | None = None

    @property
    def json(self) -> Any:
        """The request body parsed as JSON, or None if empty or not JSON."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None


# --------------------------------------------------------------------------- data model
