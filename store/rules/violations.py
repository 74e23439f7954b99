"""Why a card is flagged: the DSLP rules it breaks, as sentences a lead can act on."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from store.rules.branches import MERGED_EXPLORE, parse_branch

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


@dataclass(frozen=True)
class PullFacts:
    """What the rules need to know of one pull request linked to the card."""

    number: int
    state: str
    merged: bool
    draft: bool
    base: str | None
    head: str | None


def _is_explore_pull(p: PullFacts, number: int, kind: str | None) -> bool:
    """A PR from an explore branch serving this card (`explore/12-x`, or `12-x` on an Explore).

    Only the head decides: a PR that merely names `#12` in its body is some other card's work.
    """
    head = parse_branch(p.head) if p.head else None
    if head is None or head.issue_number != number:
        return False
    return head.kind == "explore" or (head.kind == "issue" and kind == "explore")


def card_violations(
    *,
    number: int,
    kind: str | None,
    state: str,
    outcome: str | None,
    tldr: str | None,
    branches: Iterable[BranchFacts],
    outcome_tldrs: Sequence[str],
    pulls: Iterable[PullFacts] = (),
) -> list[str]:
    """Every DSLP rule this card breaks, each said once.

    `outcome_tldrs` holds the TLDR of each outcome logged for the card (an empty string when an
    outcome has none); a logged outcome counts as the outcome even before its label is on GitHub.
    """
    found = []
    merged_heads: set[str] = set()
    for b in branches:
        if b.kind not in _UNTYPED_BRANCHES and kind and b.kind != kind:
            found.append(f"branch {b.name} is {_a(b.kind)} branch but #{number} is {_a(kind)}")
        merged_explore = b.kind == "explore" and (b.merged or b.violation == MERGED_EXPLORE)
        if merged_explore:
            merged_heads.add(b.name)
            found.append(f"explore branch {b.name} was merged: DSLP closes explore PRs unmerged")
        if b.violation and b.violation not in ("misnamed", MERGED_EXPLORE):
            found.append(f"branch {b.name}: {b.violation}")
    for p in pulls:
        # The clone scan may have said it of the PR's branch already: say it once.
        if p.merged and _is_explore_pull(p, number, kind) and p.head not in merged_heads:
            merged_heads.add(p.head or "")
            into = f" into {p.base}" if p.base else ""
            found.append(
                f"explore PR #{p.number} ({p.head}) was merged{into}: "
                "DSLP closes explore PRs unmerged"
            )
    if kind == "experiment" and state == "closed":
        if outcome is None and not outcome_tldrs:
            found.append("experiment closed without an outcome (succeeded / failed label)")
        if not (tldr or any(outcome_tldrs)):
            found.append("experiment closed without a TLDR in its Results")
    return found
