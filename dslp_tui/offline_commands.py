"""Commands that only write the local store, so they work on a train: log, signoff,
checklist, model, outbox. Each change is in SQLite when the command returns and reaches GitHub
at the next `dslp sync`."""

from __future__ import annotations

import argparse
import json
import math
import re
from typing import Any

from dslp_tui.errors import UsageError
from dslp_tui.text import safe

_REF = re.compile(r"(?P<repo>[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+)#(?P<number>[1-9][0-9]*)")


MAX_ISSUE = 2**31 - 1  # GitHub's issue numbers are 32-bit


def parse_ref(value: str) -> tuple[str, int]:
    found = _REF.fullmatch(value.strip())
    if not found:
        raise UsageError(f"{value!r} is not OWNER/NAME#NUMBER, e.g. acme/churn#12")
    return found["repo"], issue_number(found["number"])


def issue_number(value: str) -> int:
    """An issue number as GitHub has them, or a UsageError (argparse type too)."""
    number = int(value) if value.strip().isdigit() else 0
    if not 1 <= number <= MAX_ISSUE:
        raise UsageError(f"{value!r} is not an issue number, e.g. 12")
    return number


def _number(value: str) -> int | float | None:
    """A finite number, exact for integers; None for anything else (nan, inf, 'abc', '')."""
    text = value.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def parse_pairs(values: list[str] | None, what: str, *, numbers: bool) -> dict[str, Any]:
    """NAME=VALUE pairs. Metrics must be finite numbers, so reports can chart them; parameters
    may be words too (`model=lgbm`)."""
    out: dict[str, Any] = {}
    for raw in values or []:
        name, sep, value = (part.strip() for part in raw.partition("="))
        if not sep or not name or not value:
            raise UsageError(f"{what} {raw!r} is not NAME=VALUE, e.g. {what} auc=0.81")
        number = _number(value)
        if number is None and numbers:
            raise UsageError(f"{what} {safe(raw)!r}: the value must be a number, e.g. auc=0.81")
        out[name] = value if number is None else number
    return out


def _issue_arg(value: str) -> int:
    try:
        return issue_number(value)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(sub: Any, add_db: Any) -> None:
    p = sub.add_parser("log", help="log an experiment outcome (offline; pushed at the next sync)")
    p.add_argument("ref", metavar="OWNER/NAME#N")
    p.add_argument("--outcome", required=True, choices=["succeeded", "failed", "on-hold"])
    p.add_argument("--tldr", required=True, help="one line: what the experiment showed")
    p.add_argument("--metric", action="append", metavar="NAME=VALUE")
    p.add_argument("--param", action="append", metavar="NAME=VALUE")
    p.add_argument("--run-url", action="append", metavar="URL")
    p.add_argument("--commit", metavar="SHA")
    p.add_argument("--next", choices=["open-model", "new-experiment", "refine-ask", "get-data"])
    p.add_argument("--next-title", metavar="TEXT", help="title of the card --next opens")
    p.add_argument(
        "--keep-open", action="store_true", help="a failed experiment stays open, its PRs too"
    )
    p.add_argument(
        "--by", metavar="NAME", help="author (default: config.toml's user, else the login name)"
    )
    p.add_argument("--json", action="store_true", help="print the stored entry as JSON")
    add_db(p)
    p.set_defaults(func=cmd_log)

    p = sub.add_parser("signoff", help="sign off a phase gate (offline; pushed at the next sync)")
    p.add_argument("repo", metavar="OWNER/NAME")
    p.add_argument("--gate", required=True, metavar="PHASE")
    p.add_argument("--by", required=True, metavar="NAME")
    p.add_argument(
        "--decision", required=True, choices=["approved", "changes-requested", "rejected"]
    )
    p.add_argument("--note", default="")
    p.add_argument(
        "--issue", type=_issue_arg, metavar="N", help="post on this issue (default: the Ask)"
    )
    add_db(p)
    p.set_defaults(func=cmd_signoff)

    p = sub.add_parser("checklist", help="show or change a Model issue's hand-off checklist")
    p.add_argument("ref", metavar="OWNER/NAME#N")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--check", metavar="ITEM", help="item number, text, or a unique part of it")
    group.add_argument("--uncheck", metavar="ITEM")
    group.add_argument("--add", metavar="TEXT")
    p.add_argument("--json", action="store_true")
    add_db(p)
    p.set_defaults(func=cmd_checklist)

    p = sub.add_parser("model", help="record a model's status, version or health")
    p.add_argument("ref", metavar="OWNER/NAME#N")
    p.add_argument(
        "--status",
        choices=["candidate", "approved", "rejected", "staging", "production", "retired"],
    )
    p.add_argument("--version", dest="model_version", metavar="X.Y.Z")
    p.add_argument("--health", choices=["healthy", "drifting", "retraining", "rolled-back"])
    p.add_argument("--by", metavar="NAME")
    add_db(p)
    p.set_defaults(func=cmd_model)

    p = sub.add_parser("outbox", help="offline changes: pending, sent, or in conflict")
    p.add_argument("--json", action="store_true")
    p.add_argument("--all", action="store_true", help="include sent entries")
    p.add_argument("--retry", action="store_true", help="queue entries in conflict again")
    p.add_argument(
        "--history",
        nargs="?",
        const="",
        metavar="OWNER/NAME",
        help="the audit trail instead: each change logged here and each step of its push, "
        "newest first (of one repo when named)",
    )
    p.add_argument("--limit", type=_positive, default=50, help="events shown with --history")
    add_db(p)
    p.set_defaults(func=cmd_outbox)


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 up, got {value!r}")
    return int(value)


