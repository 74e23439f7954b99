"""The fake GitHub's state: repositories, issues, pulls, comments, labels, branches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class _Label:
    id: int
    name: str
    color: str
    description: str | None
    cache: dict[str, Any] | None = None


@dataclass(eq=False)
class _Pull:
    id: int
    head: str
    head_sha: str
    base: str
    draft: bool
    merged_at: int | None = None
    merged_by: str | None = None
    maintainer_can_modify: bool = False


@dataclass(eq=False)
class _Issue:
    id: int
    number: int
    title: str
    body: str | None
    user: str
    state: str
    state_reason: str | None
    labels: list[_Label]
    assignees: list[str]
    created_at: int
    updated_at: int
    closed_at: int | None
    pull: _Pull | None = None
    closed_by: str | None = None
    locked: bool = False
    comment_ids: list[int] = field(default_factory=list)
    cache: str | None = None
    pull_cache: str | None = None


@dataclass(eq=False)
class _Comment:
    id: int
    number: int
    body: str
    user: str
    created_at: int
    updated_at: int
    cache: str | None = None


@dataclass(eq=False)
class _Branch:
    name: str
    sha: str
    protected: bool = False


@dataclass(eq=False)
class _Repo:
    id: int
    owner: str
    name: str
    default_branch: str
    private: bool
    created_at: int
    description: str | None = None
    labels: dict[str, _Label] = field(default_factory=dict)
    issues: dict[int, _Issue] = field(default_factory=dict)
    comments: dict[int, _Comment] = field(default_factory=dict)
    branches: dict[str, _Branch] = field(default_factory=dict)
    files: dict[str, tuple[str, int]] = field(default_factory=dict)  # path -> (text, stamp)
    refs: dict[str, str] = field(default_factory=dict)  # non-branch refs (tags...) -> sha
    commits: set[str] = field(default_factory=set)  # shas known besides branch and PR heads
    pushed_at: int | None = None
    gone: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # status, repo id, num
    next_number: int = 1
    list_cache: dict[tuple[Any, ...], list[Any]] = field(default_factory=dict)
    core: dict[str, Any] | None = None

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass
class _Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    last_modified: int | None = None


class _NotFound(Exception):
    """Raised deep inside a handler to answer GitHub's 404 body."""


# --------------------------------------------------------------------------- HTTP plumbing
