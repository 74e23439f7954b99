"""An in-process fake of the GitHub REST API, for tests and benchmarks.

Why it exists: the sync must be tested offline, deterministically and fast, against GitHub's real
wire shapes (PRs inside the issues list with a ``pull_request`` key, ``body: null``, Link
pagination, ETag/304, rate-limit headers, error bodies) and against its failure modes (5xx bursts,
rate limits, dropped connections, a reply lost after the write was applied). Unmodified PyGithub
is pointed at it with ``Github(auth=Auth.Token("test-token"), base_url=fake.base_url)``.

What PyGithub 2.10 does, read from its source (``github/Requester.py``, ``MainClass.py``):

* ``requestJsonAndCheck(verb, url, parameters, headers, input)`` raises only for status >= 400.
  A 304 has an empty body, which it turns into ``None``: it returns ``(headers, None)`` and never
  tells you the status. ``requestJson(...)`` returns ``(status, headers, body_text)`` and never
  raises; ``GithubObject.update()`` uses it with If-None-Match / If-Modified-Since and returns
  False on 304. PyGithub's response header names are lower-case (``headers["etag"]``).
* Every absolute URL the server sends must have base_url's host *and* port, else an
  AssertionError. A 301 with a Location on the same host is followed (path only, query dropped).
* A body that does not start with ``{`` or ``[`` is not a JSON error: it becomes ``{"data": text}``.
  ``Fault.invalid_json()`` therefore starts with ``{`` by default.
* ``retry=None`` means urllib3 ``Retry(0, read=False)``: no retries at all. The default
  ``GithubRetry`` retries 403 rate limits, 5xx, and POST as well. ``seconds_between_requests``
  (0.25 s) and ``seconds_between_writes`` (1 s) throttle by sleeping: pass None in tests.
* A 403 is a RateLimitExceededException only when the message starts with "API rate limit
  exceeded" or is a secondary-limit message; a 429 is always a plain GithubException.

Conventions of this fake: timestamps come from a fake clock (``now``/``tick``/``set_now``) and every
write stamps "now" and then advances the clock by ``auto_tick`` seconds, so stamps are distinct and
ordered. ``html_url`` fields use ``base_url`` too (like GitHub Enterprise, without ``/api/v3``).
On the last page the Link header keeps ``prev``/``first`` (as GitHub does) but has no ``next``.
"""

from __future__ import annotations

import base64
import contextlib
import email.utils
import hashlib
import json
import random
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote, unquote, urlencode

__all__ = ["DOC_URL", "DSLP_LABELS", "FakeGitHub", "Fault", "Injection", "RequestRecord"]

DOC_URL = "https://docs.github.com/rest"
RATE_DOC_URL = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"

#: The DSLP phase labels with the colours and descriptions used by ``bulk_generate``.
DSLP_LABELS: dict[str, tuple[str, str]] = {
    "Ask": ("d876e3", "Frame a question worth answering"),
    "Data": ("0e8a16", "Acquire, clean and document data"),
    "Explore": ("fbca04", "Explore the data and form hypotheses"),
    "Experiment": ("1d76db", "Test a hypothesis with an experiment"),
    "Model": ("b60205", "Build, evaluate and ship a model"),
}

_JSON_SEP = (",", ":")
_T = TypeVar("_T")
_Stamp = datetime | str | int | float


def _iso(t: int | None) -> str | None:
    return None if t is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _to_epoch(value: _Stamp) -> int:
    """Accept what a test naturally has at hand: datetime, ISO string or epoch seconds."""
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=_JSON_SEP)


