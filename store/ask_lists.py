"""Keep an Ask issue's lists of its Data, Explore and Experiment issues current.

DSLP makes the Ask the project's index: it lists each Data issue under "Datasets", each Explore
issue under "Understanding and Exploration" and each Experiment, with its outcome, under
"Approaches and Experiments". People edit the same body by hand, so an update changes one
line (or adds one) and leaves every other byte alone, line endings included; sections and
items come from a markdown-it parse, so a heading or `#12` inside a code block never counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from markdown_it.token import Token

from store.issue_body import (
    _HASH_REF,
    _MD,
    MAX_BODY_CHARS,
    _fence_closed,
    _inline_lines,
    _line_ending,
    _line_spans,
    _squash,
)
from store.rules.labels import outcome_of_label
from store.rules.vocabulary import KINDS

__all__ = ["ASK_SECTIONS", "MAX_ITEM_CHARS", "ask_item_text", "set_ask_item"]

ASK_SECTIONS: dict[str, str] = {
    "data": "Datasets",
    "explore": "Understanding and Exploration",
    "experiment": "Approaches and Experiments",
}
# An item is one line of an index, not a report: longer text is cut with an ellipsis.
MAX_ITEM_CHARS = 300

# A list item's source line up to its text: indentation, marker(s) of nested lists opened on
# the same line, spacing, a task box if any.
_ITEM_HEAD = re.compile(r"[ \t]*(?:(?:[-+*]|[0-9]{1,9}[.)])[ \t]+)+(?:\[[ xX]\][ \t]+)?")
_INDENT = re.compile(r"[ \t]*")
# HTML blocks that run to the end of the body unless closed (CommonMark types 1-5).
_HTML_ENDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"<(script|pre|style|textarea)(?=[\s>]|$)", re.IGNORECASE), "</{0}>"),
    (re.compile(r"<!--"), "-->"),
    (re.compile(r"<\?"), "?>"),
    (re.compile(r"<!\[CDATA\["), "]]>"),
    (re.compile(r"<![A-Za-z]"), ">"),
)


def _title_key(text: str) -> str:
    return _squash(text).rstrip(" #:").casefold()


def _heading_level(token: Token) -> int | None:
    """Level of a top-level heading; headings in quotes or list items do not bound sections."""
    if token.type != "heading_open" or token.level != 0:
        return None
    return int(token.tag[1:])


def _section(tokens: list[Token], title: str) -> tuple[int, int] | None:
    """Token range (heading_open, end) of the first heading titled `title` and its content."""
    wanted = _title_key(title)
    for i, token in enumerate(tokens):
        level = _heading_level(token)
        if level is None or i + 1 >= len(tokens):
            continue
        text = " ".join(t for t, _ in _inline_lines(tokens[i + 1], None))
        if _title_key(text) != wanted:
            continue
        for j in range(i + 1, len(tokens)):
            other = _heading_level(tokens[j])
            if other is not None and other <= level:
                return i, j
        return i, len(tokens)
    return None


def _first_line_refs(tokens: list[Token], i: int) -> list[int]:
    """`#N` references on the first line of the list item opened at tokens[i] (code excluded)."""
    if i + 2 >= len(tokens) or tokens[i + 1].type != "paragraph_open":
        return []
    item, paragraph, inline = tokens[i], tokens[i + 1], tokens[i + 2]
    if item.map is None or paragraph.map is None or item.map[0] != paragraph.map[0]:
        return []
    refs: list[int] = []
    for child in inline.children or []:
        if child.type in ("softbreak", "hardbreak"):
            break
        if child.type == "text":
            refs.extend(int(m[1]) for m in _HASH_REF.finditer(child.content))
    return refs


def _item_line(
    body: str, tokens: list[Token], span: tuple[int, int], number: int
) -> tuple[int, int, int] | None:
    """(line, start of its text, end) of the section's first list item that references #number."""
    spans = _line_spans(body)
    for i in range(*span):
        token = tokens[i]
        if token.type != "list_item_open" or token.map is None or token.map[0] >= len(spans):
            continue
        if number not in _first_line_refs(tokens, i):
            continue
        start, end = spans[token.map[0]]
        head = _ITEM_HEAD.match(body, start, end)
        if head is not None:
            return token.map[0], head.end(), end
    return None


def _appended_to_list(
    body: str, tokens: list[Token], span: tuple[int, int], item: str, nl: str
) -> str | None:
    """Body with `item` added after the last item of the section's first list, if it has one."""
    opening = next(
        (
            i
            for i in range(*span)
            if tokens[i].level == 0 and tokens[i].type in ("bullet_list_open", "ordered_list_open")
        ),
        None,
    )
    if opening is None or tokens[opening].map is None:
        return None
    closing = next(
        i for i in range(opening + 1, len(tokens)) if tokens[i].level == 0 and tokens[i].nesting < 0
    )
    items = [t for t in tokens[opening:closing] if t.type == "list_item_open" and t.level == 1]
    lines = _line_spans(body)
    first, stop = tokens[opening].map or (0, 0)
    filled = [n for n in range(first, min(stop, len(lines))) if body[slice(*lines[n])].strip()]
    last_item = items[-1] if items else None
    if not filled or last_item is None or last_item.map is None:
        return None
    start, end = lines[last_item.map[0]]
    indent = _INDENT.match(body, start, end)
    marker = last_item.markup
    if tokens[opening].type == "ordered_list_open":
        marker = f"{int(last_item.info or '0') + 1}{marker}"
    after = filled[-1] + 1
    # A blank line after the item, unless one is there, so no following paragraph joins it.
    gap = nl if after < len(lines) and body[slice(*lines[after])].strip() else ""
    at = lines[filled[-1]][1]
    return f"{body[:at]}{nl}{indent[0] if indent else ''}{marker} {item}{gap}{body[at:]}"