def _user(args: argparse.Namespace) -> str | None:
    import getpass

    if getattr(args, "by", None):
        return str(args.by)
    from dslp_tui.config import load_config

    configured = load_config()[0].user.strip()  # the `user` of config.toml, as in the app
    if configured:
        return configured
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def _open(args: argparse.Namespace) -> Any:
    from store.db import open_store

    return open_store(args.db, create=False)


def _issue(session: Any, repo_name: str, number: int) -> tuple[Any, Any]:
    from sqlalchemy import select
    from sqlmodel import col

    from store.models import Issue
    from store.repos import get_repo

    repo = get_repo(session, repo_name)
    issue = session.execute(
        select(Issue).where(col(Issue.repo_id) == repo.id, col(Issue.number) == number)
    ).scalar_one_or_none()
    if issue is None:
        raise UsageError(f"{repo_name}#{number} is not in the mirror: run `dslp sync {repo_name}`")
    return repo, issue


def _model_issue(session: Any, ref: str, why: str) -> tuple[Any, Any]:
    repo_name, number = parse_ref(ref)
    repo, issue = _issue(session, repo_name, number)
    if issue.kind != "model":
        raise UsageError(f"{ref} is not a Model issue: {why}")
    return repo, issue


def cmd_log(args: argparse.Namespace) -> int:
    from store.steps import log_outcome

    repo_name, number = parse_ref(args.ref)
    store = _open(args)
    with store.session(write=True) as session:
        repo, issue = _issue(session, repo_name, number)
        if issue.kind not in ("experiment", None):
            raise UsageError(
                f"{args.ref} is an {issue.kind.title()} issue: outcomes go on Experiment issues"
            )
        outcome, queued = log_outcome(
            session,
            repo,
            number,
            status=args.outcome,
            tldr=args.tldr,
            metrics=parse_pairs(args.metric, "--metric", numbers=True),
            params=parse_pairs(args.param, "--param", numbers=False),
            run_links=args.run_url or [],
            commit_sha=args.commit,
            next_step=args.next,
            author=_user(args),
            keep_open=args.keep_open,
            next_title=args.next_title,
        )
        steps = [{"id": i, "kind": step.kind, "says": step.says} for i, step in queued]
        data = {
            "id": outcome.id,
            "repo": repo.full_name,
            "number": number,
            "status": outcome.status,
            "tldr": outcome.tldr,
            "metrics": outcome.metrics,
            "params": outcome.params,
            "run_links": outcome.run_links,
            "commit": outcome.commit_sha,
            "next": outcome.next_step,
            "author": outcome.author,
            "created_at": outcome.created_at.isoformat(),
            "pending_sync": True,
            "steps": steps,
        }
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        print(f"logged {data['status']} on {repo_name}#{number} (pending sync)")
        if steps:
            print(f"the next sync also: {'; '.join(s['says'] for s in steps)}")
    return 0


def cmd_signoff(args: argparse.Namespace) -> int:
    from store.outbox import record_signoff
    from store.repos import get_repo

    store = _open(args)
    with store.session(write=True) as session:
        repo = get_repo(session, args.repo)
        if args.issue is not None:
            _issue(session, repo.full_name, args.issue)  # in the mirror, or a clear error
        record_signoff(
            session,
            repo,
            gate=args.gate,
            stakeholder=args.by,
            decision=args.decision,
            note=args.note,
            issue_number=args.issue,
        )
    print(
        f"{args.decision} the {safe(args.gate)} gate of {args.repo} by {safe(args.by)} "
        "(pending sync)"
    )
    return 0


