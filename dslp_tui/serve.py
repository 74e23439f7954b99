"""`dslp serve`: the app for browsers, one app process per browser session, on this mirror.

A served session is a guest: read-only unless the operator allows writes on loopback, never
given a GitHub token, never syncing. Beyond loopback a token is required (given, or generated
and printed in the address, as Jupyter does). The web part (`serve_web`) needs textual-serve,
the `web` extra, and is imported only when the command runs: `dslp --version` stays instant.
"""

from __future__ import annotations

import argparse
import os
from types import ModuleType
from typing import Any

from dslp_tui.errors import EXIT_FAILED, EXIT_OK, CliError

TOKEN_ENV = "DSLP_SERVE_TOKEN"  # --token's default: a token kept off the command line (ps)
INSTALL = "pip install 'dslp-tui[web]'"


def _port(value: str) -> int:
    port = int(value) if value.strip().isdigit() else -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port, e.g. 8000 (0: any free one)")
    return port


def _positive(value: str) -> int:
    number = int(value) if value.strip().isdigit() else 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of sessions, e.g. 8")
    return number


def register(sub: Any, add_db: Any) -> None:
    p = sub.add_parser(
        "serve", help="run the app for browsers (one session per tab; read-only by default)"
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; beyond loopback a token is required)",
    )
    p.add_argument("--port", type=_port, default=8000, help="default 8000; 0: any free port")
    add_db(p)
    p.add_argument(
        "--allow-writes",
        action="store_true",
        help="let sessions log outcomes, sign-offs, checklists, model statuses (loopback only)",
    )
    p.add_argument(
        "--token",
        default=os.environ.get(TOKEN_ENV),
        help=f"the token browsers must give (?token=...); default ${TOKEN_ENV}, generated when "
        "listening beyond loopback",
    )
    p.add_argument(
        "--max-sessions",
        type=_positive,
        default=8,
        metavar="N",
        help="sessions (app processes) at once; past it a page says so (default 8)",
    )
    p.set_defaults(func=cmd_serve)


def web_module() -> ModuleType:
    """`serve_web`, or one line naming the extra when textual-serve is not installed."""
    try:
        import textual_serve.server  # noqa: F401
    except ImportError:
        raise CliError(f"dslp serve needs textual-serve: {INSTALL}", EXIT_FAILED) from None
    from dslp_tui import serve_web

    return serve_web


def check_access(host: str, token: str | None, allow_writes: bool) -> str | None:
    """The token to require (None: none), or a CliError (exit 2) for what is not allowed."""
    import secrets

    from dslp_tui.serve_env import is_loopback_host

    loopback = is_loopback_host(host)
    if allow_writes and not loopback:
        raise CliError(
            f"--allow-writes is for a loopback host only (127.0.0.1, ::1, localhost), not "
            f"{host}: sessions reached from other machines stay read-only"
        )
    if token is not None and not token.strip():
        raise CliError("--token is empty: give a token, or leave it out to get one generated")
    if token is None and not loopback:
        return secrets.token_urlsafe(32)
    return token


def cmd_serve(args: argparse.Namespace) -> int:
    token = check_access(args.host, args.token, args.allow_writes)
    web = web_module()
    from store.db import open_store, shown_url

    # Opened (and migrated, if it is behind) once here, so sessions never race to upgrade it.
    store = open_store(getattr(args, "db", None), create=False)
    db_url, where = store.url, str(store.path) if store.path else shown_url(store.url)
    store.dispose()
    options = web.ServeOptions(
        db_url=db_url,
        host=args.host,
        port=args.port,
        read_only=not args.allow_writes,
        token=token,
        max_sessions=args.max_sessions,
    )
    mode = "writes allowed" if args.allow_writes else "read-only"

    def announce(running: Any) -> None:
        print(f"dslp serve: {web.public_url(args.host, running.port, token)}", flush=True)
        print(
            f"  mirror {where}; {mode}; at most {args.max_sessions} sessions; ctrl+c stops",
            flush=True,
        )

    try:
        web.serve_forever(options, announce)
    except web.ListenError as exc:
        raise CliError(str(exc), EXIT_FAILED) from None
    return EXIT_OK
