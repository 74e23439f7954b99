"""Cards made here before GitHub numbers them: `dslp new`, and the drafts an outcome sets off.

A draft is stored at once with its outbox entry (the create), so it shows on the board offline
and reaches GitHub at the next sync. Its id is the create entry's id and the hidden marker in
the issue body: after a lost reply the push finds the issue by that marker, never posts twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from store.ask_lists import ASK_SECTIONS
from store.models import AuditEvent, Issue, IssueDraft, IssueTemplate, OutboxEntry, Repository
from store.models import utcnow as _now
from store.outbox import InvalidChange, new_id, queue_entry
from store.rules import make_marker
from store.templates import (
    KINDS,
    Template,
    TemplateError,
    choose_template,
    fill_links,
    is_template_path,
    parse_template,
    render_issue,
)

DRAFT_KINDS: tuple[str, ...] = KINDS
MAX_TITLE = 256  # GitHub's limit on an issue title
TEMPLATE_DIR = ".github/ISSUE_TEMPLATE"


def repo_templates(session: Session, repo: Repository) -> tuple[list[Template], list[str]]:
    """The repo's templates: the local clone's copy when it has one, else the mirror's.

    Returns the templates that parse and one line per file that does not (it is skipped, so
    its kind falls back to the built-in skeleton).
    """
    texts: list[tuple[str, str]] = []
    folder = Path(repo.local_path) / TEMPLATE_DIR if repo.local_path else None
    if folder is not None and folder.is_dir():
        for path in sorted(folder.iterdir()):
            rel = f"{TEMPLATE_DIR}/{path.name}"
            if path.is_file() and is_template_path(rel):
                try:
                    texts.append((rel, path.read_text(encoding="utf-8")))
                except (OSError, UnicodeDecodeError):
                    texts.append((rel, "\x00"))
    else:
        assert repo.id is not None
        texts = [
            (t.path, t.text)
            for t in session.execute(
                select(IssueTemplate)
                .where(col(IssueTemplate.repo_id) == repo.id)
                .order_by(col(IssueTemplate.path))
            ).scalars()
            if is_template_path(t.path)
        ]
    templates: list[Template] = []
    problems: list[str] = []
    for rel, text in texts:
        if "\x00" in text:
            problems.append(f"{rel} is not UTF-8 text: fix the file (the built-in one is used)")
            continue
        try:
            templates.append(parse_template(rel, text))
        except TemplateError as exc:
            problems.append(str(exc))
    return templates, problems


def _open_cards(session: Session, repo_id: int, kind: str) -> list[int]:
    return list(
        session.execute(
            select(col(Issue.number))
            .where(
                col(Issue.repo_id) == repo_id,
                col(Issue.kind) == kind,
                col(Issue.state) == "open",
                col(Issue.is_pull_request).is_(False),
                col(Issue.gone).is_(None),
            )
            .order_by(col(Issue.number))
        ).scalars()
    )


def card_of(session: Session, repo_id: int, number: int) -> Issue | None:
    return session.execute(
        select(Issue).where(
            col(Issue.repo_id) == repo_id,
            col(Issue.number) == number,
            col(Issue.gone).is_(None),
        )
    ).scalar_one_or_none()


def resolve_ask(session: Session, repo: Repository, kind: str, ask: int | None) -> int | None:
    """The Ask a new card names: the one given, else the project's only open Ask."""
    assert repo.id is not None
    if kind == "ask":
        if ask is not None:
            raise InvalidChange("an Ask names no Ask: drop --ask")
        return None
    if ask is not None:
        card = card_of(session, repo.id, ask)
        if card is None or card.is_pull_request:
            raise InvalidChange(
                f"#{ask} is not an issue in the mirror: run `dslp sync {repo.full_name}` first"
            )
        if card.kind != "ask":
            raise InvalidChange(f"#{ask} is not an Ask issue: give the Ask's number with --ask")
        return ask
    asks = _open_cards(session, repo.id, "ask")
    if len(asks) > 1:
        listed = ", ".join(f"#{n}" for n in asks[:5])
        raise InvalidChange(f"{len(asks)} Asks are open ({listed}): say which with --ask N")
    return asks[0] if asks else None


