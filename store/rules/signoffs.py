"""Who may sign off a gate, and sign-offs given as `/dslp approve <gate>` comments on GitHub.

As Prow's `/approve` with OWNERS files: the approvers of a gate are GitHub logins named in the
repository (`.github/dslp.yml`), and a sign-off counts when its poster is one of them. A gate
without approvers takes any collaborator's sign-off.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from store.rules.vocabulary import PHASE_TITLES, PHASES

COMMANDS: dict[str, str] = {
    "approve": "approved",
    "request-changes": "changes-requested",
    "reject": "rejected",
}
_COMMAND = re.compile(
    r"^[ \t]*/dslp[ \t]+(approve|request-changes|reject)[ \t]+([^\s]+)(?:[ \t]+([^\r\n]*))?$",
    re.IGNORECASE | re.MULTILINE,
)
_GATE_NAMES: dict[str, str] = {
    **{p: p for p in PHASES},
    **{t.casefold(): p for p, t in PHASE_TITLES.items()},
    "ask": "ideation",
}
_FENCE = re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1[ \t]*$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Command:
    decision: str  # one of DECISIONS
    gate: str  # a phase key
    note: str


def gate_key(name: str) -> str | None:
    """The phase a gate name means ('Deploy', 'deploy', 'ask' -> 'ideation'), else None."""
    return _GATE_NAMES.get(name.strip().casefold())


def parse_commands(body: str | None) -> list[Command]:
    """The sign-off commands of a comment, in order: lines that read `/dslp approve <gate> [note]`.

    A command must stand on its own line (quoted text, `> /dslp approve`, does not count, nor a
    line inside a code fence); an unknown gate is not a command.
    """
    if not body or "/dslp" not in body.lower():
        return []
    text = _FENCE.sub("", body)
    out = []
    for m in _COMMAND.finditer(text):
        gate = gate_key(m[2])
        if gate is not None:
            out.append(Command(COMMANDS[m[1].lower()], gate, (m[3] or "").strip()))
    return out


def approvers_of(approvers: Mapping[str, Sequence[str]] | None, gate: str) -> list[str] | None:
    """The logins that may sign this gate, or None when anyone may."""
    if not approvers:
        return None
    named = approvers.get(gate)
    return list(named) if named else None


def signoff_counts(login: str | None, approvers: Sequence[str] | None) -> bool:
    """Whether a sign-off by `login` moves a gate with these approvers (None: anyone may).

    Logins compare without case, as GitHub's do. A sign-off with no known poster counts only
    at a gate that anyone may sign.
    """
    if approvers is None:
        return True
    if not login:
        return False
    return login.casefold() in {a.casefold() for a in approvers}
