"""Hidden markers: the invisible tag that makes each offline entry findable on GitHub."""

from __future__ import annotations

import re

# "issue": the body of an issue created from a draft; "note": a comment an outcome left on an Ask.
MARKER_KINDS: tuple[str, ...] = ("outcome", "signoff", "model", "checklist", "issue", "note")
_MARKER_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
_MARKER = re.compile(
    r"<!--[ \t]*dslp:(" + "|".join(MARKER_KINDS) + r")[ \t]+id=([A-Za-z0-9_-]{1,128})[ \t]*-->"
)
_MARKER_LINE = re.compile(r"^[ \t]*" + _MARKER.pattern + r"[ \t]*(?:\r\n|\r|\n|\Z)", re.MULTILINE)


def make_marker(kind: str, entry_id: str) -> str:
    """Invisible tag posted with an offline entry so a re-sync can see it already landed."""
    if kind not in MARKER_KINDS:
        raise ValueError(f"unknown marker kind: {kind!r}")
    if not _MARKER_ID.fullmatch(entry_id):
        raise ValueError(f"marker id must be 1-128 of [A-Za-z0-9_-]: {entry_id!r}")
    return f"<!-- dslp:{kind} id={entry_id} -->"


def find_markers(text: str | None) -> list[tuple[str, str]]:
    """Every (kind, id) marker in order, duplicates included; unknown kinds are skipped."""
    if not text:
        return []
    return [(m[1], m[2]) for m in _MARKER.finditer(text)]


def strip_markers(text: str | None) -> str:
    """Text for display: markers removed, a marker's own line with it, trailing space trimmed."""
    if not text:
        return ""
    out = _MARKER.sub("", _MARKER_LINE.sub("", text))
    return out.rstrip() if out != text else text
