"""DSLP label files (the template's `.github/labels.yaml` format), read strictly.

The template's own file is broken in ways a plain `yaml.safe_load` accepts silently: an unquoted
`#` turns every colour into a comment, and mis-indented entries become duplicate keys that
overwrite each other, losing labels. This reader refuses both and names the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

_COLOR = re.compile(r"#?([0-9a-fA-F]{6})")


class LabelFileError(ValueError):
    """One line: the file, the line, what is wrong and how to fix it."""


@dataclass(frozen=True)
class LabelSpec:
    name: str
    color: str
    description: str


class _StrictLoader(yaml.SafeLoader):
    problems: list[tuple[int, str]]


def _mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)
        line = key_node.start_mark.line + 1
        if key in seen:
            loader.problems.append(
                (
                    line,
                    f"duplicate key {key!r} (first on line {seen[key]}): an entry is probably "
                    "mis-indented, so one label overwrites another",
                )
            )
        seen[key] = line
    data = loader.construct_mapping(node, deep=deep)
    data["__line__"] = node.start_mark.line + 1
    data["__lines__"] = seen
    return data


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _load(text: str, source: str) -> tuple[Any, list[tuple[int, str]]]:
    """The YAML document and the duplicate keys met on the way; any failure is one line."""
    try:
        loader = _StrictLoader(text)  # the reader already refuses control characters here
    except yaml.YAMLError as exc:
        raise LabelFileError(f"{source}: not valid YAML ({_problem(exc)})") from None
    loader.problems = []
    try:
        return loader.get_single_data(), loader.problems
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise LabelFileError(f"{source}: {where}not valid YAML ({_problem(exc)})") from None
    except TypeError:  # a list or mapping used as a key
        raise LabelFileError(
            f"{source}: keys must be plain text (name, color, description)"
        ) from None
    except RecursionError:
        raise LabelFileError(f"{source}: nested too deeply to be a labels file") from None
    finally:
        loader.dispose()


def _problem(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or str(exc).strip().splitlines()[0]
    return " ".join(str(problem).split())


def parse_labels(text: str, source: str = "labels file") -> list[LabelSpec]:
    data, problems = _load(text, source)
    if not isinstance(data, list):
        raise LabelFileError(f"{source}: expected a list of labels (- name: ..., color: ...)")
    specs: list[LabelSpec] = []
    names: dict[str, int] = {}
    for item in data:
        if not isinstance(item, dict):
            problems.append((0, "every entry must be a mapping with name and color"))
            continue
        line = item.get("__line__", 0)
        name = str(item.get("name") or "").strip()
        if not name:
            problems.append((line, "a label has no name"))
            continue
        color = item.get("color")
        line = item.get("__lines__", {}).get("color", line)
        if color is None:
            problems.append(
                (
                    line,
                    f"label {name!r} has no colour: an unquoted # starts a YAML comment, "
                    "write color: 'c9ecff' or color: \"#c9ecff\"",
                )
            )
            continue
        found = _COLOR.fullmatch(str(color).strip())
        if not found:
            problems.append((line, f"label {name!r} colour {color!r} is not 6 hex digits"))
            continue
        if name.lower() in names:
            problems.append(
                (line, f"label {name!r} is listed twice (also line {names[name.lower()]})")
            )
            continue
        names[name.lower()] = line
        specs.append(LabelSpec(name, found.group(1).lower(), str(item.get("description") or "")))
    if problems:
        problems.sort()
        line, first = problems[0]
        where = f"line {line}: " if line else ""
        more = problems[1:]
        rest = ""
        if more:
            lines = ", ".join(str(n) for n, _ in more[:8] if n)
            rest = f" (and {len(more)} more problem{'s' if len(more) > 1 else ''}"
            rest += f", lines {lines})" if lines else ")"
        raise LabelFileError(f"{source}: {where}{first}{rest}; nothing was applied")
    return specs


def read_labels(path: str | Path) -> list[LabelSpec]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelFileError(f"cannot read {p}: {exc}") from None
    return parse_labels(text, str(p))