def get_draft(session: Session, repo_id: int | None, draft_id: str) -> IssueDraft:
    """A draft by its id or a unique prefix of it (as `dslp outbox` shows them)."""
    query = select(IssueDraft).where(col(IssueDraft.id).startswith(draft_id.strip()))
    if repo_id is not None:
        query = query.where(col(IssueDraft.repo_id) == repo_id)
    found = list(session.execute(query.limit(2)).scalars()) if draft_id.strip() else []
    if not found:
        raise InvalidChange(f"no draft {draft_id!r}: `dslp board OWNER/NAME --json` lists them")
    if len(found) > 1:
        raise InvalidChange(f"{draft_id!r} names more than one draft: give more of its id")
    draft: IssueDraft = found[0]
    return draft


def _check_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise InvalidChange("a card needs a title (--title TEXT)")
    if len(title) > MAX_TITLE:
        raise InvalidChange(f"the title is {len(title)} characters: GitHub takes {MAX_TITLE}")
    return title


def create_draft(
    session: Session,
    repo: Repository,
    kind: str,
    title: str,
    *,
    ask: int | None = None,
    based_on: int | None = None,
    based_on_draft: str | None = None,
    body: str | None = None,
    author: str | None = None,
    after: Sequence[str] = (),
    resolve: bool = True,
) -> tuple[IssueDraft, list[str]]:
    """Store a new card and queue its creation (and its line in the Ask); returns the draft
    and one line per template that could not be read."""
    assert repo.id is not None
    if kind not in DRAFT_KINDS:
        raise InvalidChange(f"KIND must be one of: {', '.join(DRAFT_KINDS)}")
    title = _check_title(title)
    if resolve:
        ask = resolve_ask(session, repo, kind, ask)
    if kind != "model" and (based_on is not None or based_on_draft is not None):
        raise InvalidChange("--based-on is for Model cards: the experiment they come from")
    if based_on is not None:
        card = card_of(session, repo.id, based_on)
        if card is None or card.kind != "experiment":
            raise InvalidChange(f"#{based_on} is not an Experiment issue in the mirror")
    templates, problems = repo_templates(session, repo)
    template = choose_template(templates, kind)
    if body is not None:
        template = Template(
            template.path, template.name, template.kind, template.title, template.labels, body
        )
    draft = IssueDraft(
        id=new_id(),
        repo_id=repo.id,
        kind=kind,
        title=title,
        ask_number=ask,
        based_on=based_on,
        based_on_draft=based_on_draft,
        template=template.path,
        author=author,
    )
    draft.body, draft.labels = render_issue(
        template,
        title=title,
        kind=kind,
        ask=ask,
        based_on=based_on,
        marker=make_marker("issue", draft.id),
    )
    session.add(draft)
    after = [*after, *([based_on_draft] if based_on_draft else [])]
    queue_entry(
        session,
        repo,
        "issue",
        draft.id,
        None,
        {"draft": draft.id, "kind": kind, "title": title, "after": list(dict.fromkeys(after))},
        author,
    )
    if ask is not None and kind in ASK_SECTIONS:
        queue_entry(
            session,
            repo,
            "ask_item",
            new_id(),
            ask,
            {"ask": ask, "section": ASK_SECTIONS[kind], "draft": draft.id, "after": [draft.id]},
            author,
        )
    return draft, problems


def _pending_of(session: Session, draft_id: str) -> list[OutboxEntry]:
    """The draft's create entry and every entry waiting on its number."""
    entries = session.execute(
        select(OutboxEntry).where(col(OutboxEntry.state).in_(("pending", "in_flight", "conflict")))
    ).scalars()
    return [e for e in entries if e.id == draft_id or (e.payload or {}).get("draft") == draft_id]