def cmd_checklist(args: argparse.Namespace) -> int:
    from store.issue_body import parse_body
    from store.outbox import change_checklist, seed_checklist
    from store.read.card import card_detail

    repo_name, number = parse_ref(args.ref)
    store = _open(args)
    with store.session(write=True) as session:
        repo, issue = _model_issue(session, args.ref, "hand-off checklists are on Models")
        tasks = [(t.text, t.done) for t in parse_body(issue.body).tasks]
        seed_checklist(session, repo.id, number, tasks)
        if any(v is not None for v in (args.check, args.uncheck, args.add)):
            change_checklist(
                session,
                repo,
                number,
                check=args.check,
                uncheck=args.uncheck,
                add=args.add,
                actor=_user(args),
            )
    with store.session() as session:
        detail = card_detail(session, repo_name, number)
    if args.json:
        items = [{"text": i.text, "done": i.done, "origin": i.origin} for i in detail.checklist]
        print(
            json.dumps(
                {
                    "repo": repo_name,
                    "number": number,
                    "items": items,
                    "pending_sync": detail.pending_sync,
                },
                indent=2,
            )
        )
        return 0
    done = sum(i.done for i in detail.checklist)
    pending = " (pending sync)" if detail.pending_sync else ""
    print(
        f"{repo_name}#{number} {safe(detail.title)}: {done}/{len(detail.checklist)} done{pending}"
    )
    for n, item in enumerate(detail.checklist, start=1):
        print(f"{n:>3}. [{'x' if item.done else ' '}] {safe(item.text)}")
    return 0


def cmd_model(args: argparse.Namespace) -> int:
    from store.outbox import record_model_status

    repo_name, number = parse_ref(args.ref)
    store = _open(args)
    with store.session(write=True) as session:
        repo, _issue_row = _model_issue(session, args.ref, "statuses are recorded on Models")
        record_model_status(
            session,
            repo,
            number,
            status=args.status,
            health=args.health,
            version=args.model_version,
            author=_user(args),
        )
    what = ", ".join(
        f"{k} {safe(v)}"
        for k, v in (
            ("status", args.status),
            ("version", args.model_version),
            ("health", args.health),
        )
        if v
    )
    print(f"{repo_name}#{number}: {what} (pending sync)")
    return 0


def cmd_outbox(args: argparse.Namespace) -> int:
    from store.outbox import retry_conflicts
    from store.read.outbox import list_outbox
    from store.steps import describe, waits_for

    store = _open(args)
    if args.history is not None:
        return _history(store, args)
    if args.retry:
        with store.session(write=True) as session:
            count = retry_conflicts(session)
        print(f"{count} entr{'y' if count == 1 else 'ies'} queued again: run `dslp sync`")
        return 0
    states = None if args.all else ["pending", "in_flight", "conflict"]
    with store.session() as session:
        entries = list_outbox(session, states=states)
        known = {e.id: e.state for e in list_outbox(session)}
    if args.json:
        print(
            json.dumps(
                {
                    "entries": [
                        {
                            "id": e.id,
                            "repo": e.repo,
                            "kind": e.kind,
                            "number": e.issue_number,
                            "state": e.state,
                            "attempts": e.attempts,
                            "reason": e.last_error,
                            "created_at": e.created_at.isoformat(),
                            "sent_at": e.sent_at.isoformat() if e.sent_at else None,
                            "payload": e.payload,
                            "does": describe(e),
                        }
                        for e in entries
                    ]
                },
                indent=2,
            )
        )
        return 0
    if not entries:
        print("Outbox empty: everything logged here is on GitHub.")
    for e in entries:
        where = f"{e.repo}#{e.issue_number}" if e.issue_number else e.repo
        reason = f": {safe(e.last_error)}" if e.last_error else ""
        waiting = waits_for(e, known)
        if waiting and not reason:
            reason = f" (waits for {waiting[:8]})"
        print(
            f"{e.state:<9} {e.kind:<11} {where:<32} {e.created_at:%Y-%m-%d %H:%M} "
            f"{safe(describe(e))}{reason}"
        )
    return 0


def _history(store: Any, args: argparse.Namespace) -> int:
    from store.read.audit import audit_trail
    from store.repos import repo_id

    with store.session() as session:
        rid = repo_id(session, args.history) if args.history else None
        events = audit_trail(session, repo_id=rid, limit=args.limit)
    if args.json:
        print(json.dumps({"events": [e.as_json() for e in events]}, indent=2))
        return 0
    if not events:
        print("Nothing logged here yet.")
    for e in events:
        where = (e.repo or "(removed repo)") + (f"#{e.issue_number}" if e.issue_number else "")
        who = f" by {safe(e.actor)}" if e.actor else ""
        error = f": {safe(e.error)}" if e.error else ""
        print(f"{e.at:%Y-%m-%d %H:%M}  {e.action:<20} {safe(where):<32}{who}{error}")
    return 0
