"""Read a local clone's branches with GitPython and judge them by the DSLP branch grammar.

The point is what GitHub cannot see: branches not pushed yet, how far each is ahead of or behind
the collaboration branch, and explore branches merged into main (DSLP says never merge those).
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

from store.rules import MERGED_EXPLORE, parse_branch


class CloneError(Exception):
    """The local clone cannot be read; the message says which path and what to do."""


def scan_clone(
    path: str | Path, default_branch: str = "main", known_issues: Collection[int] | None = None
) -> list[dict[str, Any]]:
    """One dict per local branch, in the shape `store.mirror.replace_branches` takes."""
    import git  # lazy: GitPython costs start-up time and needs the git binary

    try:
        repo = git.Repo(Path(path).expanduser())
    except (git.NoSuchPathError, git.InvalidGitRepositoryError) as exc:
        raise CloneError(f"{path} is not a git clone: fix the repo's --path") from exc
    base = _base_commit(repo, default_branch)
    # A branch counts as merged when its tip reached main through a merge commit: a tip on
    # main's first-parent line is merely a fresh branch, not a merged one.
    mainline = set(repo.git.rev_list("--first-parent", base.hexsha).split()) if base else set()
    remote_refs = {ref.remote_head: ref.commit for r in repo.remotes for ref in r.refs}
    out = []
    for head in repo.heads:
        commit = head.commit
        parsed = parse_branch(head.name)
        ahead = behind = None
        merged = False
        if base is not None and head.name != default_branch:
            counts = repo.git.rev_list(
                "--left-right", "--count", f"{base.hexsha}...{commit.hexsha}"
            )
            behind, ahead = (int(x) for x in counts.split())
            merged = ahead == 0 and commit.hexsha not in mainline
        remote = remote_refs.get(head.name)
        pushed = remote is not None and (remote == commit or repo.is_ancestor(commit, remote))
        violation = None
        if parsed.kind == "invalid":
            violation = "misnamed"
        elif parsed.kind == "explore" and merged:
            violation = MERGED_EXPLORE
        elif (
            known_issues is not None
            and parsed.issue_number is not None
            and parsed.issue_number not in known_issues
        ):
            violation = f"issue #{parsed.issue_number} does not exist"
        out.append(
            {
                "name": head.name,
                "last_commit_sha": commit.hexsha,
                "last_commit_at": commit.committed_datetime,
                "pushed": pushed,
                "merged": merged,
                "ahead": ahead,
                "behind": behind,
                "violation": violation,
            }
        )
    return out


def _base_commit(repo: Any, default_branch: str) -> Any:
    for name in (default_branch, "main", "master"):
        try:
            return repo.heads[name].commit
        except (IndexError, AttributeError):
            continue
    return None
