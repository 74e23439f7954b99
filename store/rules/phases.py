"""Where a card stands on the board, and where a project stands in the process."""

from __future__ import annotations

from collections.abc import Iterable

from store.rules.labels import has_label
from store.rules.vocabulary import PHASES

# Bump when a rule that decides a stored column (kind, phase, outcome) changes: a mirror written
# under another version has those columns recomputed once when it is opened.
RULES_VERSION = 2

_KIND_PHASE: dict[str, str] = {
    "ask": "ideation",
    "data": "data",
    "explore": "explore",
    "experiment": "experiment",
    "model": "model",
}


def card_phase(
    kind: str | None, labels: Iterable[str], model_status: str | None = None
) -> str | None:
    """Phase a card is shown in; None for unclassified work.

    Only Model cards move beyond the model phase, because DSLP defines `Deploy` as marking a
    Model issue: a live model (status production, or retired, which ends its life in
    monitoring) is in monitoring; a `Deploy` label or status staging means deploy.
    """
    if kind is None or kind not in _KIND_PHASE:
        return None
    if kind == "model":
        if model_status in ("production", "retired"):
            return "monitoring"
        if model_status == "staging" or has_label(labels, "Deploy"):
            return "deploy"
    return _KIND_PHASE[kind]


def project_phase(cards: Iterable[tuple[str, bool]]) -> str:
    """The project's current phase: the single rule every view must share.

    Each card is (phase, is_open). The current phase is the most advanced phase with open work;
    if nothing is open, the most advanced phase reached; an empty project is in ideation.
    Callers pass is_open=True for monitoring cards, since a production model is live work.
    Unknown phases (e.g. None for unclassified cards) are ignored.
    """
    rank = {phase: i for i, phase in enumerate(PHASES)}
    reached = -1
    open_max = -1
    for phase, is_open in cards:
        i = rank.get(phase, -1)
        if i < 0:
            continue
        reached = max(reached, i)
        if is_open:
            open_max = max(open_max, i)
    best = open_max if open_max >= 0 else reached
    return PHASES[best] if best >= 0 else "ideation"
