"""Read and edit DSLP issue bodies through a real Markdown parse.

Parsing with markdown-it (rather than regexes over the whole body) is what keeps `#12` inside
code from counting as a reference and `- [ ]` inside a fenced block from counting as a task.
Edits work on source offsets taken from the parse, so every byte we do not mean to change
(CRLF line endings included) survives a round trip through GitHub.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

# GitHub refuses issue bodies longer than this, so anything beyond it cannot be a real body;
# reading only this prefix bounds parse time (markdown-it-py needs ~1-10 us per character).
MAX_BODY_CHARS = 65_536

_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])

# markdown-it's own line-ending rule, so our line numbers agree with token.map.
_NEWLINE = re.compile(r"\r\n?|\n")
_CHECKBOX = re.compile(r"\[([ xX])\](?=\s)")
# Where the checkbox sits on its source line: after quote markers, indentation, list markers.
_BOX_IN_LINE = re.compile(r"[ \t>]*(?:(?:[-+*]|[0-9]{1,9}[.)])[ \t>]*)*\[([ xX])\]")
_HASH_REF = re.compile(r"(?<![\w/#&])#([1-9][0-9]{0,9})(?!\w)")
_URL_REF = re.compile(
    r"https?://[^\s/<>()]+/([^\s/<>()]+)/([^\s/<>()]+)/(?:issues|pull)/([1-9][0-9]{0,9})(?![\w])"
)
_ASK_LABEL = re.compile(r"^[\s*_>~-]*ask[\s*_-]*reference[\s*_]*:", re.IGNORECASE)
_EXPERIMENT_LABEL = re.compile(
    r"^[\s*_>~-]*based[\s*_-]+on[\s*_-]+experiment[\s*_]*:", re.IGNORECASE
)
_TLDR_LABEL = re.compile(r"^[\s*_>~-]*tl\s*;?\s*dr[\s*_]*:[\s*_]*", re.IGNORECASE)
_RESULT_META = re.compile(r"^[\s*_]*(?:experiment\s+history|related\s+prs?)[\s*_]*:", re.IGNORECASE)
_PLACEHOLDER = re.compile(
    r"summari[sz]e\s+the\s+results\s+of\s+this\s+experiment\s*\(\s*tl\s*;?\s*dr\s*\)\s*\.?",
    re.IGNORECASE,
)
_TLDR_HEADING = re.compile(r"tl\s*;?\s*dr", re.IGNORECASE)


@dataclass(frozen=True)
class Task:
    text: str  # source text after the checkbox, whitespace collapsed
    done: bool
    line: int  # 0-based line of the checkbox in the body


@dataclass(frozen=True)
class ParsedBody:
    ask_refs: tuple[int, ...]
    experiment_refs: tuple[int, ...]
    tldr: str | None
    tasks: tuple[Task, ...]
    refs: tuple[int, ...]


_EMPTY = ParsedBody((), (), None, (), ())


def _squash(text: str) -> str:
    return " ".join(text.split())


def _bounded(body: str) -> str:
    """The prefix we parse: at most MAX_BODY_CHARS, cut at a line break so lines stay whole."""
    if len(body) <= MAX_BODY_CHARS:
        return body
    head = body[:MAX_BODY_CHARS]
    cut = max(head.rfind("\n"), head.rfind("\r"))
    return head[: cut + 1] if cut >= 0 else head


def _line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line without its terminator, numbered as markdown-it numbers them."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _NEWLINE.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return spans


def _refs_in(text: str, repo: str | None, *, hashes: bool = True) -> list[int]:
    found = [(m.start(), int(m[1])) for m in _HASH_REF.finditer(text)] if hashes else []
    for m in _URL_REF.finditer(text):
        if repo is None or f"{m[1]}/{m[2]}".casefold() == repo.casefold():
            found.append((m.start(), int(m[3])))
    return [n for _, n in sorted(found)]


def _inline_lines(token: Token, repo: str | None) -> list[tuple[str, list[int]]]:
    """Split an inline token at line breaks into (plain text, refs); code and HTML carry no refs."""
    lines: list[tuple[list[str], list[int]]] = [([], [])]
    for child in token.children or []:
        parts, refs = lines[-1]
        if child.type in ("softbreak", "hardbreak"):
            lines.append(([], []))
        elif child.type == "text":
            parts.append(child.content)
            refs.extend(_refs_in(child.content, repo))
        elif child.type == "code_inline":
            parts.append(child.content)
        elif child.type == "link_open":
            # An href of "#11" is an in-page anchor, so only URLs count here.
            refs.extend(_refs_in(str(child.attrGet("href") or ""), repo, hashes=False))
    return [("".join(parts), refs) for parts, refs in lines]


def _dedupe(numbers: list[int]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(numbers))


def _task_at(
    tokens: list[Token], i: int, src: str, spans: list[tuple[int, int]]
) -> tuple[Task, int] | None:
    """A task and the offset of its checkbox character, if tokens[i] is a task item's first line."""
    if i < 2 or tokens[i - 1].type != "paragraph_open" or tokens[i - 2].type != "list_item_open":
        return None
    token = tokens[i]
    m = _CHECKBOX.match(token.content)
    if m is None or token.map is None:
        return None
    text = _squash(token.content[m.end() :])
    line = token.map[0]
    if not text or line >= len(spans):
        return None
    start, end = spans[line]
    located = _BOX_IN_LINE.match(src, start, end)
    if located is None or located[1] != m[1]:
        return None
    return Task(text, m[1] != " ", line), located.start(1)


