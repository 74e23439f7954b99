"""Text from other people, made safe to print: no markup, no escape sequences, no controls."""

from __future__ import annotations

import re
from datetime import UTC, datetime

# ANSI/VT escape sequences (CSI, OSC, and two-byte ESC forms), then any other C0/C1 control
# and the bidi embeddings, overrides and isolates that make text read other than it is stored.
_ESCAPES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(text: str | None, *, keep_newlines: bool = False) -> str:
    """Strip escape sequences and control characters; newlines become spaces unless kept."""
    if not text:
        return ""
    text = _CONTROLS.sub("", _ESCAPES.sub("", text))
    if not keep_newlines:
        text = " ".join(text.split("\n"))
    return text


def ago(when: datetime | None, now: datetime | None = None) -> str:
    """'never', 'just now', '3 hours ago', '9 days ago': how fresh the mirror is, at a glance."""
    if when is None:
        return "never"
    now = now or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = max(0, int((now - when).total_seconds()))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"
