"""The hand-off checklist of a Model card: the body's tasks, local changes and the DSLP steps."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# DSLP step 5 plus the seed articles' hand-off duties, worded as checklist items.
HANDOFF_STEPS: tuple[str, ...] = (
    "Features refactored for production",
    "Tests for features, model and data",
    "Model registered and packaged",
    "Full pipeline tested end to end",
    "Performance and robustness tested",
    "Monitoring and logging in place",
    "Release plan with rollback",
    "Retraining plan agreed",
    "Named operations owner",
)


@dataclass(frozen=True)
class ChecklistView:
    position: int
    text: str
    done: bool
    origin: str  # "body", "standard" or "added"
    pending_sync: bool = False


def merge_checklist(
    body_tasks: Iterable[tuple[str, bool]],
    stored: Iterable[tuple[str, bool, str]],
    pending_texts: set[str | None],
    *,
    with_standard_steps: bool,
) -> list[ChecklistView]:
    """The hand-off checklist as a lead should see it.

    The issue body is the truth for its tasks (a teammate may have ticked one on GitHub), except
    where a local change is still waiting to be pushed; then come the items only this mirror
    has (added here, or standard steps not yet written to the body), then the DSLP steps
    nobody has touched yet.
    """
    stored = list(stored)
    local = {text: (done, origin) for text, done, origin in stored}
    items: list[tuple[str, bool, str]] = []
    seen: set[str] = set()
    for text, done in body_tasks:
        if text in seen:
            continue
        if text in pending_texts and text in local:
            done = local[text][0]
        items.append((text, done, "body"))
        seen.add(text)
    for text, done, origin in stored:
        if text not in seen:
            items.append((text, done, origin))
            seen.add(text)
    if with_standard_steps:
        items += [(t, False, "standard") for t in HANDOFF_STEPS if t not in seen]
    return [
        ChecklistView(n, text, done, origin, text in pending_texts)
        for n, (text, done, origin) in enumerate(items)
    ]