def _scan_tasks(body: str, tokens: list[Token] | None = None) -> list[tuple[Task, int]]:
    src = _bounded(body)
    if tokens is None:
        tokens = _MD.parse(src)
    spans = _line_spans(src)
    return [t for i in range(len(tokens)) if (t := _task_at(tokens, i, src, spans)) is not None]


def _paragraph_text(lines: list[tuple[str, list[int]]]) -> str:
    """Plain text of a Results paragraph minus the template's metadata lines and placeholder."""
    kept = [_PLACEHOLDER.sub(" ", text) for text, _ in lines if not _RESULT_META.match(text)]
    return _squash(" ".join(kept))


def parse_body(body: str | None, *, repo: str | None = None) -> ParsedBody:
    """Extract links, TLDR and tasks from an issue body of any shape.

    `repo` ("owner/name"), when given, limits issue/PR URLs to that repository; `#N` is always
    taken as local. Labelled refs must sit on the same line as "Ask Reference:" or
    "Based on Experiment:". TLDR precedence: an explicit `TLDR:`/`TL;DR:` line (rest of its
    paragraph, or the next paragraph if that is empty), then a "TL;DR" section, then the
    Experiment template's "Results" section. Only the first MAX_BODY_CHARS are read.
    """
    if not body or not body.strip():
        return _EMPTY
    src = _bounded(body)
    tokens = _MD.parse(src)
    spans = _line_spans(src)

    refs: list[int] = []
    ask_refs: list[int] = []
    experiment_refs: list[int] = []
    tasks: list[Task] = []
    sections: dict[str, list[str]] = {"tldr": [], "results": []}
    section: str | None = None
    section_level = 0
    explicit: str | None = None
    want_next_paragraph = False

    for i, token in enumerate(tokens):
        if token.type == "heading_open" and i + 1 < len(tokens):
            level = int(token.tag[1:])
            if section is not None and level <= section_level:
                section = None
            title = _squash(" ".join(t for t, _ in _inline_lines(tokens[i + 1], repo)))
            title = title.strip("*_: ").casefold()
            if title in ("results", "result") or _TLDR_HEADING.fullmatch(title):
                section = "results" if title.startswith("result") else "tldr"
                section_level = level
            continue
        if token.type != "inline":
            continue
        lines = _inline_lines(token, repo)
        for text, line_refs in lines:
            refs.extend(line_refs)
            if _ASK_LABEL.match(text):
                ask_refs.extend(line_refs)
            elif _EXPERIMENT_LABEL.match(text):
                experiment_refs.extend(line_refs)
        if tokens[i - 1].type != "paragraph_open":
            continue
        task = _task_at(tokens, i, src, spans)
        if task is not None:
            tasks.append(task[0])
            continue
        if explicit is None:
            if want_next_paragraph:
                explicit = _squash(" ".join(t for t, _ in lines)) or None
                want_next_paragraph = False
            else:
                for n, (text, _) in enumerate(lines):
                    m = _TLDR_LABEL.match(text)
                    if m:
                        rest = [text[m.end() :]] + [t for t, _ in lines[n + 1 :]]
                        explicit = _squash(" ".join(rest)) or None
                        want_next_paragraph = explicit is None
                        break
        if section is not None:
            paragraph = _paragraph_text(lines)
            if paragraph:
                sections[section].append(paragraph)

    tldr = explicit or "\n".join(sections["tldr"]) or "\n".join(sections["results"]) or None
    return ParsedBody(
        ask_refs=_dedupe(ask_refs),
        experiment_refs=_dedupe(experiment_refs),
        tldr=tldr,
        tasks=tuple(tasks),
        refs=_dedupe(refs),
    )


