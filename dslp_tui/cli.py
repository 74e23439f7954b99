"""The `dslp` command line.

Only argparse is imported at start-up; each subcommand imports what it needs, so
`dslp --version` and `dslp --help` answer at once.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from dslp_tui import __version__
from dslp_tui.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CliError, explain_error

SHORT = {
    "ideation": "ask",
    "data": "dat",
    "explore": "exp",
    "experiment": "xpt",
    "model": "mod",
    "deploy": "dep",
    "monitoring": "mon",
}


def _add_db(p: argparse.ArgumentParser, *, top: bool = False) -> None:
    """`--db` before or after the command: `dslp --db X status` = `dslp status --db X`.

    A subcommand's own default would overwrite the top-level value, so only the top has one.
    """
    p.add_argument(
        "--db",
        metavar="PATH",
        default=None if top else argparse.SUPPRESS,
        help="mirror database (default: $DSLP_DB or the data folder)",
    )


class OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line that says where the help is, not the whole usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds, e.g. 900")
    return seconds


_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600}


def _interval(value: str) -> float:
    """`--watch`: 900, 90s, 15m or 1h; at least a minute (GitHub's quota is hourly)."""
    text = value.strip().lower()
    number, unit = text.rstrip("smh"), text[len(text.rstrip("smh")) :]
    if not number.isdigit() or unit not in _UNITS or int(number) * _UNITS[unit] < 60:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an interval of a minute or more, e.g. 15m, 1h or 900"
        )
    return float(int(number) * _UNITS[unit])


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="dslp",
        description="Run data science projects by the DSLP: phase boards, sign-offs, offline "
        "outcome logging, synced with GitHub. With no command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"dslp {__version__}")
    _add_db(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("demo", help="open the app on a seeded demo mirror (no GitHub needed)")
    p.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="demo database (default: demo.db in the data folder)",
    )
    p.add_argument("--no-tui", action="store_true", help="seed the demo and print a status only")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("status", help="one line per project: phase, cards, sign-offs, outbox")
    _add_db(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("board", help="a project's phase board")
    p.add_argument("repo", metavar="OWNER/NAME")
    _add_db(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--open-only", action="store_true", help="leave closed cards out")
    p.set_defaults(func=cmd_board)

    p = sub.add_parser("repo", help="track, list or untrack GitHub repositories")
    repo_sub = p.add_subparsers(dest="repo_command", metavar="ACTION", required=True)
    q = repo_sub.add_parser("add", help="track OWNER/NAME (works offline; the next sync pulls it)")
    q.add_argument("repo", metavar="OWNER/NAME")
    q.add_argument("--path", metavar="LOCAL_CLONE", help="local clone to scan for branches")
    q.add_argument("--api-url", metavar="URL", help="GitHub Enterprise: https://HOST/api/v3")
    _add_db(q)
    q.set_defaults(func=cmd_repo_add)
    q = repo_sub.add_parser("list", help="tracked repositories")
    _add_db(q)
    q.set_defaults(func=cmd_repo_list)
    q = repo_sub.add_parser("remove", help="untrack OWNER/NAME and drop its mirrored rows")
    q.add_argument("repo", metavar="OWNER/NAME")
    q.add_argument("--yes", action="store_true", help="do not ask")
    _add_db(q)
    q.set_defaults(func=cmd_repo_remove)

    from dslp_tui import offline_commands

    offline_commands.register(sub, _add_db)
    from dslp_tui import drive_commands

    drive_commands.register(sub, _add_db)
    from dslp_tui import report_command

    report_command.register(sub, _add_db)
    from dslp_tui import gate_commands

    gate_commands.register(sub, _add_db)
    from dslp_tui import serve

    serve.register(sub, _add_db)

    p = sub.add_parser("labels", help="create or update the DSLP labels on GitHub")
    labels_sub = p.add_subparsers(dest="labels_command", metavar="ACTION", required=True)
    q = labels_sub.add_parser("apply", help="create or update the labels of OWNER/NAME")
    q.add_argument("repo", metavar="OWNER/NAME")
    q.add_argument("--file", metavar="labels.yaml", help="labels in the DSLP template's format")
    q.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    q.add_argument("--api-url", metavar="URL")
    _add_db(q)
    q.set_defaults(func=cmd_labels_apply)

    p = sub.add_parser("sync", help="push offline changes, then pull GitHub and local clones")
    p.add_argument("repos", nargs="*", metavar="OWNER/NAME", help="default: every tracked repo")
    p.add_argument("--full", action="store_true", help="re-read everything and reconcile")
    p.add_argument("--api-url", metavar="URL", help="GitHub API base URL for this run")
    p.add_argument(
        "--max-wait",
        metavar="SECONDS",
        type=_seconds,
        default=900.0,
        help="longest rate-limit wait before stopping cleanly (default 900)",
    )
    p.add_argument(
        "--watch",
        metavar="INTERVAL",
        type=_interval,
        help="sync again every INTERVAL (15m, 1h, 900) until stopped: a team server's schedule",
    )
    _add_db(p)
    p.set_defaults(func=cmd_sync)

    return parser


def _open(args: argparse.Namespace, *, create: bool = False) -> Any:
    from store.db import open_store

    return open_store(getattr(args, "db", None), create=create)


def cmd_status(args: argparse.Namespace) -> int:
    from store.read.portfolio import project_summaries

    store = _open(args)
    with store.session() as session:
        projects = project_summaries(session)
    if args.json:
        print(json.dumps({"projects": [p.as_json() for p in projects]}, indent=2))
        return EXIT_OK
    if not projects:
        print("No projects yet: `dslp repo add OWNER/NAME`, or try `dslp demo`.")
    from dslp_tui.text import ago, safe

    for p in projects:
        cards = " ".join(f"{SHORT[k]}:{p.cards[k]}" for k in p.cards)
        print(
            f"{safe(p.repo):<32} {p.phase:<11} {cards}  sign-offs pending:{p.pending_signoffs}"
            f"  outbox:{p.outbox_pending}  synced {ago(p.last_synced)}"
        )
    return EXIT_OK


BOARD_JSON_FORMAT = "1"  # bump when what `board --json` prints changes: cached texts go stale


def board_text(store: Any, repo: str, *, open_only: bool = False) -> str:
    """What `dslp board --json` prints: one card per line (the benchmark's readers call this).

    On a team mirror the text is read once per revision for all its readers
    (`store.text_cache`)."""
    from store.read.board import board_json_text
    from store.text_cache import cached_text

    def compute() -> str:
        with store.session() as session:
            return board_json_text(session, repo, include_closed=not open_only)

    key = f"board-json:{BOARD_JSON_FORMAT}:{__version__}:{repo}:{'open' if open_only else 'all'}"
    return cached_text(store, key, compute)


def cmd_board(args: argparse.Namespace) -> int:
    from store.read.board import board

    store = _open(args)
    if args.json:
        print(board_text(store, args.repo, open_only=args.open_only))
        return EXIT_OK
    with store.session() as session:
        b = board(session, args.repo, include_closed=not args.open_only)
    from dslp_tui.text import safe
    from store.rules import PHASE_TITLES

    for phase, cards in b.columns.items():
        gate = b.gates[phase]
        mark = "sign-off pending" if gate.pending else (gate.decision or "")
        print(f"== {PHASE_TITLES[phase]} ({len(cards)}) {mark}")
        for c in cards:
            badge = f" [{c.outcome}]" if c.outcome else ""
            sync = " (pending sync)" if c.pending_sync else ""
            print(f"  #{c.number:<5} {c.state:<6} {safe(c.title)}{badge}{sync}")
    if b.unclassified:
        print(f"== Unclassified ({len(b.unclassified)})")
        for c in b.unclassified:
            print(f"  #{c.number:<5} {c.state:<6} {safe(c.title)}")
    return EXIT_OK


def cmd_repo_add(args: argparse.Namespace) -> int:
    import re
    from pathlib import Path

    from store.mirror import ensure_repo

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+", args.repo):
        raise CliError(f"{args.repo!r} is not OWNER/NAME, e.g. dslp repo add acme/churn")
    fields: dict[str, Any] = {}
    if args.path:
        path = Path(args.path).expanduser().resolve()
        if not (path / ".git").exists():
            raise CliError(f"{path} is not a git clone: pass the folder that holds .git")
        fields["local_path"] = str(path)
    if args.api_url:
        from sync.auth import check_api_url

        fields["api_url"] = check_api_url(args.api_url)
    store = _open(args, create=True)
    with store.session(write=True) as session:
        ensure_repo(session, args.repo, **fields)
    print(f"tracking {args.repo}: run `dslp sync {args.repo}` to pull it")
    return EXIT_OK


def cmd_repo_list(args: argparse.Namespace) -> int:
    from dslp_tui.text import ago, safe
    from store.repos import list_repos

    store = _open(args)
    with store.session() as session:
        repos = list_repos(session)
    if not repos:
        print("No repositories tracked: `dslp repo add OWNER/NAME`.")
    for r in repos:
        extra = f"  clone {safe(r.local_path)}" if r.local_path else ""
        api = f"  api {safe(r.api_url)}" if r.api_url else ""
        print(f"{r.full_name:<40} synced {ago(r.last_synced_at)}{extra}{api}")
    return EXIT_OK


def cmd_repo_remove(args: argparse.Namespace) -> int:
    from store.models import PENDING_STATES
    from store.read.outbox import list_outbox
    from store.repos import get_repo

    store = _open(args)
    unpushed = [*PENDING_STATES, "conflict"]  # a conflict is work that never reached GitHub
    with store.session() as session:
        repo = get_repo(session, args.repo)
        waiting = [e for e in list_outbox(session, states=unpushed) if e.repo == repo.full_name]
    if not args.yes:
        warn = f" and {len(waiting)} offline change(s) not on GitHub" if waiting else ""
        if not sys.stdin.isatty():
            raise CliError(f"removing {args.repo} drops its mirror{warn}: add --yes to confirm")
        answer = input(f"Remove {repo.full_name} and its mirrored data{warn}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("kept")
            return EXIT_OK
    with store.session(write=True) as session:
        session.delete(session.merge(repo))
    print(f"removed {repo.full_name}")
    return EXIT_OK


def cmd_labels_apply(args: argparse.Namespace) -> int:
    from dslp_tui.text import safe
    from store.labels_file import LabelFileError, read_labels
    from sync.auth import api_url, find_token, no_token_message
    from sync.github_api import Client
    from sync.labels import apply_labels, default_specs, plan_labels

    try:
        specs = read_labels(args.file) if args.file else default_specs()
    except LabelFileError as exc:
        raise CliError(str(exc)) from None
    stored = None
    if args.db or not args.api_url:
        try:
            from store.repos import get_repo

            with _open(args).session() as session:
                stored = get_repo(session, args.repo).api_url
        except Exception:
            stored = None
    url = api_url(args.api_url, stored)
    token = find_token(url)  # the token of that API's host, never another host's
    if not token:
        raise CliError(no_token_message(url), EXIT_FAILED)
    client = Client(url, token)
    try:
        plan = plan_labels(client, args.repo, specs)
        if not args.dry_run:
            apply_labels(client, args.repo, specs, plan)
    finally:
        client.close()
    verb = "would" if args.dry_run else "did"
    for a in plan:
        detail = f" ({safe(a.detail)})" if a.detail else ""
        print(f"{a.action:<9} {safe(a.name)}{detail}")
    changed = sum(a.action != "unchanged" for a in plan)
    print(f"{args.repo}: {verb} change {changed} of {len(plan)} labels")
    return EXIT_OK


def cmd_sync(args: argparse.Namespace) -> int:
    from dslp_tui.sync_view import run_sync_cli
    from sync.auth import check_api_url

    if args.api_url:
        check_api_url(args.api_url)  # once, before any repo is tried with it

    return run_sync_cli(_open(args), args.repos or None, args)


def cmd_demo(args: argparse.Namespace) -> int:
    from dslp_tui.demo import seed_demo
    from dslp_tui.gc_pause import during_startup
    from store.db import demo_db_path, open_store

    db = args.db or str(demo_db_path())
    store = open_store(db)
    created = seed_demo(store)
    if args.no_tui:
        print(f"demo mirror {'created' if created else 'already seeded'} at {store.path}")
        args.db = db
        args.json = False
        return cmd_status(args)
    with during_startup():
        return run_app(store)


def cmd_app(args: argparse.Namespace) -> int:
    from dslp_tui.gc_pause import during_startup

    with during_startup():  # from the first import on: see gc_pause
        return run_app(_open(args, create=True))


def run_app(store: Any) -> int:
    from dslp_tui.app import DslpApp

    DslpApp(store).run()
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = getattr(args, "func", cmd_app)
    try:
        return func(args)
    except KeyboardInterrupt:
        print("dslp: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `dslp status | head -1`: the reader has all it wanted
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return EXIT_OK
    except Exception as exc:
        message, code = explain_error(exc)
        if message is None:
            raise
        print(f"dslp: {message}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
