"""Comments that carry offline entries to GitHub, and back into every teammate's mirror.

A pushed entry becomes one comment: Markdown a person reads, then two hidden lines, the marker
(`<!-- dslp:outcome id=... -->`, what makes the push exactly-once) and the entry's data as JSON
(`<!-- dslp:data {...} -->`, what lets a colleague's sync rebuild the sign-off or outcome). The
entry id is the row's primary key everywhere, so the author's own row and the pulled one are
the same row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from store.models import ExperimentOutcome, ModelStatus, SignOff, utcnow
from store.rules import PHASE_TITLES, find_markers, make_marker

_DATA = re.compile(r"<!--[ \t]*dslp:data[ \t]+(\{.*?\})[ \t]*-->", re.DOTALL)


@dataclass(frozen=True)
class MarkedEntry:
    kind: str
    id: str
    data: dict[str, Any]


def _hidden_json(data: dict[str, Any]) -> str:
    # "-->" may not appear inside an HTML comment: escape ">" (still valid JSON).
    return json.dumps(data, sort_keys=True, separators=(",", ":")).replace(">", "\\u003e")


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def _md(text: Any) -> str:
    """User text inside our Markdown, shown on GitHub as typed, as the app shows it: one line,
    no HTML (so no comment openers either), no emphasis, links or tables, and no @mentions."""
    flat = " ".join(str(text).split())
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", flat).replace("@", "&#64;")


def _link(url: Any) -> str:
    """A run link as an autolink: nothing in it is read as Markdown (outbox checked its form)."""
    text = str(url)
    return f"<{text}>" if not re.search(r"[\s<>]", text) else _md(text)


def render_comment(kind: str, entry_id: str, data: dict[str, Any]) -> str:
    lines: list[str] = []
    if kind == "outcome":
        lines.append(f"**Experiment outcome: {data.get('status')}**")
        lines.append("")
        lines.append(f"TLDR: {_md(data.get('tldr', ''))}")
        metrics = data.get("metrics") or {}
        if metrics:
            lines += ["", "| metric | value |", "|---|---|"]
            lines += [f"| {_md(k)} | {_md(v)} |" for k, v in metrics.items()]
        params = data.get("params") or {}
        if params:
            lines += [
                "",
                "Parameters: " + ", ".join(f"{_md(k)}={_md(v)}" for k, v in params.items()),
            ]
        extra = [f"Run: {_link(link)}" for link in data.get("run_links") or []]
        if data.get("commit"):
            extra.append(f"Commit: {_md(data['commit'])}")
        if data.get("next"):
            extra.append(f"Next step: {_md(data['next'])}")
        if extra:  # a paragraph of its own: right after the table it would become table rows
            lines += ["", "  \n".join(extra)]
    elif kind == "signoff":
        gate = PHASE_TITLES.get(str(data.get("gate")), str(data.get("gate")))
        lines.append(f"**{gate} gate: {data.get('decision')}** by {_md(data.get('by', ''))}")
        if data.get("note"):
            lines += ["", f"> {_md(data['note'])}"]
    elif kind == "model":
        parts = [
            f"{key} **{_md(data[key])}**"
            for key in ("status", "health", "version")
            if data.get(key)
        ]
        lines.append("Model " + ", ".join(parts))
    elif kind == "note":
        lines.append(_md(data.get("text", "")))
    lines += ["", make_marker(kind, entry_id), f"<!-- dslp:data {_hidden_json(data)} -->"]
    return "\n".join(lines)


def parse_comment(body: str | None) -> list[MarkedEntry]:
    """The entries a comment carries; a marker without readable data yields none."""
    markers = find_markers(body)
    if not markers or body is None:
        return []
    found = _DATA.search(body)
    if not found:
        return []
    try:
        data = json.loads(found.group(1))
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    kind, entry_id = markers[0]
    return [MarkedEntry(kind, entry_id, data)]


def apply_marked_comments(
    session: Session,
    repo_id: int,
    comments: Sequence[tuple[int, str | None, str | None, datetime | None]],
) -> list[tuple[str, int]]:
    """Rows for the entries in (issue number, author, body, created) comments; existing ids are
    kept as they are. Returns (kind, issue number) of what it added, for phase refreshes.

    A page's markers are looked up with one query per kind, not one per marker.
    """
    found = [
        (number, author, created, entry)
        for number, author, body, created in comments
        for entry in parse_comment(body)
        if entry.kind in _TABLES
    ]
    if not found:
        return []
    known: set[tuple[str, str]] = set()
    for kind, table in _TABLES.items():
        ids = {entry.id for _n, _a, _c, entry in found if entry.kind == kind}
        if ids:
            known.update(
                (kind, i)
                for i in session.execute(
                    select(col(table.id)).where(col(table.id).in_(ids))
                ).scalars()
            )
    added: list[tuple[str, int]] = []
    for number, author, created, entry in found:
        if (entry.kind, entry.id) in known:
            continue
        row = _row(entry, repo_id, number, author, created or utcnow())
        if row is not None:
            session.add(row)
            known.add((entry.kind, entry.id))  # the same marker twice on a page: one row
            added.append((entry.kind, number))
    if added:
        session.flush()
    return added


_TABLES: dict[str, type[ExperimentOutcome] | type[SignOff] | type[ModelStatus]] = {
    "outcome": ExperimentOutcome,
    "signoff": SignOff,
    "model": ModelStatus,
}


def _row(entry: MarkedEntry, repo_id: int, number: int, author: str | None, at: datetime) -> Any:
    d = entry.data
    try:
        if entry.kind == "outcome":
            return ExperimentOutcome(
                id=entry.id,
                repo_id=repo_id,
                issue_number=number,
                status=str(d["status"]),
                tldr=str(d.get("tldr", "")),
                metrics=dict(d.get("metrics") or {}),
                params=dict(d.get("params") or {}),
                run_links=list(d.get("run_links") or []),
                commit_sha=d.get("commit"),
                next_step=d.get("next"),
                author=d.get("author") or author,
                github_login=author,
                created_at=at,
                origin="github",
            )
        if entry.kind == "signoff":
            return SignOff(
                id=entry.id,
                repo_id=repo_id,
                gate=str(d["gate"]),
                stakeholder=str(d["by"]),
                decision=str(d["decision"]),
                note=str(d.get("note") or ""),
                issue_number=number,
                created_at=at,
                origin="github",
                github_login=author,
            )
        if entry.kind == "model":
            return ModelStatus(
                id=entry.id,
                repo_id=repo_id,
                issue_number=number,
                status=d.get("status"),
                health=d.get("health"),
                version=d.get("version"),
                author=author,
                github_login=author,
                created_at=at,
                origin="github",
            )
    except (KeyError, TypeError, ValueError):
        return None
    return None