def _under_heading(body: str, tokens: list[Token], heading: int, item: str, nl: str) -> str:
    """Body with `- item` as a new list right under the section's heading."""
    lines = _line_spans(body)
    below = (tokens[heading].map or (0, 1))[1]
    at = lines[below - 1][1]
    gap = nl if below < len(lines) and body[slice(*lines[below])].strip() else ""
    return f"{body[:at]}{nl}{nl}- {item}{gap}{body[at:]}"


def _new_section(body: str, section: str, item: str, nl: str) -> str:
    if not body:
        return f"## {section}{nl}{nl}- {item}{nl}"
    end = "" if body.endswith(("\n", "\r")) else nl
    return f"{body}{end}{nl}## {section}{nl}{nl}- {item}{nl}"


def _html_closed(body: str, tokens: list[Token], nl: str) -> str | None:
    """Body with a final unterminated HTML block (`<!--` left open) closed, else None."""
    last = tokens[-1] if tokens else None
    if last is None or last.type != "html_block" or last.level != 0:
        return None
    for pattern, closer in _HTML_ENDS:
        m = pattern.match(last.content.lstrip(" "))
        if m is not None:
            tail = "" if body.endswith(("\n", "\r")) else nl
            return f"{body}{tail}{closer.format(*m.groups())}{nl}"
    return None


def _candidates(body: str, section: str, number: int, item: str, nl: str) -> Iterator[str]:
    tokens = _MD.parse(body)
    span = _section(tokens, section)
    if span is None:
        yield _new_section(body, section, item, nl)
        # An unclosed fence or comment would swallow the new section: close it first.
        for closed in (_fence_closed(body, tokens, nl), _html_closed(body, tokens, nl)):
            if closed is not None:
                yield _new_section(closed, section, item, nl)
        return
    found = _item_line(body, tokens, span, number)
    if found is not None:
        _, start, end = found
        yield body[:start] + item + body[end:]
        return
    appended = _appended_to_list(body, tokens, span, item, nl)
    yield appended if appended is not None else _under_heading(body, tokens, span[0], item, nl)


def _placed(body: str, section: str, number: int) -> str | None:
    """Text of the item for #number in the section, as the next call would find it."""
    tokens = _MD.parse(body)
    span = _section(tokens, section)
    found = _item_line(body, tokens, span, number) if span is not None else None
    return body[found[1] : found[2]] if found is not None else None


def set_ask_item(body: str | None, section: str, number: int, text: str) -> str:
    """The body with the item for issue #number in `section` set to `- text`.

    An item of the section whose first line references #number has that line's text replaced
    (bullet, indentation and task box kept); otherwise the item goes after the last item of the
    section's first list, or under the heading when the section has no list; a missing section
    is appended at the end. The DSLP placeholder bullets stay. The result is re-parsed to check
    the next call finds the item, which makes the edit idempotent.

    Raises ValueError when `text` (whitespace squashed to one line) does not start a list item
    referencing #number, when the body is over MAX_BODY_CHARS (GitHub would refuse the edit),
    or when the body's structure leaves nowhere the item would be found again.
    """
    item = _squash(text)
    probe = _MD.parse(f"- {item}")
    if number < 1 or number not in _first_line_refs(probe, 1):
        raise ValueError(f"item text must reference #{number} outside code: {item!r}")
    source = body or ""
    if len(source) > MAX_BODY_CHARS:
        raise ValueError(f"body is over {MAX_BODY_CHARS} characters; GitHub would refuse it")
    nl = _line_ending(source) if source else "\n"
    for candidate in _candidates(source, section, number, item, nl):
        if _placed(candidate, section, number) == item:
            return candidate
    raise ValueError(f"cannot place #{number} under {section!r}: the body's structure hides it")


def _clip(text: str) -> str:
    if len(text) < MAX_ITEM_CHARS:
        return text
    return text[: MAX_ITEM_CHARS - 2].rstrip() + "…"


def ask_item_text(
    kind: str,
    number: int,
    title: str,
    *,
    outcome: str | None = None,
    tldr: str | None = None,
) -> str:
    """One line for the Ask's list: `#12 Title`, `#12 Title — failed: TLDR`, `#12 Title — TLDR`.

    Whitespace and newlines are squashed so the item stays one list line; an outcome label is
    normalised (`Failed` -> failed). The result is under MAX_ITEM_CHARS, cut with an ellipsis.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown DSLP kind {kind!r}: expected one of {', '.join(KINDS)}")
    if number < 1:
        raise ValueError(f"issue number must be positive: {number}")
    line = f"#{number} {_squash(title)}".rstrip()
    status = (outcome_of_label(outcome) or _squash(outcome)) if outcome else ""
    note = _squash(tldr or "")
    if status and note:
        line = f"{line} — {status}: {note}"
    elif status or note:
        line = f"{line} — {status or note}"
    return _clip(line)
