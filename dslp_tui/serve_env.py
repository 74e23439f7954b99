"""What `dslp serve` decides before any web code runs: which hosts are loopback, the command
and the environment of each session's app process, and the page shown past the session limit.

Stdlib only, and imported by the app (for the two flag names): what is not needed at once is
imported where it is used.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

READ_ONLY_ENV = "DSLP_READ_ONLY"  # "1": the app refuses every outbox change (App.refuse_write)
SERVED_ENV = "DSLP_SERVED"  # "1": a session of `dslp serve` (never syncs)

# The GitHub token variables sync/auth.py reads (github.com and Enterprise), the one a user may
# set by analogy, and the API URL variable sync/auth.py also reads: none reaches a session.
GITHUB_VARS = frozenset(
    {
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "GH_ENTERPRISE_TOKEN",
        "GITHUB_ENTERPRISE_TOKEN",
        "DSLP_GITHUB_TOKEN",
        "DSLP_GITHUB_API_URL",
    }
)


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 (bracketed or not) or localhost: only this machine can connect."""
    import ipaddress

    name = host.strip().lower().strip("[]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_secret_name(name: str) -> bool:
    """A variable a guest session must not inherit: the GitHub ones by name, any `GH_*` or
    `GITHUB_*` (the GitHub CLI's and Actions' settings), and anything called a token."""
    upper = name.upper()
    return upper in GITHUB_VARS or upper.startswith(("GH_", "GITHUB_")) or upper.endswith("TOKEN")


def path_without_gh(path: str) -> str:
    """PATH less the folders that hold a `gh` executable.

    sync/auth.py falls back to `gh auth token` when no variable is set, finding gh on PATH;
    it has no switch to turn that off, so a session gets a PATH where gh is not found. A
    session never syncs (the app refuses), so this is the second lock, not the first.
    """
    keep = []
    for folder in path.split(os.pathsep):
        if not folder:
            continue
        gh = os.path.join(folder, "gh")
        if os.path.isfile(gh) and os.access(gh, os.X_OK):
            continue
        keep.append(folder)
    return os.pathsep.join(keep)


def child_env(base: Mapping[str, str], *, db_url: str, read_only: bool) -> dict[str, str]:
    """The environment of one session's app process, built from `base` (the server's, plus
    what textual-serve adds for its web driver).

    No GitHub token, no gh on PATH; the mirror named by `DSLP_DB` (so a PostgreSQL URL with a
    password is not on a command line that `ps` shows); `DSLP_SERVED=1`, and
    `DSLP_READ_ONLY=1` unless the operator allowed writes.
    """
    env = {k: v for k, v in base.items() if not is_secret_name(k)}
    env["PATH"] = path_without_gh(base.get("PATH", os.defpath))
    env["DSLP_DB"] = db_url
    env[SERVED_ENV] = "1"
    if read_only:
        env[READ_ONLY_ENV] = "1"
    else:
        env.pop(READ_ONLY_ENV, None)
    return env


def child_command() -> list[str]:
    """This interpreter running this dslp's app (`dslp` with no command) on `DSLP_DB`.

    `-P`: the server's working folder is not put on sys.path, so a `dslp_tui/` folder there
    cannot stand in for the installed one.
    """
    return [sys.executable, "-P", "-m", "dslp_tui.cli"]


def sessions_full_page(open_sessions: int, limit: int) -> str:
    """The page a browser gets past `--max-sessions` (with status 503)."""
    import html

    line = (
        f"{open_sessions} sessions are open: the limit is {limit}; close one or ask the host "
        "to raise --max-sessions"
    )
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>dslp: too many sessions'
        '</title></head>\n<body style="font-family: sans-serif; margin: 3em">'
        f"<h1>dslp is busy</h1>\n<p>{html.escape(line)}.</p>\n"
        '<p><a href="">Try again</a></p></body></html>\n'
    )
