"""`dslp gates` and `dslp approvers init`: who signed each gate, and who may."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dslp_tui.errors import CliError
from dslp_tui.text import safe


def register(sub: Any, add_db: Callable[[argparse.ArgumentParser], None]) -> None:
    p = sub.add_parser(
        "gates",
        help="each phase gate of OWNER/NAME: pending or not, its approvers, every sign-off",
        description="Each phase gate: its decision (the latest sign-off that counts), its "
        "approvers from .github/dslp.yml, and every sign-off, counting or not.",
    )
    p.add_argument("repo", metavar="OWNER/NAME")
    p.add_argument("--json", action="store_true")
    add_db(p)
    p.set_defaults(func=cmd_gates)

    p = sub.add_parser("approvers", help="the gates' approvers file (.github/dslp.yml)")
    approvers_sub = p.add_subparsers(dest="approvers_command", metavar="ACTION", required=True)
    q = approvers_sub.add_parser(
        "init", help="write a starter .github/dslp.yml in the local clone (not pushed)"
    )
    q.add_argument("repo", metavar="OWNER/NAME")
    add_db(q)
    q.set_defaults(func=cmd_approvers_init)


def _open(args: argparse.Namespace) -> Any:
    from store.db import open_store

    return open_store(args.db, create=False)


def cmd_gates(args: argparse.Namespace) -> int:
    from store.read.gates import gates_json

    store = _open(args)
    with store.session() as session:
        data = gates_json(session, args.repo)
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    print(safe(data["repo"]))
    if data["approvers_error"]:
        print(f"  ! {safe(data['approvers_error'])}")
    for phase, gate in data["gates"].items():
        state = "pending" if gate["pending"] else "ok"
        who = ", ".join(f"@{a}" for a in gate["approvers"]) if gate["approvers"] else "anyone"
        print(f"{phase:<11} {state:<8} {gate['decision'] or '-':<18} approvers: {safe(who)}")
        for s in gate["signoffs"]:
            by = s["recorded_by"]
            marks = []
            if s["withdrawn"]:
                marks.append("withdrawn")
            elif not s["counts"]:
                marks.append("does not count")
            if s["pending_sync"]:
                marks.append("pending sync")
            tail = f"  ({', '.join(marks)})" if marks else ""
            print(
                f"    {(s['at'] or '')[:16]:<16} {s['decision']:<18} "
                f"{safe(s['stakeholder'])} — recorded by {safe(by)}{tail}"
            )
    return 0


def cmd_approvers_init(args: argparse.Namespace) -> int:
    from store.approvers_file import PATH, STARTER
    from store.repos import get_repo

    store = _open(args)
    with store.session() as session:
        repo = get_repo(session, args.repo)
        clone = repo.local_path
    if not clone:
        raise CliError(
            f"{args.repo} has no local clone: add one with "
            f"`dslp repo add {args.repo} --path CLONE`, or create {PATH} on GitHub"
        )
    target = Path(clone).expanduser() / PATH
    if not target.parent.parent.is_dir():
        raise CliError(f"{clone} is not there: fix the repo's --path")
    if target.exists():
        raise CliError(f"{target} exists already: edit it, nothing was written")
    target.parent.mkdir(exist_ok=True)
    target.write_text(STARTER)
    print(f"wrote {target}: name each gate's approvers, then commit and push it")
    return 0
