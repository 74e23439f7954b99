"""Progress of a sync, as plain events: the CLI draws bars from them, the TUI posts messages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Progress:
    """Work done on one resource of one repo; `total` is None until GitHub tells (Link: last)."""

    repo: str
    resource: str  # "outbox", "repo", "labels", "issues", "pulls", "comments", "branches", "clone"
    done: int
    total: int | None = None


@dataclass(frozen=True)
class Waiting:
    """The sync is waiting out a rate limit or a retry back-off."""

    repo: str
    seconds: float
    reason: str


@dataclass(frozen=True)
class RepoDone:
    repo: str
    ok: bool
    error: str | None = None
    new: int = 0
    updated: int = 0
    requests: int = 0
    not_modified: int = 0
    pushed: int = 0
    conflicts: int = 0
    skipped: str | None = None  # why this run left the repo alone (another sync holds it)


@dataclass
class SyncReport:
    """What a whole run did, for the summary line and the exit code."""

    repos: list[RepoDone] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.repos)


SyncEvent = Progress | Waiting | RepoDone
EventSink = Callable[[SyncEvent], None]
