"""The DSLP's words: phases, kinds of issue, outcomes, model statuses and decisions, in order."""

from __future__ import annotations

PHASES: tuple[str, ...] = (
    "ideation",
    "data",
    "explore",
    "experiment",
    "model",
    "deploy",
    "monitoring",
)
PHASE_TITLES: dict[str, str] = {phase: phase.title() for phase in PHASES}

KINDS: tuple[str, ...] = ("ask", "data", "explore", "experiment", "model")
OUTCOMES: tuple[str, ...] = ("succeeded", "failed", "on hold", "blocked - need access")
MODEL_STATUSES: tuple[str, ...] = (
    "candidate",
    "approved",
    "rejected",
    "staging",
    "production",
    "retired",
)
MODEL_HEALTH: tuple[str, ...] = ("healthy", "drifting", "retraining", "rolled-back")
DECISIONS: tuple[str, ...] = ("approved", "changes-requested", "rejected")
