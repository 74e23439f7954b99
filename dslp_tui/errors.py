"""The errors the command line and the app share, and their wording: one line and an exit code.

Imports nothing heavy at start-up (`dslp --version` stays instant); `explain_error` loads the
store's error types only when it is asked about an error.
"""

from __future__ import annotations

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "CliError", "UsageError", "explain_error"]


class CliError(Exception):
    """A one-line message for stderr and an exit code; never a traceback."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


class UsageError(ValueError):
    """Bad arguments: one line, exit 2."""


def explain_error(exc: BaseException) -> tuple[str | None, int]:
    """Known errors become one line and an exit code; anything else is a bug and re-raised."""
    from store.errors import StoreError
    from store.outbox import InvalidChange
    from store.repos import UnknownRepo

    if isinstance(exc, CliError):
        return str(exc), exc.code
    if isinstance(exc, UsageError):
        return str(exc), EXIT_USAGE
    if type(exc).__name__ == "BadApiUrl":
        return str(exc), EXIT_USAGE
    if type(exc).__name__ in ("SyncBusy", "NoToken", "CloneError", "GitHubError", "AuthError"):
        return str(exc), EXIT_FAILED
    if isinstance(exc, (StoreError, UnknownRepo, InvalidChange, LookupError)):
        # a KeyError's str() is the repr of its key, in quotes; other messages keep theirs
        return str(exc).strip("'\"") if isinstance(exc, KeyError) else str(exc), EXIT_USAGE
    import sqlite3

    from sqlalchemy.exc import DatabaseError

    if isinstance(exc, (DatabaseError, sqlite3.DatabaseError)):
        cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        lowered = cause.lower()
        server = type(exc).__module__.startswith("sqlalchemy") and _on_server(exc)
        if "locked" in lowered or "busy" in lowered:
            advice = "another dslp is writing to it: try again in a moment"
        elif server:  # PostgreSQL: a lost connection or a refused statement, no file to keep
            advice = "nothing was lost: check the server (and its disk), then try again"
        elif "is full" in lowered or "i/o error" in lowered:  # not "disk image is malformed"
            advice = "nothing was changed: free some disk space and try again"
        else:  # damaged: the offline changes in it are still worth keeping
            advice = "keep a copy of the file (it holds your unsynced changes) and ask for help"
        return f"the mirror database: {cause}: {advice}", EXIT_FAILED
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), EXIT_USAGE
    return None, EXIT_FAILED


def _on_server(exc: BaseException) -> bool:
    """Whether a SQLAlchemy error came from a server database (its driver is not sqlite3)."""
    orig = getattr(exc, "orig", None)
    return orig is not None and not type(orig).__module__.startswith("sqlite3")
