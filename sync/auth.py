"""Where the GitHub token and API URL come from, and how the token is kept out of every output.

A token is looked up per API host, so a github.com token never reaches an Enterprise server and
an Enterprise token never reaches github.com (see `token_for`). It travels as a `Secret`, whose
repr and str are redacted, so no repr, log line, traceback or crash screen (Textual's shows every
frame's locals) can print it.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
from collections.abc import Mapping
from urllib.parse import urlparse

DEFAULT_API_URL = "https://api.github.com"
GITHUB_COM = "github.com"
GITHUB_COM_VARS = ("GITHUB_TOKEN", "GH_TOKEN")
ENTERPRISE_VARS = ("GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN")


class Secret:
    """A token that never shows itself: repr and str are redacted, `reveal()` gives the value.

    `host` is the host it was looked up for (None: given explicitly by the caller); the API
    client refuses to send it to another one (see `may_go_to`).
    """

    __slots__ = ("_value", "host")

    def __init__(self, value: str, host: str | None = None) -> None:
        self._value = value
        self.host = host

    def reveal(self) -> str:
        return self._value

    def may_go_to(self, api_url: str) -> bool:
        """Only to the host it was looked up for, or to this machine (a loopback test server)."""
        return self.host is None or self.host == token_host(api_url) or is_loopback(api_url)

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"


def is_loopback(api_url: str) -> bool:
    """An API on this machine: 127.0.0.0/8, ::1 or localhost (the tests' fake GitHub)."""
    return _loopback_host(_hostname(api_url))


def _loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _hostname(api_url: str) -> str:
    try:
        return urlparse(api_url).hostname or ""
    except ValueError:
        return ""


def token_host(api_url: str) -> str:
    """The host whose token an API URL takes: github.com for api.github.com, else its own host."""
    host = _hostname(api_url)
    return GITHUB_COM if host == "api.github.com" else host


def token_vars(api_url: str) -> tuple[str, str]:
    """github.com (and a loopback test server) take GITHUB_TOKEN/GH_TOKEN; any other host takes
    GH_ENTERPRISE_TOKEN/GITHUB_ENTERPRISE_TOKEN, the names the GitHub CLI uses."""
    if token_host(api_url) == GITHUB_COM or is_loopback(api_url):
        return GITHUB_COM_VARS
    return ENTERPRISE_VARS


def token_for(
    api_url: str, env: Mapping[str, str] | None = None, gh: str | None = None
) -> Secret | None:
    """The token for this API's host, or None: its two variables in order, then `gh auth token
    --hostname HOST` (HOST: github.com for https://api.github.com, else the API URL's host).

    - github.com: `GITHUB_TOKEN`, then `GH_TOKEN`, then gh for github.com.
    - any other host (GitHub Enterprise): `GH_ENTERPRISE_TOKEN`, then `GITHUB_ENTERPRISE_TOKEN`,
      then gh for that host. GITHUB_TOKEN/GH_TOKEN never go there.
    - a loopback API (127.0.0.0/8, ::1, localhost) counts as a test/dev stand-in for github.com:
      GITHUB_TOKEN/GH_TOKEN, then gh for that host. Nothing sent to it leaves this machine, and
      it is what the tests' fake GitHub and the bench have always used; a separate variable
      would only add a rule for no safety gained.

    `env` defaults to `os.environ` (its PATH finds gh); `gh` names the executable. gh runs
    without the four token variables, so it answers from its own login for HOST only.
    """
    env = os.environ if env is None else env
    for var in token_vars(api_url):
        value = env.get(var, "").strip()
        if value:
            return Secret(value, token_host(api_url))
    host = token_host(api_url)
    gh = gh or shutil.which("gh", path=env.get("PATH", os.defpath))
    if gh is None or not host:
        return None
    clean = {k: v for k, v in env.items() if k not in GITHUB_COM_VARS + ENTERPRISE_VARS}
    try:
        done = subprocess.run(
            [gh, "auth", "token", "--hostname", host],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
            env=clean,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    value = done.stdout.strip() if done.returncode == 0 else ""
    return Secret(value, host) if value and "\n" not in value else None


def find_token(url: str | None = None) -> Secret | None:
    """The token for `url` (default: `DSLP_GITHUB_API_URL`, else github.com): see `token_for`."""
    return token_for(url or api_url())


def no_token_message(api_url: str) -> str:
    """One line: which variable to set, or which `gh auth login` to run, for this API's host."""
    host = token_host(api_url)
    where = "" if host == GITHUB_COM else f" for {host}"
    return f"no GitHub token{where}: {token_advice(api_url)}"


def token_advice(api_url: str) -> str:
    """What to do for this API's host: set VAR (or VAR2), or log in with `gh auth login ...`."""
    first, second = token_vars(api_url)
    host = token_host(api_url)
    login = "gh auth login" if host == GITHUB_COM else f"gh auth login --hostname {host}"
    return f"set {first} (or {second}), or log in with `{login}`"


class BadApiUrl(ValueError):
    """An API address that is not https://HOST[:PORT][/PATH] (http:// only on loopback)."""


def api_url(cli: str | None = None, stored: str | None = None) -> str:
    """`--api-url`, else the repo's stored URL, else `DSLP_GITHUB_API_URL`, else github.com."""
    return check_api_url(cli or stored or os.environ.get("DSLP_GITHUB_API_URL") or DEFAULT_API_URL)


def check_api_url(url: str) -> str:
    """The address without its trailing slash, or BadApiUrl saying what one looks like.

    http:// would send the token in clear text: it is refused except for a loopback address.
    """
    url = url.strip().rstrip("/")
    try:
        parsed = urlparse(url)
        good = parsed.scheme in ("http", "https") and bool(parsed.hostname)
        _ = parsed.port  # a port that is not a number raises here
    except ValueError:
        good = False
    if not good:
        raise BadApiUrl(
            f"{url!r} is not a GitHub API address: give one like https://api.github.com "
            "or https://HOST/api/v3"
        )
    if parsed.scheme == "http" and not _loopback_host(parsed.hostname or ""):
        raise BadApiUrl(
            f"{url!r} would send the token unencrypted: use https://{url[7:]} "
            "(http:// is only for a loopback test server)"
        )
    return url


def redact(text: str, token: Secret | str | None) -> str:
    """Remove the token from a message before it is printed, logged or stored."""
    value = token.reveal() if isinstance(token, Secret) else token
    if value and len(value) >= 4:
        text = text.replace(value, "***")
    return text


def as_secret(token: Secret | str | None) -> Secret | None:
    """A caller's explicit token (tests, the app) wrapped; None or "" stays None."""
    if isinstance(token, Secret):
        return token
    return Secret(token) if token else None
