"""Where the GitHub token and API URL come from, and how the token is kept out of every output."""

from __future__ import annotations

import os
import shutil
import subprocess
from urllib.parse import urlparse

DEFAULT_API_URL = "https://api.github.com"


def find_token() -> str | None:
    """`GITHUB_TOKEN`, then `GH_TOKEN`, then `gh auth token` when the GitHub CLI is installed."""
    for var in ("GITHUB_TOKEN", "GH_TOKEN"):
        value = os.environ.get(var, "").strip()
        if value:
            return value
    gh = shutil.which("gh")
    if gh is None:
        return None
    try:
        done = subprocess.run(
            [gh, "auth", "token"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    token = done.stdout.strip()
    return token if done.returncode == 0 and token else None


class BadApiUrl(ValueError):
    """An API address that is not http(s)://HOST[:PORT][/PATH]."""


def api_url(cli: str | None = None, stored: str | None = None) -> str:
    """`--api-url`, else the repo's stored URL, else `DSLP_GITHUB_API_URL`, else github.com."""
    return check_api_url(cli or stored or os.environ.get("DSLP_GITHUB_API_URL") or DEFAULT_API_URL)


def check_api_url(url: str) -> str:
    """The address without its trailing slash, or BadApiUrl saying what one looks like."""
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
    return url


def redact(text: str, token: str | None) -> str:
    """Remove the token from a message before it is printed, logged or stored."""
    if token and len(token) >= 4:
        text = text.replace(token, "***")
    return text
