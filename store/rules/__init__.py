"""DSLP domain rules as pure functions: everything the product decides about the process.

Phases, labels, branch names, gates, a card's violations, the hand-off checklist and the hidden
markers live here, so the store, the sync code and the TUI cannot disagree. No I/O and stdlib
only, so every rule is cheap to test exhaustively. Three questions have one function each:
why is this card in this column (`card_phase`), why is it flagged (`card_violations`), why is
this gate pending (`gate_pending`).
"""

from store.rules.branches import (
    BRANCH_KINDS,
    COLLABORATION_BRANCHES,
    MERGED_EXPLORE,
    BranchName,
    branch_for,
    parse_branch,
    strip_remote,
)
from store.rules.checklist import HANDOFF_STEPS, ChecklistView, merge_checklist
from store.rules.gates import gate_pending
from store.rules.labels import (
    DEFAULT_LABELS,
    has_label,
    kind_from_labels,
    outcome_from_labels,
    outcome_of_label,
)
from store.rules.markers import MARKER_KINDS, find_markers, make_marker, strip_markers
from store.rules.phases import RULES_VERSION, card_phase, project_phase
from store.rules.signoffs import (
    COMMANDS,
    Command,
    approvers_of,
    gate_key,
    parse_commands,
    signoff_counts,
)
from store.rules.violations import BranchFacts, PullFacts, card_violations
from store.rules.vocabulary import (
    DECISIONS,
    KINDS,
    MODEL_HEALTH,
    MODEL_STATUSES,
    OUTCOMES,
    PHASE_TITLES,
    PHASES,
)

__all__ = [
    "BRANCH_KINDS",
    "COLLABORATION_BRANCHES",
    "COMMANDS",
    "DECISIONS",
    "DEFAULT_LABELS",
    "HANDOFF_STEPS",
    "KINDS",
    "MARKER_KINDS",
    "MERGED_EXPLORE",
    "MODEL_HEALTH",
    "MODEL_STATUSES",
    "OUTCOMES",
    "PHASES",
    "PHASE_TITLES",
    "RULES_VERSION",
    "BranchFacts",
    "BranchName",
    "ChecklistView",
    "Command",
    "PullFacts",
    "approvers_of",
    "branch_for",
    "card_phase",
    "card_violations",
    "find_markers",
    "gate_key",
    "gate_pending",
    "has_label",
    "kind_from_labels",
    "make_marker",
    "merge_checklist",
    "outcome_from_labels",
    "outcome_of_label",
    "parse_branch",
    "parse_commands",
    "project_phase",
    "signoff_counts",
    "strip_markers",
    "strip_remote",
]
