"""Why a card is flagged: the DSLP rules it breaks, as sentences a lead can act on."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from store.rules.branches import MERGED_EXPLORE

_UNTYPED_BRANCHES = ("issue", "collaboration", "invalid")


def _a(word: str) -> str:
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


@dataclass(frozen=True)
class BranchFacts:
    """What the rules need to know of one branch of the card."""

    name: str
    kind: str
    merged: bool
    violation: str | None  # as recorded by the clone scan or the mirror ("misnamed", ...)


def card_violations(
    *,
    number: int,
    kind: str | None,
    state: str,
    outcome: str | None,
    tldr: str | None,
    branches: Iterable[BranchFacts],
    outcome_tldrs: Sequence[str],
) -> list[str]:
    """Every DSLP rule this card breaks, each said once.

    `outcome_tldrs` holds the TLDR of each outcome logged for the card (an empty string when an
    outcome has none); a logged outcome counts as the outcome even before its label is on GitHub.
    """
    found = []
    for b in branches:
        if b.kind not in _UNTYPED_BRANCHES and kind and b.kind != kind:
            found.append(f"branch {b.name} is {_a(b.kind)} branch but #{number} is {_a(kind)}")
        merged_explore = b.kind == "explore" and (b.merged or b.violation == MERGED_EXPLORE)
        if merged_explore:
            found.append(f"explore branch {b.name} was merged: DSLP closes explore PRs unmerged")
        if b.violation and b.violation not in ("misnamed", MERGED_EXPLORE):
            found.append(f"branch {b.name}: {b.violation}")
    if kind == "experiment" and state == "closed":
        if outcome is None and not outcome_tldrs:
            found.append("experiment closed without an outcome (succeeded / failed label)")
        if not (tldr or any(outcome_tldrs)):
            found.append("experiment closed without a TLDR in its Results")
    return found
