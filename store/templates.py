"""DSLP issue templates: read the repository's own, fall back to built-in skeletons, fill links.

A new issue should look like the ones the team opens by hand, so the repository's
`.github/ISSUE_TEMPLATE/*.md` files win; a broken or missing one must not block opening an
issue, so each kind also has a short built-in skeleton with the same sections. The links DSLP
asks for ("Ask Reference", "Based on Experiment") are written where `store.issue_body` reads
them back, and nothing else in the template's text is touched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

import yaml

from store.issue_body import (
    _ASK_LABEL,
    _EXPERIMENT_LABEL,
    _MD,
    _inline_lines,
    _line_ending,
    _line_spans,
    _squash,
)
from store.rules.labels import DEFAULT_LABELS, kind_from_labels
from store.rules.vocabulary import KINDS

__all__ = [
    "KINDS",
    "Template",
    "TemplateError",
    "builtin_template",
    "choose_template",
    "fill_links",
    "is_template_path",
    "parse_template",
    "render_issue",
]

# The label each kind's template applies, spelt as DSLP spells it ("Ask", "Experiment"...).
_KIND_LABEL: dict[str, str] = {
    name.casefold(): name for name, _, _ in DEFAULT_LABELS if name.casefold() in KINDS
}
_WORD = re.compile(r"[A-Za-z0-9]+")
# Where a labelled link's value starts on its source line (emphasis around the label allowed).
_ASK_SOURCE = re.compile(r"ask[ \t*_-]*reference[ \t*_]*:[*_]*", re.IGNORECASE)
_EXPERIMENT_SOURCE = re.compile(r"based[ \t*_-]+on[ \t*_-]+experiment[ \t*_]*:[*_]*", re.IGNORECASE)
_ASK_LINE = "***Ask Reference:***"
_EXPERIMENT_LINE = "***Based on Experiment:***"


def _kind_from_name(path: str) -> str | None:
    """`Data.Create.md` -> data: DSLP names its templates after the kind."""
    words = _WORD.findall(PurePosixPath(path.replace("\\", "/")).stem)
    first = words[0].casefold() if words else ""
    return first if first in KINDS else None


class TemplateError(ValueError):
    """A repository template that cannot be used; the one-line message says which and why.

    It is shown to the user as is, so it names the file and the fix, and says what stands in.
    """

    def __init__(self, path: str, problem: str) -> None:
        kind = _kind_from_name(path)
        stand_in = (
            f"the built-in {_KIND_LABEL[kind]} skeleton is used" if kind else "it is not offered"
        )
        super().__init__(f"`{path}`: {_squash(problem)}: fix the file; until then {stand_in}")
        self.path = path
        self.problem = _squash(problem)


@dataclass(frozen=True)
class Template:
    path: str  # "" for a built-in skeleton
    name: str
    kind: str | None  # a DSLP kind from KINDS, None when neither labels nor file name tell
    title: str  # default issue title, often "" or "Get [name] Dataset"
    labels: tuple[str, ...]
    body: str  # the Markdown GitHub puts in a new issue: front matter removed
    builtin: bool = False


def is_template_path(path: str) -> bool:
    """A Markdown issue template: `.github/ISSUE_TEMPLATE/<name>.md`, not a subfolder file.

    Issue forms (`*.yml`) and `config.yml` are not templates here. Letter case is ignored in
    the folder name and the extension, as teams spell them both ways.
    """
    parts = path.replace("\\", "/").lstrip("/").removeprefix("./").split("/")
    return (
        len(parts) == 3
        and parts[0] == ".github"
        and parts[1].casefold() == "issue_template"
        and parts[2].casefold().endswith(".md")
        and len(parts[2]) > len(".md")
    )


def _split_front_matter(path: str, text: str) -> tuple[str | None, str]:
    """(front matter or None, body) of a template; the body keeps its own line endings."""
    spans = _line_spans(text)
    if text[slice(*spans[0])].rstrip(" \t") != "---":
        return None, text
    for n in range(1, len(spans)):
        if text[slice(*spans[n])].rstrip(" \t") == "---":
            rest = text[spans[n + 1][0] :] if n + 1 < len(spans) else ""
            return text[spans[1][0] : spans[n][0]] if n > 1 else "", rest
    raise TemplateError(path, "front matter opened by `---` is never closed by a `---` line")


def _load(path: str, front: str) -> dict[object, object]:
    try:
        data = yaml.safe_load(front)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 2}" if mark is not None else "front matter"
        problem = f": {exc.problem}" if exc.problem else ""
        raise TemplateError(path, f"front matter is not valid YAML ({where}{problem})") from exc
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        # PyYAML raises ValueError for impossible dates such as 2024-13-45.
        raise TemplateError(path, f"front matter is not valid YAML ({exc})") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise TemplateError(
            path, f"front matter is a {type(data).__name__}, not `key: value` lines"
        )
    return data


def _scalar(path: str, key: str, value: object) -> str:
    """A front-matter value as text: YAML turns `title: 2024` into an int, `name:` into None."""
    if value is None:
        return ""
    if isinstance(value, list | dict):
        raise TemplateError(path, f"`{key}` in the front matter must be text, not a list")
    return _squash(str(value))


def _labels(path: str, value: object) -> tuple[str, ...]:
    """GitHub accepts `labels: a, b` as well as a YAML list; duplicates dropped (any case)."""
    if value is None:
        return ()
    if isinstance(value, list):
        names = [_scalar(path, "labels", item) for item in value]
    elif isinstance(value, dict):
        raise TemplateError(path, "`labels` in the front matter must be a name or a list")
    else:
        names = _scalar(path, "labels", value).split(",")
    return _unique(names)


def _unique(names: Sequence[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for name in (n.strip() for n in names):
        if name and name.casefold() not in seen:
            seen[name.casefold()] = name
    return tuple(seen.values())


def parse_template(path: str, text: str) -> Template:
    """Read one `.md` issue template; raise TemplateError (one line) if it cannot be used.

    The body is what GitHub shows in a new issue: everything after the front matter, leading
    blank lines dropped. Without front matter the whole text is the body. The kind comes from
    the labels (store.rules.labels), else from the file name's first word, else None.
    """
    text = text.removeprefix("\ufeff")
    front, body = _split_front_matter(path, text)
    meta = _load(path, front) if front is not None else {}
    labels = _labels(path, meta.get("labels"))
    spans = _line_spans(body)
    first = next((s for s, e in spans if body[s:e].strip(" \t")), len(body))
    return Template(
        path=path,
        name=_scalar(path, "name", meta.get("name")) or PurePosixPath(path).stem,
        kind=kind_from_labels(labels) or _kind_from_name(path),
        title=_scalar(path, "title", meta.get("title")),
        labels=labels,
        body=body[first:] if first < len(body) else "",
    )


_SKELETONS: dict[str, tuple[str, ...]] = {
    "ask": (
        "## Problem Statement",
        "",
        "The question this project answers, who is asking it and why it matters now.",
        "",
        "## Success Criteria",
        "",
        "### Metrics",
        "",
        "- The measure that decides success, and the value it must reach.",
        "- Any measure that must not get worse on the way.",
        "",
        "## Data Requirements",
        "",
        "### Datasets",
        "",
        "<!-- Data issues for this Ask are listed here. -->",
        "",
        "## Understanding and Exploration",
        "",
        "<!-- Explore issues for this Ask are listed here. -->",
        "",
        "## Approaches and Experiments",
        "",
        "<!-- Experiment issues for this Ask are listed here, with their outcome. -->",
    ),
    "data": (
        "## Dataset Description",
        "",
        "What the data holds, why the project needs it and which slice: rows, period, fields.",
        "",
        "## Source system",
        "",
        "Where it comes from: the system, schema or table, and who owns it.",
        "",
        "## Known Issues",
        "",
        "Gaps, biases or quality problems found so far.",
    ),
    "explore": (
        "## Overview",
        "",
        "What this exploration looks at: which data, which question.",
        "",
        "## Goals",
        "",
        "- [ ] First question to answer",
        "- [ ] Second question to answer",
        "",
        "## Findings",
        "",
        "One short paragraph per insight, each with a link to its notebook or chart.",
        "",
        "## Next Steps",
        "",
        "What to do next because of these findings.",
    ),
    "experiment": (
        "## Description",
        "",
        f"{_ASK_LINE} #link-to-ask-issue",
        "",
        "The approach tried here and what it should improve.",
        "",
        "## Metrics",
        "",
        "The metric being optimised, defined here if it is not a standard one.",
        "",
        "## Assumptions",
        "",
        "What this approach takes for granted, and what breaks if that is wrong.",
        "",
        "## Results",
        "",
        "<!-- A line or two on the outcome: it becomes the experiment's TLDR. -->",
    ),
    "model": (
        "## Description",
        "",
        f"{_ASK_LINE} #link-to-ask-issue  ",
        f"{_EXPERIMENT_LINE} #link-to-experiment-issue",
        "",
        "What the model does and how it will be served.",
        "",
        "## Steps",
        "",
        "- [ ] Turn the experiment's feature code into tested production code",
        "- [ ] Package and register the model",
        "- [ ] Add monitoring and logging",
    ),
}


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown DSLP kind {kind!r}: expected one of {', '.join(KINDS)}")


def builtin_template(kind: str) -> Template:
    """The stand-in for a kind whose repository template is missing or broken."""
    _check_kind(kind)
    return Template(
        path="",
        name=_KIND_LABEL[kind],
        kind=kind,
        title="",
        labels=(_KIND_LABEL[kind],),
        body="\n".join(_SKELETONS[kind]) + "\n",
        builtin=True,
    )


def choose_template(templates: Sequence[Template], kind: str) -> Template:
    """The repository's first template of `kind` by path (Data.Aquisition before Data.Create),
    else the built-in skeleton."""
    _check_kind(kind)
    own = sorted((t for t in templates if t.kind == kind and not t.builtin), key=lambda t: t.path)
    return own[0] if own else builtin_template(kind)


def _labelled_lines(body: str) -> dict[str, int]:
    """Source line of the first "Ask Reference:" / "Based on Experiment:" paragraph line.

    Found through the parse, with store.issue_body's own label patterns, so a line in code
    never counts and every line we fill is one parse_body reads back.
    """
    tokens = _MD.parse(body)
    found: dict[str, int] = {}
    for i, token in enumerate(tokens):
        if token.type != "inline" or token.map is None or tokens[i - 1].type != "paragraph_open":
            continue
        for k, (text, _) in enumerate(_inline_lines(token, None)):
            label = "ask" if _ASK_LABEL.match(text) else None
            label = label or ("experiment" if _EXPERIMENT_LABEL.match(text) else None)
            if label is not None and label not in found:
                found[label] = token.map[0] + k
    return found


def _filled(line: str, label: re.Pattern[str], number: int) -> str | None:
    """The line with whatever follows its label replaced by `#number`; trailing spaces kept,
    since two of them are the hard break that puts the next link on its own line."""
    m = label.search(line)
    if m is None:
        return None
    rest = line[m.end() :]
    value = rest.lstrip(" \t")
    core = value.rstrip(" \t")
    if not core:
        return f"{line[: m.end()]} #{number}{rest}"
    lead = rest[: len(rest) - len(value)] or " "
    return f"{line[: m.end()]}{lead}#{number}{value[len(core) :]}"


def _insertion(body: str, block: str, nl: str) -> tuple[int, str]:
    """(offset, text) putting `block` right after the first heading, else at the top."""
    tokens = _MD.parse(body)
    spans = _line_spans(body)
    heading = next((t for t in tokens if t.type == "heading_open" and t.level == 0), None)
    if heading is None or heading.map is None:
        return 0, f"{block}{nl}{nl}" if body else f"{block}{nl}"
    after = heading.map[1]
    if after < len(spans) and not body[slice(*spans[after])].strip(" \t"):
        return spans[after][1], f"{nl}{block}{nl}"
    return spans[after - 1][1], f"{nl}{block}{nl}"


def fill_links(body: str, kind: str, *, ask: int | None = None, based_on: int | None = None) -> str:
    """Write `#ask` / `#based_on` into the template's labelled lines, adding missing ones.

    An existing "Ask Reference:" / "Based on Experiment:" line gets its placeholder (all that
    follows the label) replaced; a link with no such line is added as `***Ask Reference:*** #N`
    (and/or the Based on Experiment line) after the first heading, then a blank line. A None
    link leaves its placeholder alone. Line endings and every other byte are kept.
    """
    _check_kind(kind)
    nl = _line_ending(body) if body else "\n"
    spans = _line_spans(body)
    lines = _labelled_lines(body) if ask is not None or based_on is not None else {}
    edits: list[tuple[int, int, str]] = []
    missing: list[str] = []
    wanted = (
        ("ask", ask, _ASK_SOURCE, _ASK_LINE),
        ("experiment", based_on, _EXPERIMENT_SOURCE, _EXPERIMENT_LINE),
    )
    for key, number, pattern, fresh in wanted:
        if number is None:
            continue
        if number < 1:
            raise ValueError(f"issue number must be positive: {number}")
        where = lines.get(key)
        start, end = spans[where] if where is not None else (0, 0)
        filled = _filled(body[start:end], pattern, number) if where is not None else None
        if filled is None:
            missing.append(f"{fresh} #{number}")
        else:
            edits.append((start, end, filled))
    if missing:
        offset, text = _insertion(body, f"  {nl}".join(missing), nl)
        edits.append((offset, offset, text))
    for start, end, text in sorted(edits, reverse=True):
        body = body[:start] + text + body[end:]
    return body


def render_issue(
    template: Template,
    *,
    title: str,
    kind: str,
    ask: int | None,
    based_on: int | None,
    marker: str,
) -> tuple[str, list[str]]:
    """(body, labels) to POST for a new issue of `kind` from `template`.

    The body is the filled template with the hidden `marker` line last, after a blank line, so
    a retried create can find the issue it already made; a marker line already in the body
    (an edited draft) is moved there, not repeated. Labels are the template's plus the
    kind's DSLP label when none of the template's maps to that kind, without duplicates.
    """
    _check_kind(kind)
    if not title.strip():
        raise ValueError("an issue needs a title")
    if not marker.strip() or "\n" in marker or "\r" in marker:
        raise ValueError(f"marker must be one non-empty line: {marker!r}")
    mark = marker.strip()
    filled = fill_links(template.body, kind, ask=ask, based_on=based_on)
    # Re-rendering an edited draft body must not stack a second marker.
    filled = re.sub(rf"(?m)^[ \t]*{re.escape(mark)}[ \t]*(?:\r\n|\r|\n|\Z)", "", filled)
    nl = _line_ending(filled) if filled else "\n"
    kept = filled.rstrip("\r\n")
    body = f"{kept}{nl}{nl}{mark}" if kept else mark
    labels = list(template.labels)
    if not any(kind_from_labels([label]) == kind for label in labels):
        labels.append(_KIND_LABEL[kind])
    return body, list(_unique(labels))
