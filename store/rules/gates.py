"""When a phase gate still owes a stakeholder's sign-off."""

from __future__ import annotations

APPROVED = "approved"


def gate_pending(cards_in_phase: int, latest_decision: str | None) -> bool:
    """Why a gate is pending: its phase has cards and its latest sign-off is not an approval.

    An empty phase owes nothing; "changes-requested" and "rejected" keep the gate open, as no
    sign-off at all does.
    """
    return cards_in_phase > 0 and latest_decision != APPROVED