def set_task(body: str, text: str, done: bool) -> str | None:
    """Tick or untick the task whose text matches (whitespace-insensitive); None if absent.

    Only the one checkbox character changes. With duplicate texts, the first task not already
    in the wanted state is changed, so ticking "Question" twice ticks two duplicates; if all
    already are, the body comes back unchanged. A done box unticked and ticked again is `x`.
    """
    wanted = _squash(text)
    matches = [(task, offset) for task, offset in _scan_tasks(body) if task.text == wanted]
    if not wanted or not matches:
        return None
    for task, offset in matches:
        if task.done != done:
            return body[:offset] + ("x" if done else " ") + body[offset + 1 :]
    return body


def _line_ending(body: str) -> str:
    if "\r\n" in body:
        return "\r\n"
    return "\r" if "\r" in body and "\n" not in body else "\n"


def _into_final_list(body: str, tokens: list[Token], item: str, nl: str) -> str | None:
    """Body with the task appended to a task list that is the body's last block, if any."""
    top = [i for i, t in enumerate(tokens) if t.level == 0]
    if not top or tokens[top[-1]].type not in ("bullet_list_close", "ordered_list_close"):
        return None
    close = tokens[top[-1]]
    opening = max(i for i in top[:-1] if tokens[i].type == close.type.replace("_close", "_open"))
    span = tokens[opening].map
    if span is None:
        return None
    spans = _line_spans(body)
    items = [t for t in tokens[opening:] if t.type == "list_item_open" and t.level == 1]
    if not any(_task_at(tokens, i, body, spans) for i in range(opening, len(tokens))):
        return None
    filled = [n for n in range(span[0], min(span[1], len(spans))) if body[slice(*spans[n])].strip()]
    if not filled:
        return None
    last = filled[-1]
    first_start, first_end = spans[span[0]]
    indent = re.match(r"[ \t]*", body[first_start:first_end])
    marker = items[-1].markup
    if close.type == "ordered_list_close":
        marker = f"{int(items[-1].info or '0') + 1}{marker}"
    line = f"{indent[0] if indent else ''}{marker} [ ] {item}"
    end = spans[last][1]
    return body[:end] + nl + line + body[end:]


def _appended(body: str, item: str, nl: str) -> str:
    tail = nl if body.endswith(("\n", "\r")) else ""
    return f"{body.rstrip()}{nl}{nl}- [ ] {item}{tail}"


def _fence_closed(body: str, tokens: list[Token], nl: str) -> str | None:
    """Body with an unclosed top-level fence closed, which CommonMark renders identically."""
    if not tokens or tokens[-1].type != "fence" or tokens[-1].level != 0:
        return None
    return f"{body.rstrip()}{nl}{tokens[-1].markup}{nl}"


def add_task(body: str | None, text: str) -> str:
    """Append `- [ ] text`: to the task list ending the body if there is one, else as a new list.

    The result is checked by re-parsing; if the new task would be swallowed (e.g. by an unclosed
    code fence) the next strategy is tried. Bodies over MAX_BODY_CHARS get a plain append.
    """
    item = _squash(text)
    if not item:
        raise ValueError("task text is empty")
    if body is None or not body.strip():
        return f"- [ ] {item}"
    nl = _line_ending(body)
    plain = _appended(body, item, nl)
    if len(body) >= MAX_BODY_CHARS:
        return plain
    tokens = _MD.parse(body)
    expected = [(t.text, t.done) for t, _ in _scan_tasks(body, tokens)] + [(item, False)]

    def candidates() -> Iterator[str | None]:
        yield _into_final_list(body, tokens, item, nl)
        yield plain
        closed = _fence_closed(body, tokens, nl)
        yield None if closed is None else _appended(closed, item, nl)

    for candidate in candidates():
        if (
            candidate is not None
            and [(t.text, t.done) for t, _ in _scan_tasks(candidate)] == expected
        ):
            return candidate
    return plain