def _sha(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def _phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Unknown"


# --------------------------------------------------------------------------- faults and log


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


@dataclass(eq=False)
class _Label:
    id: int
    name: str
    color: str
    description: str | None
    cache: dict[str, Any] | None = None


@dataclass(eq=False)
class _Pull:
    id: int
    head: str
    head_sha: str
    base: str
    draft: bool
    merged_at: int | None = None
    merged_by: str | None = None


@dataclass(eq=False)
class _Issue:
    id: int
    number: int
    title: str
    body: str | None
    user: str
    state: str
    state_reason: str | None
    labels: list[_Label]
    assignees: list[str]
    created_at: int
    updated_at: int
    closed_at: int | None
    pull: _Pull | None = None
    closed_by: str | None = None
    locked: bool = False
    comment_ids: list[int] = field(default_factory=list)
    cache: str | None = None
    pull_cache: str | None = None


@dataclass(eq=False)
class _Comment:
    id: int
    number: int
    body: str
    user: str
    created_at: int
    updated_at: int
    cache: str | None = None


@dataclass(eq=False)
class _Branch:
    name: str
    sha: str
    protected: bool = False


@dataclass(eq=False)
class _Repo:
    id: int
    owner: str
    name: str
    default_branch: str
    private: bool
    created_at: int
    description: str | None = None
    labels: dict[str, _Label] = field(default_factory=dict)
    issues: dict[int, _Issue] = field(default_factory=dict)
    comments: dict[int, _Comment] = field(default_factory=dict)
    branches: dict[str, _Branch] = field(default_factory=dict)
    files: dict[str, tuple[str, int]] = field(default_factory=dict)  # path -> (text, stamp)
    pushed_at: int | None = None
    gone: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # status, repo id, num
    next_number: int = 1
    list_cache: dict[tuple[Any, ...], list[Any]] = field(default_factory=dict)
    core: dict[str, Any] | None = None

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass
class _Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    last_modified: int | None = None


class _NotFound(Exception):
    """Raised deep inside a handler to answer GitHub's 404 body."""


# --------------------------------------------------------------------------- HTTP plumbing


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


class FakeGitHub:
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
        self, method: str | None = None, path_prefix: str | None = None, status: int | None = None
    ) -> int:
        """How many logged requests match all given filters."""
        with self._lock:
            return sum(
                1
                for r in self.requests
                if (method is None or r.method == method.upper())
                and (path_prefix is None or r.path.startswith(path_prefix))
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

    def _user(self, login: str) -> dict[str, Any]:
        u = self._users.get(login)
        if u is None:
            uid = self._next_id("user")
            b = self.base_url
            u = {
                "login": login,
                "id": uid,
                "node_id": f"U_kgDO{uid:08d}",
                "avatar_url": f"{b}/avatars/u/{uid}",
                "url": f"{b}/users/{login}",
                "html_url": f"{b}/{login}",
                "type": "User",
                "site_admin": False,
            }
            self._users[login] = u
        return u

    def _repo(self, full_name: str) -> _Repo:
        repo = self._repos.get(full_name.lower())
        if repo is None:
            raise KeyError(f"no repo {full_name!r} in FakeGitHub; call add_repo() first")
        return repo

    def _issue(self, repo: _Repo, number: int) -> _Issue:
        issue = repo.issues.get(number)
        if issue is None:
            raise KeyError(f"no issue #{number} in {repo.full_name}")
        return issue

    def _changed(self, repo: _Repo, issue: _Issue | None = None) -> None:
        """Invalidate cached JSON and sorted lists after a write (keeps reads O(page))."""
        if issue is not None:
            issue.cache = issue.pull_cache = None
        repo.list_cache.clear()

    def _get_label(self, repo: _Repo, name: str, create: bool = False) -> _Label | None:
        label = repo.labels.get(name.lower())
        if label is None and create:
            label = _Label(self._next_id("label"), name, "ededed", None)
            repo.labels[name.lower()] = label
        return label

    # ----------------------------------------------------------------- JSON shapes

    def _repo_core(self, repo: _Repo) -> dict[str, Any]:
        if repo.core is None:
            b, fn = self.base_url, repo.full_name
            api = f"{b}/repos/{fn}"
            repo.core = {
                "id": repo.id,
                "node_id": f"R_kgDO{repo.id:08d}",
                "name": repo.name,
                "full_name": fn,
                "private": repo.private,
                "owner": self._user(repo.owner),
                "html_url": f"{b}/{fn}",
                "description": repo.description,
                "fork": False,
                "url": api,
                "issues_url": f"{api}/issues{{/number}}",
                "pulls_url": f"{api}/pulls{{/number}}",
                "labels_url": f"{api}/labels{{/name}}",
                "branches_url": f"{api}/branches{{/branch}}",
                "comments_url": f"{api}/comments{{/number}}",
                "issue_comment_url": f"{api}/issues/comments{{/number}}",
                "clone_url": f"{b}/{fn}.git",
                "created_at": _iso(repo.created_at),
                "updated_at": _iso(repo.created_at),
                "pushed_at": _iso(repo.pushed_at or repo.created_at),
                "default_branch": repo.default_branch,
                "visibility": "private" if repo.private else "public",
                "archived": False,
                "disabled": False,
                "has_issues": True,
            }
        return repo.core

    def _repo_full(self, repo: _Repo) -> dict[str, Any]:
        d = dict(self._repo_core(repo))
        open_count = sum(1 for i in repo.issues.values() if i.state == "open")
        d.update(
            open_issues_count=open_count,
            open_issues=open_count,
            forks_count=0,
            stargazers_count=0,
            watchers_count=0,
            size=0,
            language="Python",
            topics=[],
            permissions={
                "admin": True,
                "maintain": True,
                "push": True,
                "triage": True,
                "pull": True,
            },
        )
        return d

    def _label_dict(self, repo: _Repo, label: _Label) -> dict[str, Any]:
        if label.cache is None:
            label.cache = {
                "id": label.id,
                "node_id": f"LA_kwDO{label.id:08d}",
                "url": f"{self.base_url}/repos/{repo.full_name}/labels/"
                + quote(label.name, safe=""),
                "name": label.name,
                "color": label.color,
                "default": False,
                "description": label.description,
            }
        return label.cache

    def _issue_json(self, repo: _Repo, it: _Issue) -> str:
        if it.cache is None:
            b, fn, n = self.base_url, repo.full_name, it.number
            api = f"{b}/repos/{fn}"
            url = f"{api}/issues/{n}"
            html = f"{b}/{fn}/{'pull' if it.pull else 'issues'}/{n}"
            d: dict[str, Any] = {
                "url": url,
                "repository_url": api,
                "labels_url": url + "/labels{/name}",
                "comments_url": url + "/comments",
                "events_url": url + "/events",
                "html_url": html,
                "id": it.id,
                "node_id": f"I_kwDO{it.id:08d}",
                "number": n,
                "title": it.title,
                "user": self._user(it.user),
                "labels": [self._label_dict(repo, lb) for lb in it.labels],
                "state": it.state,
                "locked": it.locked,
                "assignee": self._user(it.assignees[0]) if it.assignees else None,
                "assignees": [self._user(a) for a in it.assignees],
                "milestone": None,
                "comments": len(it.comment_ids),
                "created_at": _iso(it.created_at),
                "updated_at": _iso(it.updated_at),
                "closed_at": _iso(it.closed_at),
                "author_association": "OWNER" if it.user == repo.owner else "CONTRIBUTOR",
                "active_lock_reason": None,
                "body": it.body,
                "closed_by": self._user(it.closed_by) if it.closed_by else None,
                "timeline_url": url + "/timeline",
                "performed_via_github_app": None,
                "state_reason": it.state_reason,
            }
            if it.pull is not None:
                d["draft"] = it.pull.draft
                d["pull_request"] = {
                    "url": f"{api}/pulls/{n}",
                    "html_url": html,
                    "diff_url": html + ".diff",
                    "patch_url": html + ".patch",
                    "merged_at": _iso(it.pull.merged_at),
                }
            it.cache = _dumps(d)
        return it.cache

    def _pull_dict(self, repo: _Repo, it: _Issue) -> dict[str, Any]:
        assert it.pull is not None
        p, b, fn, n = it.pull, self.base_url, repo.full_name, it.number
        api = f"{b}/repos/{fn}"
        html = f"{b}/{fn}/pull/{n}"
        base_branch = repo.branches.get(p.base)
        base_sha = base_branch.sha if base_branch else _sha(f"{fn}:{p.base}")
        core = self._repo_core(repo)
        owner = self._user(repo.owner)
        return {
            "url": f"{api}/pulls/{n}",
            "id": p.id,
            "node_id": f"PR_kwDO{p.id:08d}",
            "html_url": html,
            "diff_url": html + ".diff",
            "patch_url": html + ".patch",
            "issue_url": f"{api}/issues/{n}",
            "commits_url": f"{api}/pulls/{n}/commits",
            "review_comments_url": f"{api}/pulls/{n}/comments",
            "comments_url": f"{api}/issues/{n}/comments",
            "statuses_url": f"{api}/statuses/{p.head_sha}",
            "number": n,
            "state": it.state,
            "locked": it.locked,
            "title": it.title,
            "user": self._user(it.user),
            "body": it.body,
            "labels": [self._label_dict(repo, lb) for lb in it.labels],
            "milestone": None,
            "active_lock_reason": None,
            "created_at": _iso(it.created_at),
            "updated_at": _iso(it.updated_at),
            "closed_at": _iso(it.closed_at),
            "merged_at": _iso(p.merged_at),
            "merge_commit_sha": _sha(f"merge:{fn}:{n}") if p.merged_at else None,
            "assignee": self._user(it.assignees[0]) if it.assignees else None,
            "assignees": [self._user(a) for a in it.assignees],
            "requested_reviewers": [],
            "requested_teams": [],
            "head": {
                "label": f"{repo.owner}:{p.head}",
                "ref": p.head,
                "sha": p.head_sha,
                "user": owner,
                "repo": core,
            },
            "base": {
                "label": f"{repo.owner}:{p.base}",
                "ref": p.base,
                "sha": base_sha,
                "user": owner,
                "repo": core,
            },
            "author_association": "OWNER" if it.user == repo.owner else "CONTRIBUTOR",
            "auto_merge": None,
            "draft": p.draft,
        }

    def _pull_json(self, repo: _Repo, it: _Issue) -> str:
        if it.pull_cache is None:
            it.pull_cache = _dumps(self._pull_dict(repo, it))
        return it.pull_cache

    def _pull_full(self, repo: _Repo, it: _Issue) -> dict[str, Any]:
        assert it.pull is not None
        d = self._pull_dict(repo, it)
        merged = it.pull.merged_at is not None
        d.update(
            merged=merged,
            mergeable=None if merged or it.state == "closed" else True,
            rebaseable=None if merged else True,
            mergeable_state="unknown" if merged else "clean",
            merged_by=self._user(it.pull.merged_by) if it.pull.merged_by else None,
            comments=len(it.comment_ids),
            review_comments=0,
            maintainer_can_modify=False,
            commits=1,
            additions=10,
            deletions=2,
            changed_files=1,
        )
        return d

    def _comment_json(self, repo: _Repo, c: _Comment) -> str:
        if c.cache is None:
            b, fn = self.base_url, repo.full_name
            c.cache = _dumps(
                {
                    "url": f"{b}/repos/{fn}/issues/comments/{c.id}",
                    "html_url": f"{b}/{fn}/issues/{c.number}#issuecomment-{c.id}",
                    "issue_url": f"{b}/repos/{fn}/issues/{c.number}",
                    "id": c.id,
                    "node_id": f"IC_kwDO{c.id:08d}",
                    "user": self._user(c.user),
                    "created_at": _iso(c.created_at),
                    "updated_at": _iso(c.updated_at),
                    "author_association": "OWNER" if c.user == repo.owner else "CONTRIBUTOR",
                    "body": c.body,
                    "performed_via_github_app": None,
                }
            )
        return c.cache

    def _branch_dict(self, repo: _Repo, br: _Branch) -> dict[str, Any]:
        return {
            "name": br.name,
            "commit": {
                "sha": br.sha,
                "url": f"{self.base_url}/repos/{repo.full_name}/commits/{br.sha}",
            },
            "protected": br.protected,
        }

    # ----------------------------------------------------------------- test-side API

    def add_repo(
        self, full_name: str, default_branch: str = "main", private: bool = False
    ) -> dict[str, Any]:
        """Create a repo (with its default branch) and return its API JSON."""
        owner, _, name = full_name.partition("/")
        if not owner or not name:
            raise ValueError("full_name must be 'owner/name'")
        with self._lock:
            if full_name.lower() in self._repos:
                raise ValueError(f"repo {full_name!r} exists")
            repo = _Repo(self._next_id("repo"), owner, name, default_branch, private, self._stamp())
            repo.branches[default_branch] = _Branch(default_branch, _sha(f"{full_name}:root"))
            self._repos[full_name.lower()] = repo
            self._repos_by_id[repo.id] = repo
            return self._repo_full(repo)

    def add_label(
        self, repo: str, name: str, color: str = "ededed", description: str | None = ""
    ) -> dict[str, Any]:
        with self._lock:
            r = self._repo(repo)
            if name.lower() in r.labels:
                raise ValueError(f"label {name!r} exists in {repo}")
            label = _Label(self._next_id("label"), name, color.lstrip("#"), description)
            r.labels[name.lower()] = label
            return dict(self._label_dict(r, label))

    def add_issue(
        self,
        repo: str,
        title: str,
        body: str | None = None,
        labels: Iterable[str] = (),
        state: str = "open",
        user: str = "alice",
        closed_at: _Stamp | None = None,
        *,
        created_at: _Stamp | None = None,
        assignees: Iterable[str] = (),
    ) -> dict[str, Any]:
        """Add an issue (labels are created on the fly if missing); returns its API JSON."""
        with self._lock:
            r = self._repo(repo)
            it = self._new_issue(r, title, body, labels, state, user, closed_at, created_at)
            it.assignees = list(assignees)
            return json.loads(self._issue_json(r, it))

    def _new_issue(
        self,
        r: _Repo,
        title: str,
        body: str | None,
        labels: Iterable[str],
        state: str,
        user: str,
        closed_at: _Stamp | None = None,
        created_at: _Stamp | None = None,
    ) -> _Issue:
        if state not in ("open", "closed"):
            raise ValueError(f"bad state {state!r}")
        t = self._stamp() if created_at is None else _to_epoch(created_at)
        closed: int | None = None
        if state == "closed":
            closed = t if closed_at is None else _to_epoch(closed_at)
        label_objs = [self._get_label(r, n, create=True) for n in labels]
        it = _Issue(
            id=self._next_id("issue"),
            number=r.next_number,
            title=title,
            body=body,
            user=user,
            state=state,
            state_reason="completed" if state == "closed" else None,
            labels=[lb for lb in label_objs if lb is not None],
            assignees=[],
            created_at=t,
            updated_at=max(t, closed or t),
            closed_at=closed,
            closed_by=user if state == "closed" else None,
        )
        r.next_number += 1
        r.issues[it.number] = it
        self._changed(r)
        return it

    def add_pull(
        self,
        repo: str,
        title: str,
        head: str,
        base: str = "main",
        body: str | None = None,
        labels: Iterable[str] = (),
        state: str = "open",
        merged: bool = False,
        draft: bool = False,
        user: str = "alice",
        *,
        head_sha: str | None = None,
    ) -> dict[str, Any]:
        """Add a PR; it shares the issue number sequence and shows up in the issues list."""
        with self._lock:
            r = self._repo(repo)
            it = self._new_pull(
                r, title, head, base, body, labels, state, merged, draft, user, head_sha
            )
            return json.loads(self._issue_json(r, it))

    def _new_pull(
        self,
        r: _Repo,
        title: str,
        head: str,
        base: str,
        body: str | None,
        labels: Iterable[str],
        state: str,
        merged: bool,
        draft: bool,
        user: str,
        head_sha: str | None = None,
    ) -> _Issue:
        if merged:
            state = "closed"
        it = self._new_issue(r, title, body, labels, state, user)
        it.state_reason = None
        branch = r.branches.get(head)
        sha = head_sha or (branch.sha if branch else _sha(f"{r.full_name}:{head}"))
        it.pull = _Pull(self._next_id("pull"), head, sha, base, draft)
        if merged:
            it.pull.merged_at = it.closed_at
            it.pull.merged_by = user
        return it

    def add_comment(self, repo: str, number: int, body: str, user: str = "bob") -> dict[str, Any]:
        """Add an issue comment; like GitHub, this bumps the issue's updated_at."""
        with self._lock:
            r = self._repo(repo)
            c = self._new_comment(r, self._issue(r, number), body, user)
            return json.loads(self._comment_json(r, c))

    def edit_comment(self, repo: str, comment_id: int, body: str) -> None:
        """As a user editing a comment on github.com: new body, new updated_at."""
        with self._lock:
            r = self._repo(repo)
            c = r.comments[comment_id]
            c.body, c.updated_at, c.cache = body, self._stamp(), None
            self._changed(r, r.issues[c.number])

    def delete_comment(self, repo: str, comment_id: int) -> None:
        """As a user deleting a comment: it is gone from the list and answers 404."""
        with self._lock:
            r = self._repo(repo)
            c = r.comments.pop(comment_id)
            r.issues[c.number].comment_ids.remove(c.id)
            self._changed(r, r.issues[c.number])

    def _new_comment(self, r: _Repo, it: _Issue, body: str, user: str) -> _Comment:
        t = self._stamp()
        c = _Comment(self._next_id("comment"), it.number, body, user, t, t)
        r.comments[c.id] = c
        it.comment_ids.append(c.id)
        it.updated_at = t
        self._changed(r, it)
        return c

    def put_file(self, repo: str, path: str, text: str) -> None:
        """A file on the default branch, served by the contents API."""
        with self._lock:
            r = self._repo(repo)
            r.pushed_at = self._stamp()
            r.files[path.strip("/")] = (text, r.pushed_at)
            r.core = None  # a push moves the repository's pushed_at

    def remove_file(self, repo: str, path: str) -> None:
        with self._lock:
            r = self._repo(repo)
            r.files.pop(path.strip("/"), None)
            r.pushed_at, r.core = self._stamp(), None

    def _file_dict(self, r: _Repo, path: str, text: str) -> dict[str, Any]:
        raw = text.encode()
        encoded = base64.b64encode(raw).decode()
        sha = hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()
        b = self.base_url
        return {
            "type": "file",
            "encoding": "base64",
            "size": len(raw),
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            # GitHub wraps the base64 at 60 characters a line
            "content": "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60)) + "\n",
            "sha": sha,
            "url": f"{b}/repos/{r.full_name}/contents/{path}?ref={r.default_branch}",
            "html_url": f"https://github.com/{r.full_name}/blob/{r.default_branch}/{path}",
        }

    def add_branch(self, repo: str, name: str, sha: str, protected: bool = False) -> None:
        with self._lock:
            r = self._repo(repo)
            r.branches[name] = _Branch(name, sha, protected)

    def update_issue(self, repo: str, number: int, **fields: Any) -> dict[str, Any]:
        """Change an issue or PR as if someone edited it on github.com; bumps updated_at.

        Fields: title, body, state, state_reason, labels (names), assignees, user, locked,
        closed_at, updated_at (explicit stamp), and for PRs merged, draft, head, base, head_sha.
        """
        with self._lock:
            r = self._repo(repo)
            it = self._issue(r, number)
            explicit_updated = fields.pop("updated_at", None)
            t = self._stamp()
            for key, value in fields.items():
                if key == "labels":
                    it.labels = [lb for n in value if (lb := self._get_label(r, n, create=True))]
                elif key == "state":
                    self._set_state(it, value, t, fields.get("state_reason"))
                    if it.state == "closed" and it.closed_by is None:
                        it.closed_by = it.user
                elif key in ("title", "body", "user", "locked", "state_reason"):
                    setattr(it, key, value)
                elif key == "assignees":
                    it.assignees = list(value)
                elif key == "closed_at":
                    it.closed_at = None if value is None else _to_epoch(value)
                elif it.pull is not None and key == "merged":
                    if value and it.pull.merged_at is None:
                        self._set_state(it, "closed", t, None)
                        it.pull.merged_at = it.closed_at
                        it.pull.merged_by = it.user
                    elif not value:
                        it.pull.merged_at = it.pull.merged_by = None
                elif it.pull is not None and key in ("draft", "head", "base", "head_sha"):
                    setattr(it.pull, key, value)
                else:
                    raise TypeError(f"update_issue() got an unknown field {key!r}")
            it.updated_at = t if explicit_updated is None else _to_epoch(explicit_updated)
            self._changed(r, it)
            return json.loads(self._issue_json(r, it))

    def _set_state(self, it: _Issue, state: str, t: int, reason: str | None) -> None:
        if state not in ("open", "closed"):
            raise ValueError(f"bad state {state!r}")
        if state == it.state:
            if reason is not None:
                it.state_reason = reason
            return
        it.state = state
        if state == "closed":
            it.closed_at = t
            it.state_reason = None if it.pull else (reason or "completed")
        else:
            it.closed_at = None
            it.closed_by = None
            it.state_reason = None if it.pull else (reason or "reopened")

    def delete_issue(self, repo: str, number: int, status: int = 410) -> None:
        """Make the issue vanish: lists drop it and its GET answers 404 or 410 (Gone)."""
        if status not in (404, 410):
            raise ValueError("status must be 404 or 410")
        with self._lock:
            r = self._repo(repo)
            it = r.issues.pop(number)
            for cid in it.comment_ids:
                r.comments.pop(cid, None)
            r.gone[number] = (status, 0, 0)
            self._changed(r)

    def transfer_issue(self, repo: str, number: int, to_repo: str | None = None) -> dict[str, Any]:
        """Move an issue to another repo (created if needed); the old URL answers 301.

        Returns the issue's JSON in its new home.
        """
        with self._lock:
            r = self._repo(repo)
            target_name = to_repo or f"{r.owner}/{r.name}-transferred"
            if target_name.lower() not in self._repos:
                self.add_repo(target_name)
            dst = self._repo(target_name)
            it = r.issues.pop(number)
            it.number = dst.next_number
            dst.next_number += 1
            it.labels = [
                lb for lb in (self._get_label(dst, x.name, create=True) for x in it.labels) if lb
            ]
            it.updated_at = self._stamp()
            for cid in it.comment_ids:
                c = r.comments.pop(cid)
                c.number, c.cache = it.number, None
                dst.comments[cid] = c
            dst.issues[it.number] = it
            r.gone[number] = (301, dst.id, it.number)
            self._changed(r)
            self._changed(dst, it)
            return json.loads(self._issue_json(dst, it))

    def issue(self, repo: str, number: int) -> dict[str, Any]:
        """Current API JSON of an issue or PR (as the issues endpoint shows it)."""
        with self._lock:
            r = self._repo(repo)
            return json.loads(self._issue_json(r, self._issue(r, number)))

    def pull(self, repo: str, number: int) -> dict[str, Any]:
        with self._lock:
            r = self._repo(repo)
            return self._pull_full(r, self._issue(r, number))

    def labels(self, repo: str) -> list[dict[str, Any]]:
        with self._lock:
            r = self._repo(repo)
            return [dict(self._label_dict(r, lb)) for lb in r.labels.values()]

    def comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        with self._lock:
            r = self._repo(repo)
            it = self._issue(r, number)
            return [json.loads(self._comment_json(r, r.comments[c])) for c in it.comment_ids]

    def count_comments(self, repo: str, number: int, contains: str | None = None) -> int:
        """Comments on an issue whose body contains ``contains``: for exactly-once assertions."""
        with self._lock:
            r = self._repo(repo)
            it = self._issue(r, number)
            bodies = (r.comments[c].body for c in it.comment_ids)
            return sum(1 for b in bodies if contains is None or contains in b)

    def bulk_generate(
        self,
        repo: str,
        n: int,
        seed: int = 0,
        *,
        pr_ratio: float = 0.3,
        comment_ratio: float = 0.1,
        closed_ratio: float = 0.35,
    ) -> list[int]:
        """Add ``n`` realistic DSLP issues and PRs fast (10k in ~0.1 s); returns their numbers.

        Creates the repo and the DSLP labels if missing. Deterministic for a given seed.
        """
        rng = random.Random(seed)
        kinds = list(DSLP_LABELS)
        slugs = [
            "xgb",
            "baseline",
            "lstm",
            "features",
            "eda",
            "cleanup",
            "ingest",
            "tuning",
            "cv",
            "drift",
            "sql-extract",
            "shap",
        ]
        people = ["alice", "bob", "carol", "dave", "erin"]
        numbers: list[int] = []
        with self._lock:
            if repo.lower() not in self._repos:
                self.add_repo(repo)
            r = self._repo(repo)
            for name, (color, desc) in DSLP_LABELS.items():
                if name.lower() not in r.labels:
                    self.add_label(repo, name, color, desc)
            extra = self._get_label(r, "blocked", create=True)
            issue_numbers: list[int] = []
            for _ in range(n):
                kind = rng.choice(kinds)
                slug = rng.choice(slugs)
                user = rng.choice(people)
                state = "closed" if rng.random() < closed_ratio else "open"
                body = (
                    None
                    if rng.random() < 0.2
                    else _BODIES[rng.randrange(len(_BODIES))].format(
                        kind=kind, slug=slug, ref=rng.randint(1, max(1, r.next_number - 1))
                    )
                )
                labels = [kind] if rng.random() < 0.95 else []
                if issue_numbers and rng.random() < pr_ratio:
                    ref = rng.choice(issue_numbers)
                    head = f"{kind.lower()}/{ref}-{slug}"
                    merged = state == "closed" and rng.random() < 0.7
                    draft = state == "open" and rng.random() < 0.1
                    it = self._new_pull(
                        r,
                        f"{kind}: {slug} for #{ref}",
                        head,
                        r.default_branch,
                        body,
                        labels,
                        state,
                        merged,
                        draft,
                        user,
                    )
                    if state == "open":
                        r.branches[head] = _Branch(head, it.pull.head_sha if it.pull else "")
                else:
                    it = self._new_issue(
                        r,
                        f"{kind}: {_TITLES[rng.randrange(len(_TITLES))]} ({slug})",
                        body,
                        labels,
                        state,
                        user,
                    )
                    issue_numbers.append(it.number)
                if extra is not None and rng.random() < 0.03:
                    it.labels.append(extra)
                if rng.random() < comment_ratio:
                    for _ in range(rng.randint(1, 3)):
                        self._new_comment(r, it, rng.choice(_COMMENTS), rng.choice(people))
                numbers.append(it.number)
            # Touch a few old items so "sort=updated" differs from "sort=created".
            for num in rng.sample(numbers, k=len(numbers) // 10):
                it = r.issues[num]
                it.updated_at = self._stamp()
                it.cache = it.pull_cache = None
            self._changed(r)
        return numbers

    # ----------------------------------------------------------------- request handling

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

    def _route(self, rec: RequestRecord) -> _Response:
        raw = rec.path.strip("/")
        segs = [unquote(s) for s in raw.split("/")] if raw else []
        m = rec.method
        if segs == ["rate_limit"] and m == "GET":
            core = {
                "limit": self.rate_limit,
                "used": self.rate_used,
                "remaining": max(0, self.rate_limit - self.rate_used),
                "reset": self.rate_reset,
                "resource": "core",
            }
            other = {"limit": 5000, "used": 0, "remaining": 5000, "reset": self.rate_reset}
            return self._json(
                200,
                {
                    "resources": {
                        "core": core,
                        "search": dict(other, limit=30, remaining=30),
                        "graphql": other,
                    },
                    "rate": core,
                },
            )
        if segs == ["user"] and m == "GET":
            assert rec.user is not None
            return self._json(200, dict(self._user(rec.user), name=rec.user.title()))
        repo: _Repo | None = None
        if len(segs) >= 3 and segs[0] == "repos":
            repo, rest = self._repos.get(f"{segs[1]}/{segs[2]}".lower()), segs[3:]
        elif len(segs) >= 2 and segs[0] == "repositories" and segs[1].isdigit():
            repo, rest = self._repos_by_id.get(int(segs[1])), segs[2:]
        if repo is None:
            raise _NotFound
        if m in ("POST", "PATCH", "PUT") and self._body(rec) is None:
            return self._error(400, "Problems parsing JSON")
        return self._repo_route(rec, repo, rest)

    def _repo_route(self, rec: RequestRecord, r: _Repo, rest: list[str]) -> _Response:
        m, n = rec.method, len(rest)
        get = m in ("GET", "HEAD")
        if n == 0 and get:
            return self._json(200, self._repo_full(r), r.pushed_at or r.created_at)
        head = rest[0]
        if head == "labels":
            if n == 1 and get:
                return self._page(
                    rec, list(r.labels.values()), lambda lb: _dumps(self._label_dict(r, lb))
                )
            if n == 1 and m == "POST":
                return self._create_label(r, self._body(rec))
            if n == 2:
                return self._label_item(rec, r, rest[1])
        if head == "issues":
            if n == 1 and get:
                return self._list_issues(rec, r)
            if n == 1 and m == "POST":
                return self._create_issue(rec, r)
            if n >= 2 and rest[1] == "comments":
                return self._comments_route(rec, r, rest[2:])
            if n >= 2 and rest[1].isdigit():
                return self._issue_route(rec, r, int(rest[1]), rest[2:])
        if head == "pulls":
            if n == 1 and get:
                return self._list_pulls(rec, r)
            if n == 2 and get and rest[1].isdigit():
                it = r.issues.get(int(rest[1]))
                if it is None or it.pull is None:
                    raise _NotFound
                return self._json(200, self._pull_full(r, it), it.updated_at)
        if head == "contents" and get and n >= 2:
            path = "/".join(rest[1:])
            if path not in r.files:
                return self._error(404, "Not Found")
            text, stamp = r.files[path]
            return self._json(200, self._file_dict(r, path, text), stamp)
        if head == "branches" and get:
            if n == 1:
                items = list(r.branches.values())
                if "protected" in rec.query:
                    want = rec.query["protected"].lower() == "true"
                    items = [b for b in items if b.protected == want]
                return self._page(rec, items, lambda b: _dumps(self._branch_dict(r, b)))
            br = r.branches.get("/".join(rest[1:]))
            if br is None:
                return self._error(404, "Branch not found")
            return self._json(200, self._branch_dict(r, br))
        raise _NotFound

    def _create_label(self, r: _Repo, data: Any) -> _Response:
        name = data.get("name") if isinstance(data, dict) else None
        if not name:
            return self._invalid("Label", "missing_field", "name")
        if name.lower() in r.labels:
            return self._invalid("Label", "already_exists", "name")
        color = str(data.get("color") or "ededed").lstrip("#")
        if not re.fullmatch(r"[0-9a-fA-F]{6}", color):
            return self._invalid("Label", "invalid", "color")
        label = _Label(self._next_id("label"), name, color, data.get("description"))
        r.labels[name.lower()] = label
        d = self._label_dict(r, label)
        return self._json(201, d, headers={"Location": d["url"]})

    def _label_item(self, rec: RequestRecord, r: _Repo, name: str) -> _Response:
        label = r.labels.get(name.lower())
        if label is None:
            raise _NotFound
        if rec.method in ("GET", "HEAD"):
            return self._json(200, self._label_dict(r, label))
        if rec.method == "DELETE":
            del r.labels[name.lower()]
            for it in r.issues.values():
                if label in it.labels:
                    it.labels.remove(label)
                    it.cache = it.pull_cache = None
            self._changed(r)
            return _Response(204)
        if rec.method != "PATCH":
            raise _NotFound
        data = self._body(rec)
        if not isinstance(data, dict):
            return self._error(400, "Problems parsing JSON")
        new_name = data.get("new_name") or data.get("name") or label.name
        if new_name.lower() != name.lower() and new_name.lower() in r.labels:
            return self._invalid("Label", "already_exists", "name")
        if "color" in data:
            color = str(data["color"]).lstrip("#")
            if not re.fullmatch(r"[0-9a-fA-F]{6}", color):
                return self._invalid("Label", "invalid", "color")
            label.color = color
        if "description" in data:
            label.description = data["description"]
        if new_name != label.name:
            r.labels = {
                (new_name.lower() if k == name.lower() else k): v for k, v in r.labels.items()
            }
            label.name = new_name
        label.cache = None
        for it in r.issues.values():
            if label in it.labels:
                it.cache = it.pull_cache = None
        self._changed(r)
        return self._json(200, self._label_dict(r, label))

    def _since(self, rec: RequestRecord) -> int | None:
        value = rec.query.get("since")
        return _to_epoch(value) if value else None

    def _cached_list(
        self, r: _Repo, key: tuple[Any, ...], build: Callable[[], list[_T]]
    ) -> list[_T]:
        """Filtered+sorted lists are cached until the next write, so paging is O(page)."""
        got = r.list_cache.get(key)
        if got is None:
            if len(r.list_cache) > 64:
                r.list_cache.clear()
            got = r.list_cache[key] = build()
        return got

    def _list_issues(self, rec: RequestRecord, r: _Repo) -> _Response:
        q = rec.query
        state = q.get("state", "open")
        sort = q.get("sort", "created")
        direction = q.get("direction", "desc")
        try:
            since = self._since(rec)
        except ValueError:
            return self._invalid("Issue", "invalid", "since")
        wanted = tuple(
            sorted(x.strip().lower() for x in q.get("labels", "").split(",") if x.strip())
        )
        creator, assignee = q.get("creator"), q.get("assignee")

        def build() -> list[_Issue]:
            items = list(r.issues.values())
            if state != "all":
                items = [i for i in items if i.state == state]
            if since is not None:
                items = [i for i in items if i.updated_at >= since]
            if wanted:
                items = [i for i in items if set(wanted) <= {lb.name.lower() for lb in i.labels}]
            if creator:
                items = [i for i in items if i.user == creator]
            if assignee == "none":
                items = [i for i in items if not i.assignees]
            elif assignee == "*":
                items = [i for i in items if i.assignees]
            elif assignee:
                items = [i for i in items if assignee in i.assignees]
            return self._sorted(items, sort, direction == "desc")

        key = ("issues", state, sort, direction, since, wanted, creator, assignee)
        items = self._cached_list(r, key, build)
        return self._page(rec, items, lambda i: self._issue_json(r, i), lambda i: i.updated_at)

    @staticmethod
    def _sorted(items: list[_Issue], sort: str, desc: bool) -> list[_Issue]:
        if sort == "updated":
            items.sort(key=lambda i: (i.updated_at, i.number), reverse=desc)
        elif sort == "comments":
            items.sort(key=lambda i: (len(i.comment_ids), i.number), reverse=desc)
        else:
            items.sort(key=lambda i: (i.created_at, i.number), reverse=desc)
        return items

    def _list_pulls(self, rec: RequestRecord, r: _Repo) -> _Response:
        q = rec.query
        state, sort = q.get("state", "open"), q.get("sort", "created")
        direction = q.get("direction", "desc" if sort == "created" else "asc")
        base, head = q.get("base"), q.get("head")

        def build() -> list[_Issue]:
            items = [
                i
                for i in r.issues.values()
                if i.pull is not None and (state == "all" or i.state == state)
            ]
            if base:
                items = [i for i in items if i.pull and i.pull.base == base]
            if head:
                ref = head.partition(":")[2] or head
                items = [i for i in items if i.pull and i.pull.head == ref]
            return self._sorted(items, sort, direction == "desc")

        items = self._cached_list(r, ("pulls", state, sort, direction, base, head), build)
        return self._page(rec, items, lambda i: self._pull_json(r, i), lambda i: i.updated_at)

    def _create_issue(self, rec: RequestRecord, r: _Repo) -> _Response:
        data = self._body(rec)
        if not isinstance(data, dict) or not data.get("title"):
            return self._invalid("Issue", "missing_field", "title")
        assert rec.user is not None
        it = self._new_issue(
            r,
            str(data["title"]),
            data.get("body"),
            self._label_names(data.get("labels") or []),
            "open",
            rec.user,
        )
        it.assignees = list(data.get("assignees") or [])
        d = json.loads(self._issue_json(r, it))
        return self._json(201, d, headers={"Location": d["url"]})

    @staticmethod
    def _label_names(value: Any) -> list[str]:
        if isinstance(value, dict):
            value = value.get("labels") or []
        if not isinstance(value, list):
            return []
        return [v["name"] if isinstance(v, dict) else str(v) for v in value]

    def _gone(self, r: _Repo, number: int) -> _Response:
        status, repo_id, new_number = r.gone[number]
        if status == 301:
            loc = f"{self.base_url}/repositories/{repo_id}/issues/{new_number}"
            return self._json(
                301,
                {"message": "Moved Permanently", "url": loc, "documentation_url": DOC_URL},
                headers={"Location": loc},
            )
        if status == 410:
            return self._error(410, "This issue was deleted")
        raise _NotFound

    def _issue_route(self, rec: RequestRecord, r: _Repo, number: int, rest: list[str]) -> _Response:
        it = r.issues.get(number)
        if it is None:
            if number in r.gone:
                return self._gone(r, number)
            raise _NotFound
        m, get = rec.method, rec.method in ("GET", "HEAD")
        assert rec.user is not None
        if not rest:
            if get:
                return self._json(200, json.loads(self._issue_json(r, it)), it.updated_at)
            if m == "PATCH":
                return self._patch_issue(rec, r, it)
        elif rest[0] == "labels":
            if len(rest) == 1 and get:
                return self._page(rec, it.labels, lambda lb: _dumps(self._label_dict(r, lb)))
            if len(rest) == 1 and m in ("POST", "PUT"):
                names = self._label_names(self._body(rec))
                new = [] if m == "PUT" else list(it.labels)
                for name in names:
                    lb = self._get_label(r, name, create=True)
                    if lb is not None and lb not in new:
                        new.append(lb)
                it.labels = new
                it.updated_at = self._stamp()
                self._changed(r, it)
                return self._json(200, [self._label_dict(r, lb) for lb in it.labels])
            if m == "DELETE":
                if len(rest) == 1:
                    it.labels = []
                else:
                    lb = r.labels.get("/".join(rest[1:]).lower())
                    if lb is None or lb not in it.labels:
                        return self._error(404, "Label does not exist")
                    it.labels.remove(lb)
                it.updated_at = self._stamp()
                self._changed(r, it)
                if len(rest) == 1:
                    return _Response(204)
                return self._json(200, [self._label_dict(r, lb) for lb in it.labels])
        elif rest == ["comments"]:
            if get:
                try:
                    since = self._since(rec)
                except ValueError:
                    return self._invalid("IssueComment", "invalid", "since")
                items = [r.comments[c] for c in it.comment_ids]
                if since is not None:
                    items = [c for c in items if c.updated_at >= since]
                return self._page(
                    rec, items, lambda c: self._comment_json(r, c), lambda c: c.updated_at
                )
            if m == "POST":
                data = self._body(rec)
                if not isinstance(data, dict) or not isinstance(data.get("body"), str):
                    return self._invalid("IssueComment", "missing_field", "body")
                c = self._new_comment(r, it, data["body"], rec.user)
                d = json.loads(self._comment_json(r, c))
                return self._json(201, d, headers={"Location": d["url"]})
        raise _NotFound

    def _patch_issue(self, rec: RequestRecord, r: _Repo, it: _Issue) -> _Response:
        data = self._body(rec)
        if not isinstance(data, dict):
            return self._error(400, "Problems parsing JSON")
        if "state" in data and data["state"] not in ("open", "closed"):
            return self._invalid("Issue", "invalid", "state")
        if "title" in data and not data["title"]:
            return self._invalid("Issue", "missing_field", "title")
        t = self._stamp()
        if "title" in data:
            it.title = str(data["title"])
        if "body" in data:
            it.body = data["body"]
        if "labels" in data:
            it.labels = [
                lb
                for n in self._label_names(data["labels"])
                if (lb := self._get_label(r, n, create=True))
            ]
        if "assignees" in data:
            it.assignees = list(data["assignees"] or [])
        if "state" in data:
            self._set_state(it, data["state"], t, data.get("state_reason"))
            if it.state == "closed" and it.closed_by is None:
                it.closed_by = rec.user
        elif data.get("state_reason"):
            it.state_reason = data["state_reason"]
        it.updated_at = t
        self._changed(r, it)
        return self._json(200, json.loads(self._issue_json(r, it)))

    def _comments_route(self, rec: RequestRecord, r: _Repo, rest: list[str]) -> _Response:
        m, get = rec.method, rec.method in ("GET", "HEAD")
        if not rest and get:
            q = rec.query
            try:
                since = self._since(rec)
            except ValueError:
                return self._invalid("IssueComment", "invalid", "since")
            sort, direction = q.get("sort", "created"), q.get("direction", "asc")

            def build() -> list[_Comment]:
                items = list(r.comments.values())
                if since is not None:
                    items = [c for c in items if c.updated_at >= since]
                if sort == "updated":
                    items.sort(key=lambda c: (c.updated_at, c.id))
                else:
                    items.sort(key=lambda c: (c.created_at, c.id))
                if direction == "desc":
                    items.reverse()
                return items

            items = self._cached_list(r, ("comments", since, sort, direction), build)
            return self._page(
                rec, items, lambda c: self._comment_json(r, c), lambda c: c.updated_at
            )
        if len(rest) == 1 and rest[0].isdigit():
            c = r.comments.get(int(rest[0]))
            if c is None:
                raise _NotFound
            if get:
                return self._json(200, json.loads(self._comment_json(r, c)), c.updated_at)
            it = r.issues[c.number]
            if m == "PATCH":
                data = self._body(rec)
                if not isinstance(data, dict) or not isinstance(data.get("body"), str):
                    return self._invalid("IssueComment", "missing_field", "body")
                c.body, c.updated_at, c.cache = data["body"], self._stamp(), None
                self._changed(r, it)
                return self._json(200, json.loads(self._comment_json(r, c)))
            if m == "DELETE":
                del r.comments[c.id]
                it.comment_ids.remove(c.id)
                self._changed(r, it)
                return _Response(204)
        raise _NotFound


_TITLES = [
    "Why do churned customers cluster in March?",
    "Pull two years of order history",
    "Check label leakage in the training set",
    "Does seasonality explain the dip?",
    "Compare gradient boosting against the baseline",
    "Ship the scoring job to staging",
    "Document the feature store schema",
    "Investigate drift in the pricing model",
]

_BODIES = [
    "## Question\nCan we predict {slug} outcomes well enough to act on them?\n\n"
    "## Why it matters\nSee #{ref}; the {kind} phase is blocked until we know.\n\n"
    "- [ ] agree on a metric\n- [x] get data access\n",
    "Follow-up to #{ref}.\n\nThe {slug} notebook is in `notebooks/{slug}.ipynb`. "
    "Results so far:\n\n| metric | value |\n|---|---|\n| AUC | 0.81 |\n| F1 | 0.64 |\n",
    "### Hypothesis\n{kind}: changing the {slug} step improves recall by 5%.\n\n"
    "### Plan\n1. Split by time\n2. Train\n3. Compare against #{ref}\n\n"
    "<!-- dslp: phase={kind} -->\n",
    "Quick note: {slug} needs a re-run after the data refresh.",
]

_COMMENTS = [
    "Looks good to me.",
    "Can you add the confusion matrix?",
    "Re-ran with the new split; numbers hold.",
    "Blocked on data access, see the Data issue.",
    "Outcome: hypothesis rejected, closing.",
]
