"""The one engine and session factory of the mirror.

SQLite is tuned here and only here (WAL so the app reads while a cron sync writes, a busy
timeout instead of "database is locked", foreign keys on for cascades); everything else speaks
portable SQL, so `DSLP_DB` may name another database URL (sync itself needs a SQLite file).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlmodel import Session

from store.errors import LockBusy, StoreError

APP_NAME = "dslp-tui"
WAL_SIZE_LIMIT = 16 * 1024 * 1024
BUSY_TIMEOUT_MS = 15_000


def data_dir() -> Path:
    from platformdirs import user_data_path

    return Path(os.environ.get("DSLP_DATA_DIR") or user_data_path(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    return data_dir() / "mirror.db"


def demo_db_path() -> Path:
    return data_dir() / "demo.db"


def resolve_url(db: str | os.PathLike[str] | None = None) -> str:
    """`--db` beats `DSLP_DB` beats the default file; a bare path becomes a SQLite URL.

    `postgresql://` (and `postgres://`) mean psycopg 3, the one PostgreSQL driver supported.
    """
    value = str(db) if db is not None else os.environ.get("DSLP_DB") or str(default_db_path())
    if "://" in value:
        scheme, rest = value.split("://", 1)
        if scheme in ("postgresql", "postgres"):
            return f"postgresql+psycopg://{rest}"
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


POSTGRES_EXTRA = "pip install 'dslp-tui[postgres]'"


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _prepare_sqlite_file(path: Path, create: bool) -> None:
    """Create the folder 0700 and the file 0600 before SQLite does, so no other user can read it."""
    if path.exists():
        if not os.access(path, os.R_OK | os.W_OK):
            raise StoreError(f"cannot read and write {path}: fix its permissions or pass --db")
        return
    if not create:
        raise StoreError(
            f"no mirror at {path}: run `dslp repo add OWNER/NAME` or `dslp demo` first"
        )
    private_dirs(path.parent)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)


def private_dirs(folder: Path) -> None:
    """Make `folder` and any missing parent 0700, whatever the umask (mkdir's own `mode` only
    reaches the last folder, and the umask trims it)."""
    missing = [f for f in (folder, *folder.parents) if not f.exists()]
    for f in reversed(missing):
        f.mkdir(exist_ok=True)
        f.chmod(0o700)


def _on_sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # Python's sqlite3 opens transactions lazily; let SQLAlchemy issue BEGIN itself.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    # After a checkpoint the WAL is cut back to this size, so a sync read alongside the app
    # does not leave a WAL several times the database's size on disk.
    cur.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
    cur.close()


def _on_sqlite_begin(conn: Any) -> None:
    # IMMEDIATE takes the write lock up front, so two writers queue on busy_timeout instead of
    # failing with "database is locked" when a reader upgrades to a writer mid-transaction.
    write = conn.get_execution_options().get("dslp_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(url: str, *, create: bool = True) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        _prepare_sqlite_file(path, create)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
    elif is_postgres(url):
        if make_url(url).get_driver_name() != "psycopg":
            raise StoreError("use a postgresql:// URL (psycopg 3 is the driver dslp supports)")
        try:
            import psycopg  # noqa: F401  (the extra's one job; a clear line when it is missing)
        except ImportError:
            raise StoreError(f"the PostgreSQL driver is not installed: {POSTGRES_EXTRA}") from None
        engine = create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine


# The end of every PostgreSQL transaction: one that wrote anything (it has an xid) counts one
# more revision in its own commit, so the shared reads cached per revision (`store.text_cache`)
# are never older than a write a reader has seen. A write session does it in one statement; a
# read session asks first (`WROTE`), so a role that may only read never needs the right to
# update. The row lock is held only through the commit, and the update is a transaction's last
# statement: it never waits while holding another lock, nor deadlocks.
WROTE = "SELECT pg_current_xact_id_if_assigned() IS NOT NULL"
BUMP_REVISION = "UPDATE mirrorrevision SET rev = rev + 1 WHERE id = 1"
BUMP_IF_WROTE = f"{BUMP_REVISION} AND pg_current_xact_id_if_assigned() IS NOT NULL"


@dataclass
class Store:
    """An open mirror at schema head; sessions are short, one per unit of work."""

    engine: Engine
    url: str

    @contextmanager
    def session(self, *, write: bool = False, refetchable: bool = False) -> Iterator[Session]:
        """A session in one transaction, committed on success, rolled back on error.

        `refetchable`: a page of mirror data that GitHub can give again. On PostgreSQL its
        commit does not wait for the WAL to reach the disk (SQLite's `synchronous=NORMAL` does
        the same for every commit): a server crash may lose the last pages, never part of one,
        and their cursor goes with them, so the next sync reads them again. Outbox changes are
        never written this way.
        """
        with Session(self.engine, expire_on_commit=False) as session:
            if write:
                conn = session.connection(execution_options={"dslp_write": True})
                if refetchable and self.is_server:
                    conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            try:
                yield session
                if self.is_server and session.in_transaction():
                    session.flush()  # the ORM's pending rows first: then the question sees them
                    if write:
                        session.execute(text(BUMP_IF_WROTE))
                    elif session.execute(text(WROTE)).scalar():
                        session.execute(text(BUMP_REVISION))
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @property
    def path(self) -> Path | None:
        return sqlite_path(self.url)

    @property
    def is_server(self) -> bool:
        """A server database shared by many machines (PostgreSQL), not a file of one laptop."""
        return is_postgres(self.url)

    @contextmanager
    def sync_lock(self) -> Iterator[None]:
        """One sync run at a time on a SQLite mirror: a lock file beside it (released if the
        process dies). A server mirror locks per repository instead (`repo_lock`)."""
        path = self.path
        if path is None:
            if not self.is_server:  # an in-memory SQLite has no file to lock, nor anyone to share
                raise LockBusy(
                    "dslp sync needs a mirror file (--db FILE) or a postgresql:// server"
                )
            yield
            return
        import fcntl

        fd = os.open(path.with_name(path.name + ".sync.lock"), os.O_CREAT | os.O_RDWR, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                raise LockBusy(
                    f"another dslp sync is running on this mirror (pid {holder}): "
                    "wait for it to finish, then run it again"
                ) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            yield
        finally:
            os.close(fd)

    @contextmanager
    def repo_lock(self, full_name: str) -> Iterator[bool]:
        """Whether this process may sync the repository now, across every machine.

        PostgreSQL: a session-level `pg_try_advisory_lock` keyed by the repository, on a
        connection of its own, so the server releases it if the process dies. SQLite: always
        (its `sync_lock` already covers the whole mirror).
        """
        if not self.is_server:
            yield True
            return
        key = advisory_key("sync", full_name)
        with self.engine.connect() as conn:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
            conn.commit()
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()

    def refresh_stats(self) -> None:
        """PostgreSQL: re-read the row counts the planner goes by (a first sync grows the tables
        from nothing, and stale statistics turn each page's indexed lookups into full scans
        until autovacuum comes round). SQLite plans by its indexes alone: nothing to do."""
        if not self.is_server:
            return
        with self.engine.connect() as conn:
            conn.execute(text("ANALYZE issue, issuelabel, phaseevent, comment"))
            conn.commit()

    def checkpoint(self) -> None:
        """Fold the WAL into the database and cut it back (after a sync's many writes).

        Best effort: a reader that stays past the busy timeout leaves the WAL for next time.
        """
        if self.path is None:
            return
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        except Exception:  # busy, or read-only: nothing is lost by skipping it
            pass

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(db: str | os.PathLike[str] | None = None, *, create: bool = True) -> Store:
    """Open (and by default create) the mirror, upgrading its schema to head first."""
    from store.derived import ensure_rules_current
    from store.migrate import upgrade_to_head

    url = resolve_url(db)
    try:
        engine = make_engine(url, create=create)
    except (ImportError, ArgumentError) as exc:  # no driver for that URL, or no such dialect
        where = shown_url(url)
        raise StoreError(
            f"cannot open the mirror at {where}: {_one_line(exc)}: use a SQLite file (--db PATH) "
            "or a postgresql:// URL"
        ) from exc
    try:
        if not _up_to_date(engine):  # the common case costs two reads and takes no lock
            with _migration_lock(engine, sqlite_path(url)):
                upgrade_to_head(engine)  # each re-checks inside the lock: a waiter finds it done
                ensure_rules_current(engine)
                if is_postgres(url):  # the cards may read otherwise now: no cached read stands
                    with engine.begin() as conn:
                        conn.execute(text(BUMP_REVISION))
    except StoreError:
        engine.dispose()
        raise
    except Exception as exc:  # a file that is not a database, a broken schema...
        engine.dispose()
        path = sqlite_path(url)
        shown = str(path) if path else shown_url(url)
        raise StoreError(f"cannot open the mirror at {shown}: {_one_line(exc)}") from exc
    return Store(engine=engine, url=url)


def _up_to_date(engine: Engine) -> bool:
    """Schema at head and stored columns computed under these rules: nothing to do at open."""
    from store.derived import rules_current
    from store.migrate import HEAD_REVISION, current_revision

    return current_revision(engine) == HEAD_REVISION and rules_current(engine)


@contextmanager
def _migration_lock(engine: Engine, path: Path | None) -> Iterator[None]:
    """One process at a time upgrades a SQLite mirror.

    Two processes opening a mirror that is behind (the app and a cron sync after an upgrade of
    dslp, or two first runs on a new mirror) would both start the migration in a deferred
    transaction; the second cannot upgrade its read lock and SQLite answers "database is
    locked" at once, whatever the busy timeout. An exclusive lock file beside the mirror makes
    the second wait, then find the schema at head. Taken only when `_up_to_date` says no.
    """
    if path is None and not is_postgres(str(engine.url)):
        yield
        return
    if path is None:  # PostgreSQL: an advisory lock, waited for, held on its own connection
        key = advisory_key("migrate", "")
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
        return
    try:
        import fcntl
    except ImportError:  # no flock (Windows): SQLite's own locking is all there is
        yield
        return
    fd = os.open(path.with_name(path.name + ".migrate.lock"), os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def advisory_key(purpose: str, name: str) -> int:
    """A stable signed 64-bit key for PostgreSQL's advisory locks (repo names without case)."""
    digest = hashlib.blake2b(f"dslp:{purpose}:{name.lower()}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def shown_url(url: str) -> str:
    """A URL as the user wrote it: no password, and `postgresql://` for psycopg's."""
    return (
        make_url(url)
        .render_as_string(hide_password=True)
        .replace("postgresql+psycopg://", "postgresql://", 1)
    )


def _one_line(exc: BaseException) -> str:
    msg = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return msg[0] if msg else type(exc).__name__


def integrity_ok(store: Store) -> bool:
    """SQLite's own check of a mirror file; a server checks its storage itself (always True)."""
    if store.path is None:
        return True
    with store.engine.connect() as conn:
        return conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