def _editable(session: Session, draft: IssueDraft) -> list[OutboxEntry]:
    if draft.state != "draft":
        raise InvalidChange(
            f"draft {draft.id[:8]} is already #{draft.number} on GitHub: edit it there"
            if draft.state == "pushed"
            else f"draft {draft.id[:8]} was discarded"
        )
    entries = _pending_of(session, draft.id)
    if any(e.id == draft.id and e.state == "in_flight" for e in entries):
        raise InvalidChange(
            f"draft {draft.id[:8]} may already be on GitHub (a sync was cut short): "
            "run `dslp sync` first"
        )
    return entries


def edit_draft(
    session: Session,
    draft: IssueDraft,
    *,
    title: str | None = None,
    body: str | None = None,
    actor: str | None = None,
) -> IssueDraft:
    """Change a draft's title or body before it is pushed; the marker and links stay."""
    _editable(session, draft)
    if title is not None:
        draft.title = _check_title(title)
    if body is not None:
        template = Template("", draft.kind, draft.kind, draft.title, tuple(draft.labels), body)
        draft.body, _labels = render_issue(
            template,
            title=draft.title,
            kind=draft.kind,
            ask=draft.ask_number,
            based_on=draft.based_on,
            marker=make_marker("issue", draft.id),
        )
    _changed(session, draft, "issue.edited", actor)
    return draft


def _changed(session: Session, draft: IssueDraft, action: str, actor: str | None) -> None:
    """A draft changed here: stamped, and in the audit trail."""
    draft.updated_at = _now()
    session.add(
        AuditEvent(
            actor=actor,
            action=action,
            repo_id=draft.repo_id,
            detail={"entry": draft.id, "title": draft.title},
        )
    )


def discard_draft(session: Session, draft: IssueDraft, *, actor: str | None = None) -> int:
    """Drop a draft that never reached GitHub, with the entries waiting on it (a draft that
    names it is discarded too); returns how many entries left the queue."""
    entries = _editable(session, draft)
    dropped = 0
    for other in session.execute(
        select(IssueDraft).where(
            col(IssueDraft.based_on_draft) == draft.id, col(IssueDraft.state) == "draft"
        )
    ).scalars():
        dropped += discard_draft(session, other, actor=actor)
    for entry in entries:
        session.delete(entry)
        dropped += 1
    draft.state = "discarded"
    _changed(session, draft, "issue.discarded", actor)
    return dropped


def draft_pushed(session: Session, draft_id: str, number: int) -> None:
    """GitHub numbered the draft: entries waiting on it now name the issue."""
    draft = session.get(IssueDraft, draft_id)
    if draft is None:
        return
    draft.state, draft.number, draft.updated_at = "pushed", number, _now()
    for entry in _pending_of(session, draft_id):
        if entry.id == draft_id or (entry.kind != "ask_item" and entry.issue_number is None):
            entry.issue_number = number


def adopt_created(session: Session, repo_id: int, bodies: Sequence[tuple[int, str | None]]) -> None:
    """Drafts whose marker a sync read in an issue body: numbered, even if the push's reply
    was lost (the next push then finds the entry done instead of posting again)."""
    from store.rules import find_markers

    wanted: dict[str, int] = {}
    for number, body in bodies:
        for kind, marker_id in find_markers(body):
            if kind == "issue":
                wanted.setdefault(marker_id, number)
    if not wanted:
        return
    for draft in session.execute(
        select(IssueDraft).where(
            col(IssueDraft.repo_id) == repo_id,
            col(IssueDraft.id).in_(list(wanted)),
            col(IssueDraft.number).is_(None),
        )
    ).scalars():
        draft_pushed(session, draft.id, wanted[draft.id])


def fill_draft_refs(session: Session, draft: IssueDraft) -> str:
    """The body to post, with the number of a draft it names written in."""
    if draft.based_on_draft is None:
        return draft.body
    other = session.get(IssueDraft, draft.based_on_draft)
    if other is None or other.number is None:
        raise InvalidChange(f"draft {draft.id[:8]} waits for the experiment it is based on")
    return fill_links(draft.body, draft.kind, based_on=other.number)


def draft_json(draft: IssueDraft, repo: str) -> dict[str, Any]:
    return {
        "draft": draft.id,
        "repo": repo,
        "kind": draft.kind,
        "title": draft.title,
        "number": draft.number,
    }
