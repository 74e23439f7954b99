"""DSLP domain rules as pure functions.

Everything the product decides about the process (phases, labels, branch names, outcome
precedence, hidden markers) lives here, so the store, the sync code and the TUI cannot disagree.
No I/O and stdlib only, so every rule is cheap to test exhaustively.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

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

_TYPED_BRANCH_KINDS: tuple[str, ...] = ("data", "explore", "experiment", "model")
_KIND_PHASE: dict[str, str] = {
    "ask": "ideation",
    "data": "data",
    "explore": "explore",
    "experiment": "experiment",
    "model": "model",
}
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


# --- branches ---------------------------------------------------------------------------

BRANCH_KINDS: tuple[str, ...] = (
    "data",
    "explore",
    "experiment",
    "model",
    "issue",
    "collaboration",
    "invalid",
)
COLLABORATION_BRANCHES: tuple[str, ...] = ("main", "development")

_TYPED_BRANCH = re.compile(
    r"(?:(?P<prefix>data|explore|experiment|model)/)?(?P<num>[1-9][0-9]*)-(?P<slug>[^\W_][\w.-]*)"
)
_REMOTE_PREFIX = re.compile(r"^(?:refs/heads/|refs/remotes/[^/]+/|remotes/origin/|origin/)")


@dataclass(frozen=True)
class BranchName:
    name: str
    kind: str  # one of BRANCH_KINDS
    issue_number: int | None
    slug: str | None


def strip_remote(name: str) -> str:
    """Local branch name from git output; only `origin/` is assumed to be a remote.

    Other `x/` prefixes are indistinguishable from branch prefixes, so they are left alone;
    `refs/heads/` and `refs/remotes/<remote>/` are unambiguous and also removed.
    """
    name = name.strip()
    return _REMOTE_PREFIX.sub("", name, count=1)


def parse_branch(name: str) -> BranchName:
    """Classify a branch by the DSLP grammar; `name` in the result is the local name.

    Prefixes are lower-case only (git refs are case-sensitive and DSLP spells them so; a
    `Experiment/12-x` is flagged rather than silently accepted). The issue number has no
    leading zeros and the slug must start with a letter or digit.
    """
    local = strip_remote(name)
    if local in COLLABORATION_BRANCHES:
        return BranchName(local, "collaboration", None, None)
    m = _TYPED_BRANCH.fullmatch(local)
    if m is None:
        return BranchName(local, "invalid", None, None)
    return BranchName(local, m["prefix"] or "issue", int(m["num"]), m["slug"])


def branch_matches_kind(branch_kind: str, issue_kind: str | None) -> bool:
    """Whether work on this branch kind fits an issue of this kind.

    Typed branches must match their kind. A plain `<n>-name` branch fits unclassified issues
    and Asks (an Ask has no branch type of its own). Collaboration/invalid never match.
    """
    if branch_kind in _TYPED_BRANCH_KINDS:
        return branch_kind == issue_kind
    if branch_kind == "issue":
        return issue_kind is None or issue_kind == "ask"
    return False


def branch_for(issue_kind: str | None, issue_number: int, title: str) -> str:
    """Suggested DSLP branch name for an issue; always parses back to the same number."""
    if issue_number < 1:
        raise ValueError("issue numbers start at 1")
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:50].strip("-") or "work"
    prefix = f"{issue_kind}/" if issue_kind in _TYPED_BRANCH_KINDS else ""
    return f"{prefix}{issue_number}-{slug}"


# --- hidden markers -----------------------------------------------------------------------

MARKER_KINDS: tuple[str, ...] = ("outcome", "signoff", "model", "checklist")
_MARKER_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
_MARKER = re.compile(
    r"<!--[ \t]*dslp:(outcome|signoff|model|checklist)[ \t]+id=([A-Za-z0-9_-]{1,128})[ \t]*-->"
)
_MARKER_LINE = re.compile(r"^[ \t]*" + _MARKER.pattern + r"[ \t]*(?:\r\n|\r|\n|\Z)", re.MULTILINE)


def make_marker(kind: str, entry_id: str) -> str:
    """Invisible tag posted with an offline entry so a re-sync can see it already landed."""
    if kind not in MARKER_KINDS:
        raise ValueError(f"unknown marker kind: {kind!r}")
    if not _MARKER_ID.fullmatch(entry_id):
        raise ValueError(f"marker id must be 1-128 of [A-Za-z0-9_-]: {entry_id!r}")
    return f"<!-- dslp:{kind} id={entry_id} -->"


def find_markers(text: str | None) -> list[tuple[str, str]]:
    """Every (kind, id) marker in order, duplicates included; unknown kinds are skipped."""
    if not text:
        return []
    return [(m[1], m[2]) for m in _MARKER.finditer(text)]


def strip_markers(text: str | None) -> str:
    """Text for display: markers removed, a marker's own line with it, trailing space trimmed."""
    if not text:
        return ""
    out = _MARKER.sub("", _MARKER_LINE.sub("", text))
    return out.rstrip() if out != text else text
