"""What GitHub labels mean: an issue's kind and outcome, however the team spelt them."""

from __future__ import annotations

import re
from collections.abc import Iterable

from store.rules.vocabulary import KINDS, OUTCOMES

# (name, colour without '#', description): teams otherwise create these by hand.
DEFAULT_LABELS: list[tuple[str, str, str]] = [
    ("Ask", "c9ecff", "Problem statement and success criteria; anchors a project"),
    ("Data", "1c587c", "One version of a dataset: acquisition or creation"),
    ("Explore", "f0f29b", "Exploration with a TLDR; its PR is closed unmerged"),
    ("Experiment", "8569c6", "One approach to an Ask, with results and a TLDR"),
    ("Model", "0b4e82", "Productionising a successful experiment"),
    ("Deploy", "f79499", "Model issue ready to start deployment"),
    ("Communicate", "f9f345", "Reports, dashboards and documentation"),
    ("succeeded", "67d157", "Outcome: worked"),
    ("failed", "c2021c", "Outcome: did not work"),
    ("on hold", "ffd04f", "Paused on purpose"),
    ("blocked - need access", "ed9a53", "Cannot proceed until access is granted"),
]

# Highest precedence first: a terminal outcome outranks a stale transient one, and on
# contradictory labels "failed" wins so success rates are never overstated.
_OUTCOME_PRECEDENCE: tuple[str, ...] = ("failed", "succeeded", "blocked - need access", "on hold")
_SEPARATORS = re.compile(r"[\s_-]+")


def _norm_label(label: str) -> str:
    return label.strip().casefold()


def _loose_label(label: str) -> str:
    """Fold case and runs of spaces/hyphens/underscores so 'On-Hold' equals 'on hold'."""
    return _SEPARATORS.sub(" ", label.casefold()).strip()


_OUTCOME_KEYS: dict[str, str] = {_loose_label(o): o for o in OUTCOMES}


def outcome_of_label(label: str) -> str | None:
    """The outcome a label names, however it is spelt ('On-Hold' -> 'on hold'), else None."""
    return _OUTCOME_KEYS.get(_loose_label(label))


def kind_from_labels(labels: Iterable[str]) -> str | None:
    """Issue kind from its labels; with several kind labels the most advanced phase wins.

    Picking the furthest phase keeps a mislabelled Model issue from dragging the project's
    phase back to Ask. Anything that is not a kind label (Deploy, Communicate...) is ignored.
    """
    found = {_norm_label(label) for label in labels} & set(KINDS)
    for kind in reversed(KINDS):
        if kind in found:
            return kind
    return None


def outcome_from_labels(labels: Iterable[str]) -> str | None:
    """Outcome from status labels, tolerant of case and of '-', '_' or spaces as separators.

    'on-hold', 'On_Hold' and 'blocked-need access' all count. Precedence when several are
    present: failed > succeeded > blocked - need access > on hold.
    """
    found = {_OUTCOME_KEYS.get(_loose_label(label)) for label in labels}
    for outcome in _OUTCOME_PRECEDENCE:
        if outcome in found:
            return outcome
    return None


def has_label(labels: Iterable[str], name: str) -> bool:
    """Case- and whitespace-insensitive membership, as GitHub label names are case-insensitive."""
    wanted = _norm_label(name)
    return any(_norm_label(label) == wanted for label in labels)
