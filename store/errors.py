"""The store's one error type: every layer above can catch it without importing the engine."""

from __future__ import annotations


class StoreError(Exception):
    """A problem with the mirror the user can act on; its message is one line saying what to do."""


class LockBusy(StoreError):
    """Another process holds the lock this one needs; the message says who and what to do."""
