"""Commands that take DSLP steps: `new` (a card from the repo's template), `branch` (the card's
DSLP branch), `close` (an issue, and an Explore card's PRs unmerged). They work offline like
`log`: what needs GitHub is queued in the outbox and reaches it once, at the next sync."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from dslp_tui.errors import CliError, UsageError
from dslp_tui.offline_commands import _issue, _open, _user, parse_ref
from dslp_tui.text import safe

KINDS = ("ask", "data", "explore", "experiment", "model")
MAX_BODY = 60_000  # GitHub takes 65,536 characters; the links and the marker need a few


def register(sub: Any, add_db: Any) -> None:
    p = sub.add_parser(
        "new",
        help="a new card from the repo's issue template, offline (the next sync creates it)",
        description="A new card, stored at once as a draft (shown on the board as new, pending "
        "sync). --discard ID or --edit ID change a draft before the push.",
    )
    p.add_argument("repo", metavar="OWNER/NAME", nargs="?")
    p.add_argument("kind", metavar="KIND", nargs="?", help=f"one of {', '.join(KINDS)}")
    p.add_argument("--title", help="the issue's title")
    p.add_argument(
        "--ask", type=_number, metavar="N", help="the Ask it serves (default: the only open one)"
    )
    p.add_argument("--based-on", metavar="N|DRAFT", help="a Model's experiment: #N or a draft id")
    p.add_argument("--body-file", metavar="FILE", help="the body instead of the template's")
    p.add_argument("--by", metavar="NAME")
    p.add_argument("--discard", metavar="DRAFT", help="drop a draft that was not pushed yet")
    p.add_argument("--edit", metavar="DRAFT", help="change a draft's --title or --body-file")
    p.add_argument("--json", action="store_true")
    add_db(p)
    p.set_defaults(func=cmd_new)

    p = sub.add_parser(
        "branch",
        help="create a card's DSLP branch in its clone (or on GitHub with --remote)",
    )
    p.add_argument("ref", metavar="OWNER/NAME#N")
    p.add_argument("--push", action="store_true", help="push the new branch to origin")
    p.add_argument("--remote", action="store_true", help="create it on GitHub, not in the clone")
    p.add_argument("--by", metavar="NAME")
    p.add_argument("--json", action="store_true")
    add_db(p)
    p.set_defaults(func=cmd_branch)

    p = sub.add_parser(
        "close", help="close an issue at the next sync (an Explore card's PRs unmerged)"
    )
    p.add_argument("ref", metavar="OWNER/NAME#N")
    p.add_argument("--reason", choices=["completed", "not-planned"], default="completed")
    p.add_argument("--by", metavar="NAME")
    p.add_argument("--json", action="store_true")
    add_db(p)
    p.set_defaults(func=cmd_close)


def _number(value: str) -> int:
    from dslp_tui.offline_commands import issue_number

    return issue_number(value.lstrip("#"))


def _body(path: str | None) -> str | None:
    if path is None:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"--body-file {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--body-file {path}: cannot read it as UTF-8 text ({exc})") from None
    if len(text) > MAX_BODY:
        raise UsageError(
            f"--body-file {path} is {len(text):,} characters: keep it under {MAX_BODY:,}"
        )
    return text


def cmd_new(args: argparse.Namespace) -> int:
    from store.drafts import create_draft, discard_draft, draft_json, edit_draft, get_draft
    from store.models import Repository
    from store.repos import get_repo

    store = _open(args)
    if args.discard or args.edit:
        with store.session(write=True) as session:
            rid = get_repo(session, args.repo).id if args.repo else None
            draft = get_draft(session, rid, args.discard or args.edit)
            if args.discard:
                dropped = discard_draft(session, draft, actor=_user(args))
                said = (
                    f"discarded draft {draft.id[:8]} {safe(draft.title)!r} "
                    f"({dropped} queued change(s) dropped)"
                )
            else:
                if args.title is None and args.body_file is None:
                    raise UsageError("--edit needs --title TEXT or --body-file FILE")
                edit_draft(
                    session, draft, title=args.title, body=_body(args.body_file), actor=_user(args)
                )
                said = f"edited draft {draft.id[:8]} {safe(draft.title)!r} (pending sync)"
            owner = session.get(Repository, draft.repo_id)
            data = draft_json(draft, owner.full_name if owner else "")
        print(json.dumps(data, indent=2) if args.json else said)
        return 0
    if not args.repo or not args.kind:
        raise UsageError("give OWNER/NAME KIND --title TEXT (or --discard/--edit DRAFT)")
    if args.kind not in KINDS:
        raise UsageError(f"KIND must be one of: {', '.join(KINDS)}")
    if args.title is None:
        raise UsageError("a card needs a title: --title TEXT")
    based_on, based_on_draft = _based_on(args.based_on)
    with store.session(write=True) as session:
        repo = get_repo(session, args.repo)
        if based_on_draft is not None:
            based_on_draft = get_draft(session, repo.id, based_on_draft).id
        draft, problems = create_draft(
            session,
            repo,
            args.kind,
            args.title,
            ask=args.ask,
            based_on=based_on,
            based_on_draft=based_on_draft,
            body=_body(args.body_file),
            author=_user(args),
        )
        data = draft_json(draft, repo.full_name)
        ask = draft.ask_number
    for line in problems:
        print(f"warning: {safe(line)}", file=sys.stderr)
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        link = f", for Ask #{ask}" if ask else ""
        print(
            f"new {args.kind} card {safe(data['title'])!r} in {data['repo']}{link}: draft "
            f"{data['draft'][:8]} (pending sync: the next `dslp sync` creates it)"
        )
    return 0


def _based_on(value: str | None) -> tuple[int | None, str | None]:
    if value is None:
        return None, None
    text = value.strip().lstrip("#")
    if text.isdigit():
        return _number(text), None
    return None, text


def cmd_branch(args: argparse.Namespace) -> int:
    from store.steps import plan_branch, record_steps

    repo_name, number = _ref_or_draft(args.ref)
    store = _open(args)
    with store.session(write=True) as session:
        _not_a_draft(session, repo_name, args.ref)
        repo, issue = _issue(session, repo_name, number)
        if issue.is_pull_request:
            raise UsageError(f"{args.ref} is a pull request: branches are for issues")
        step = plan_branch(issue, repo.default_branch)
        name = str(step.payload["name"])
        local = repo.local_path if not args.remote else None
        if local is None:
            record_steps(session, repo, [step], actor=_user(args))
    if local is None:
        said = f"queued: branch {name} from {repo.default_branch} on GitHub at the next sync"
        data: dict[str, Any] = {"branch": name, "where": "github", "pending_sync": True}
    else:
        from sync.gitscan import CloneError
        from sync.local_branch import create_local_branch

        try:
            made = create_local_branch(local, name, repo.default_branch, push=args.push)
        except CloneError as exc:
            raise CliError(str(exc), 1) from None
        verb = "created" if made.created else "switched to existing"
        pushed = " and pushed it to origin" if made.pushed else ""
        said = f"{verb} branch {name} from {made.base} in {local}{pushed}"
        data = {"branch": name, "where": "clone", "created": made.created, "pushed": made.pushed}
    print(json.dumps(data, indent=2) if args.json else said)
    return 0


def _not_a_draft(session: Any, repo_name: str, ref: str) -> None:
    """A draft id that happens to be all digits is still a draft, not an issue number."""
    from sqlalchemy import select
    from sqlmodel import col

    from store.models import IssueDraft
    from store.repos import get_repo

    tail = ref.partition("#")[2]
    found = session.execute(
        select(col(IssueDraft.id)).where(
            col(IssueDraft.repo_id) == get_repo(session, repo_name).id,
            col(IssueDraft.id).startswith(tail),
            col(IssueDraft.state) == "draft",
        )
    ).first()
    if tail and len(tail) >= 6 and found is not None:
        raise UsageError(f"{ref}: a draft has no number yet, so no branch: run `dslp sync` first")


def _ref_or_draft(ref: str) -> tuple[str, int]:
    repo, _, tail = ref.partition("#")
    if tail and not tail.isdigit():
        raise UsageError(
            f"{ref}: a draft has no number yet, so no branch: run `dslp sync {repo}` first"
        )
    return parse_ref(ref)


def cmd_close(args: argparse.Namespace) -> int:
    from store.steps import plan_close, record_steps

    repo_name, number = parse_ref(args.ref)
    store = _open(args)
    with store.session(write=True) as session:
        repo, _issue_row = _issue(session, repo_name, number)
        steps = plan_close(session, repo, number, reason=args.reason.replace("-", "_"))
        ids = record_steps(session, repo, steps, actor=_user(args))
    if args.json:
        print(
            json.dumps(
                {
                    "steps": [
                        {"id": i, "kind": s.kind, "says": s.says}
                        for i, s in zip(ids, steps, strict=True)
                    ]
                },
                indent=2,
            )
        )
    else:
        print(f"queued for the next sync: {'; '.join(s.says for s in steps)}")
    return 0
