"""The PostgreSQL side of the tests: a throwaway database per test session, one per test.

The server is the one at `DSLP_TEST_PG` (default postgresql://postgres@127.0.0.1:5432/test, trust
auth); its named database is only used to run CREATE/DROP DATABASE. A session creates
`dslp_test_<hex>` and migrates it to head once; each test then gets a copy of it,
`dslp_test_<hex>_<n>` (CREATE DATABASE ... TEMPLATE: a few hundredths of a second, against half
a second to migrate), or an empty one from template0 for the migration tests. Every database of
the session is dropped at its end, leftover connections (a killed `dslp sync`) terminated first.
Without a server the `postgres` tests skip with one line; in CI (CI=true) they fail instead.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest

# Parameters of a fixture that runs its tests on both databases ("pg" ones marked `postgres`).
BACKENDS = ["sqlite", pytest.param("pg", marks=pytest.mark.postgres)]

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
HOW_TO_START = (
    "no PostgreSQL server at {url} ({why}): start one with "
    "`pg_ctlcluster --skip-systemctl-redirect 15 main start`, or set DSLP_TEST_PG to a server URL"
)


def admin_url() -> str:
    return os.environ.get("DSLP_TEST_PG") or DEFAULT_URL


def with_database(url: str, name: str) -> str:
    """The same server URL naming another database (`postgresql://`, as a user would type it)."""
    from sqlalchemy.engine import make_url

    rendered = make_url(url).set(database=name).render_as_string(hide_password=False)
    scheme, rest = rendered.split("://", 1)
    return f"postgresql://{rest}" if scheme.startswith("postgres") else rendered


def _quote(name: str) -> str:
    assert name.replace("_", "").isalnum(), name  # our own generated names only
    return f'"{name}"'


def server_problem(url: str) -> str | None:
    """None when the server answers, else one line on why not."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed: pip install -e '.[test]'"
    try:
        with psycopg.connect(url, connect_timeout=3, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # refused, no such host, auth...
        lines = str(exc).strip().splitlines()
        return lines[0] if lines else type(exc).__name__
    return None


class PgServer:
    """The session's databases on the test server."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.prefix = f"dslp_test_{secrets.token_hex(4)}"
        self.template = self.prefix
        self._n = 0

    @contextmanager
    def _admin(self) -> Iterator[Any]:
        import psycopg

        with psycopg.connect(self.url, connect_timeout=10, autocommit=True) as conn:
            yield conn

    def url_of(self, name: str) -> str:
        return with_database(self.url, name)

    def start(self) -> None:
        """Create the session's template database and migrate it to head (once)."""
        from store.db import open_store

        with self._admin() as conn:
            conn.execute(f"CREATE DATABASE {_quote(self.template)}")
        store = open_store(self.url_of(self.template))
        store.dispose()  # a template must have no connections when it is copied

    def new_database(self, *, empty: bool = False) -> str:
        """A fresh database: a copy of the migrated template, or empty (from template0)."""
        self._n += 1
        name = f"{self.prefix}_{self._n}"
        source = "template0" if empty else self.template
        with self._admin() as conn:
            conn.execute(f"CREATE DATABASE {_quote(name)} TEMPLATE {_quote(source)}")
        return self.url_of(name)

    def drop(self, names: Sequence[str]) -> None:
        with self._admin() as conn:
            for name in names:
                conn.execute(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)")

    def drop_url(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        name = make_url(url).database
        assert name and name.startswith(self.prefix), url
        self.drop([name])

    def stop(self) -> None:
        """Drop every database of this session (copies first, the template last)."""
        with self._admin() as conn:
            rows = conn.execute("SELECT datname FROM pg_database").fetchall()
        ours = [r[0] for r in rows if r[0] == self.template or r[0].startswith(self.prefix + "_")]
        names = sorted(ours, key=lambda n: n == self.template)
        self.drop(names)


def end_other_connections(url: str) -> int:
    """Terminate every other session on that database and wait until each has ended.

    After a SIGKILL the server releases the dead client's transaction and advisory locks only
    when its backend notices the closed socket; a test that re-runs a sync at once must not
    race it (the next sync would see the repo "being synced by another process").
    """
    import psycopg

    with psycopg.connect(url, connect_timeout=10, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid, 30000) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    assert all(r[0] for r in rows), rows
    return len(rows)


def typed_snapshot(mirror: Any, bases: Sequence[str] = ()) -> dict[str, list[tuple[Any, ...]]]:
    """The compared tables of `tests.hard_helpers.COMPARED`, read through the models' column
    types, so a SQLite mirror and a PostgreSQL one give equal values for equal data."""
    import json
    from datetime import datetime

    from sqlalchemy import select

    from store.models import Issue
    from tests.hard_helpers import COMPARED

    def norm(value: Any) -> Any:
        if isinstance(value, (dict, list)):
            value = json.dumps(value, sort_keys=True)
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, str):
            for base in bases:
                value = value.replace(base, "BASE")
        return value

    tables = Issue.metadata.tables  # every model's table
    out: dict[str, list[tuple[Any, ...]]] = {}
    with mirror.engine.connect() as conn:
        for name, skip in COMPARED.items():
            table = tables["outboxentry" if name == "outbox" else name]
            cols = [c for c in table.columns if c.name not in skip]
            rows = conn.execute(select(*cols)).all()
            out[name] = sorted((tuple(norm(v) for v in row) for row in rows), key=repr)
        issue, label, link = tables["issue"], tables["label"], tables["issuelabel"]
        pairs = conn.execute(
            select(issue.c.number, label.c.name)
            .join(link, link.c.issue_id == issue.c.id)
            .join(label, label.c.id == link.c.label_id)
        ).all()
        out["issuelabel"] = sorted(tuple(p) for p in pairs)
    return out
