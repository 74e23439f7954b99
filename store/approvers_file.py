"""`.github/dslp.yml`: who may sign off each gate, reviewed in the repository like CODEOWNERS.

```yaml
gates:
  deploy:
    approvers: [omar-eng, maya-lead]   # GitHub logins
```

Read strictly, naming the line of the first problem, since a typo here would silently let anyone
(or no one) move a gate. Gate names are phase keys or titles, any case.
"""

from __future__ import annotations

import re

import yaml

from store.rules import gate_key

PATH = ".github/dslp.yml"
_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")
_TEAM = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9][A-Za-z0-9_.-]*")

STARTER = """\
# Who may sign off each DSLP phase gate (dslp-tui). Commit this file; review changes to it
# like code. A gate listed here counts only its approvers' sign-offs (GitHub logins); a gate
# not listed takes any collaborator's. Stakeholders sign off on any issue of the project with a
# comment such as `/dslp approve deploy looks good` (or request-changes, reject).
gates:
  deploy:
    approvers: []      # e.g. [omar-eng, maya-lead]
  monitoring:
    approvers: []
"""


class ApproversFileError(ValueError):
    """One line: where in the file, what is wrong, and that the gates fall back to anyone."""


def _fail(node: yaml.Node | None, what: str) -> ApproversFileError:
    where = f"line {node.start_mark.line + 1}: " if node is not None else ""
    return ApproversFileError(f"{PATH} {where}{what}: fix the file (until then anyone may sign)")


def parse_approvers(text: str) -> dict[str, list[str]]:
    """Gate -> approver logins (in file order, without duplicates); an empty list is left out."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ApproversFileError(
            f"{PATH} {where}{problem}: fix the file (until then anyone may sign)"
        ) from None
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise _fail(root, "expected `gates:` at the top")
    out: dict[str, list[str]] = {}
    for key, value in root.value:
        if not (isinstance(key, yaml.ScalarNode) and key.value == "gates"):
            raise _fail(key, f"unknown key {key.value!r} (only `gates:` is read)")
        if isinstance(value, yaml.ScalarNode) and value.value in ("", "~", "null"):
            continue
        if not isinstance(value, yaml.MappingNode):
            raise _fail(value, "`gates:` must map gate names to `approvers:`")
        for gate_node, spec in value.value:
            gate = (
                gate_key(str(gate_node.value)) if isinstance(gate_node, yaml.ScalarNode) else None
            )
            if gate is None:
                raise _fail(gate_node, f"{gate_node.value!r} is not a DSLP gate")
            if gate in out:
                raise _fail(gate_node, f"gate {gate_node.value!r} is listed twice")
            out[gate] = _approvers(spec)
    return {gate: logins for gate, logins in out.items() if logins}


def _approvers(spec: yaml.Node) -> list[str]:
    if not isinstance(spec, yaml.MappingNode):
        raise _fail(spec, "a gate takes `approvers: [login, ...]`")
    logins: list[str] = []
    for key, value in spec.value:
        if not (isinstance(key, yaml.ScalarNode) and key.value == "approvers"):
            raise _fail(key, f"unknown key {key.value!r} (a gate takes `approvers:`)")
        if not isinstance(value, yaml.SequenceNode):
            raise _fail(value, "`approvers:` must be a list of GitHub logins")
        for item in value.value:
            login = str(item.value).strip().lstrip("@") if isinstance(item, yaml.ScalarNode) else ""
            if not (_LOGIN.fullmatch(login) or _TEAM.fullmatch(login)):
                raise _fail(item, f"{login or item.tag!r} is not a GitHub login or org/team")
            if login.casefold() not in {x.casefold() for x in logins}:
                logins.append(login)
    return logins
