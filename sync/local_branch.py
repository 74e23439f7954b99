"""Create a card's DSLP branch in its local clone, from the collaboration branch.

GitPython is imported here, on use, so the command line stays quick to start. A dirty tree is
refused before anything is made: switching would carry someone's uncommitted work along.
"""

from __future__ import annotations

from dataclasses import dataclass

from sync.gitscan import CloneError


@dataclass(frozen=True)
class LocalBranch:
    name: str
    base: str  # the ref it was made from ("origin/main" or "main")
    created: bool  # False: it existed, and was switched to
    pushed: bool = False


def create_local_branch(path: str, name: str, base: str, *, push: bool = False) -> LocalBranch:
    """Make `name` from `base` (the remote's copy when there is one) and switch to it."""
    try:
        import git
    except ImportError as exc:  # GitPython needs the git executable
        raise CloneError(f"git is not available: {exc}") from None
    try:
        repo = git.Repo(path)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise CloneError(f"{path} is not a git clone: fix it with `dslp repo add --path`") from None
    if repo.is_dirty(untracked_files=False):
        raise CloneError(
            f"the clone at {path} has uncommitted changes: commit or stash them, then try again"
        )
    heads = {h.name for h in repo.heads}
    remote_refs = {r.name for r in repo.remotes.origin.refs} if _has_origin(repo) else set()
    created = name not in heads
    source = f"origin/{base}" if f"origin/{base}" in remote_refs else base
    if f"origin/{name}" in remote_refs:  # pushed already (its PR's branch): continue it
        source = f"origin/{name}"
    try:
        if created:
            if source not in heads and source not in remote_refs:
                raise CloneError(
                    f"the clone at {path} has no {base!r} branch to start from: fetch it first"
                )
            repo.git.branch(name, source)
        repo.git.switch(name)
        if push:
            if not _has_origin(repo):
                raise CloneError(f"the clone at {path} has no `origin` remote to push to")
            repo.git.push("--set-upstream", "origin", name)
    except git.GitCommandError as exc:
        # git's own error line, not the hints after it ("stderr: '...'" unwrapped)
        lines = (exc.stderr or str(exc)).strip().splitlines()
        detail = [ln.strip().removeprefix("stderr:").strip().strip("'") for ln in lines]
        said = [ln for ln in detail if ln.startswith(("error:", "fatal:", "! "))] or detail
        raise CloneError(f"git: {said[0] if said else exc}") from None
    return LocalBranch(name, source, created, push)


def _has_origin(repo: object) -> bool:
    return any(r.name == "origin" for r in getattr(repo, "remotes", []))
