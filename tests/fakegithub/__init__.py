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

from tests.fakegithub.base import DOC_URL, DSLP_LABELS
from tests.fakegithub.faults import Fault, Injection, RequestRecord
from tests.fakegithub.server import FakeGitHub

__all__ = ["DOC_URL", "DSLP_LABELS", "FakeGitHub", "Fault", "Injection", "RequestRecord"]
