"""The DSLP branch-name grammar: which issue a branch serves and what kind of work it holds."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# What the clone scan records when an explore branch reached the collaboration branch; the
# card's own rule says it in full, so the card shows it once.
MERGED_EXPLORE = "explore branch merged into the collaboration branch"

_TYPED_BRANCH_KINDS: tuple[str, ...] = ("data", "explore", "experiment", "model")

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


def branch_for(issue_kind: str | None, issue_number: int, title: str) -> str:
    """Suggested DSLP branch name for an issue; always parses back to the same number."""
    if issue_number < 1:
        raise ValueError("issue numbers start at 1")
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:50].strip("-") or "work"
    prefix = f"{issue_kind}/" if issue_kind in _TYPED_BRANCH_KINDS else ""
    return f"{prefix}{issue_number}-{slug}"
