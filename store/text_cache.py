"""Shared reads of a server mirror, computed once per revision for every reader.

Twenty people polling `dslp board --json` on a team mirror while its sync writes a page every
tenth of a second would each build the same megabyte of JSON from the same rows; on a small
server that is all the CPU there is. Here the first reader of a revision builds it while the
others wait for it (an advisory lock per key), and everyone after reads the stored text.

Never stale: `Store.session` bumps `mirrorrevision` in the commit of every transaction that
wrote, so a text stored at revision N was read from data at least as new as N, and a reader that
sees revision N is served only a text of N or later. A cache that cannot be used (no right to
write it, a lock wait too long, any database error in it) falls back to reading directly.
SQLite mirrors have one reader and read directly.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from store.db import Store, advisory_key

LOCK_WAIT = "10s"  # past this a waiter reads for itself: a stuck reader holds no one else up

_REVISION = text("SELECT rev FROM mirrorrevision WHERE id = 1")
_STORED = text("SELECT body FROM textcache WHERE key = :key AND revision >= :rev")
_STORE = text(
    "INSERT INTO textcache (key, revision, body, stored_at) VALUES (:key, :rev, :body, now()) "
    "ON CONFLICT (key) DO UPDATE SET revision = excluded.revision, body = excluded.body, "
    "stored_at = excluded.stored_at WHERE textcache.revision < excluded.revision"
)
# A text no one has stored again for a week is an older dslp's, or a removed repository's.
_PURGE = text("DELETE FROM textcache WHERE stored_at < now() - interval '7 days'")


def cached_text(store: Store, key: str, compute: Callable[[], str]) -> str:
    """`compute()`'s text as of the mirror's current revision, from the cache when it has it.

    `key` names the read and everything its text depends on besides the data (the repository,
    the options, the format's version): texts of different keys never mix.
    """
    if not store.is_server:
        return compute()
    try:
        conn = store.engine.connect()
    except DBAPIError:
        return compute()
    with conn:
        try:
            stored, rev = _lookup(conn, key)
        except DBAPIError:
            conn.rollback()
            return compute()
        if stored is not None:
            return stored
        body = compute()  # under the lock: the readers waiting on it are served this text
        try:
            conn.execute(_STORE, {"key": key, "rev": rev, "body": body})
            conn.execute(_PURGE)
            conn.commit()  # releases the lock
        except DBAPIError:  # no right to write here, say: the text is still right
            conn.rollback()
        return body


def _lookup(conn: Connection, key: str) -> tuple[str | None, int]:
    """The stored text for the revision now, or None with the lock taken to compute it (and the
    revision it is computed at)."""
    rev = int(conn.execute(_REVISION).scalar_one())
    stored = conn.execute(_STORED, {"key": key, "rev": rev}).scalar()
    if stored is not None:
        conn.rollback()
        return str(stored), rev
    conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'"))
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": advisory_key("text", key)})
    stored = conn.execute(_STORED, {"key": key, "rev": rev}).scalar()  # the reader before us
    if stored is not None:
        conn.rollback()
        return str(stored), rev
    # Read after the lock: what `compute` reads is at least this new, so the text is stored
    # under it (a revision committed since then only makes the text newer than its label).
    return None, int(conn.execute(_REVISION).scalar_one())
