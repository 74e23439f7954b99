"""Shared fixtures: every test runs with its data, config and database folders in tmp_path."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from store.db import Store, open_store
from tests.fakegithub import FakeGitHub
from tests.pg import BACKENDS, HOW_TO_START, PgServer, admin_url, server_problem


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never touch the user's folders, tokens or GitHub: point everything at tmp_path."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("DSLP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("DSLP_DB", "GITHUB_TOKEN", "GH_TOKEN", "DSLP_GITHUB_API_URL"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "mirror.db")
    yield s
    s.dispose()


@pytest.fixture
def store(sqlite_store: Store) -> Store:
    return sqlite_store


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's PostgreSQL databases; skips without a server (fails in CI)."""
    url = admin_url()
    problem = server_problem(url)
    if problem is not None:
        from sqlalchemy.engine import make_url

        line = HOW_TO_START.format(
            url=make_url(url).render_as_string(hide_password=True), why=problem
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(line, pytrace=False)
        pytest.skip(line)
    server = PgServer(url)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_database(pg_server: PgServer) -> Iterator[Callable[..., str]]:
    """`pg_database()`: the URL of a new database at schema head (`empty=True`: no schema),
    each dropped after the test, the connections of killed processes terminated first."""
    made: list[str] = []

    def new(*, empty: bool = False) -> str:
        made.append(pg_server.new_database(empty=empty))
        return made[-1]

    yield new
    for url in made:
        pg_server.drop_url(url)


@pytest.fixture
def pg_url(pg_database: Callable[..., str]) -> str:
    """A database of its own at schema head."""
    return pg_database()


@pytest.fixture
def pg_empty_url(pg_database: Callable[..., str]) -> str:
    """An empty database of its own (no schema yet), for the migration tests."""
    return pg_database(empty=True)


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[Store]:
    s = open_store(pg_url)
    yield s
    s.dispose()


@pytest.fixture(params=BACKENDS)
def either_store(request: pytest.FixtureRequest) -> Store:
    """The mirror on SQLite, then on PostgreSQL (marked `postgres`)."""
    return request.getfixturevalue(f"{request.param}_store")


@pytest.fixture
def demo_store(tmp_path: Path) -> Iterator[Store]:
    from dslp_tui.demo import seed_demo

    s = open_store(tmp_path / "demo.db")
    seed_demo(s, clone_dir=tmp_path / "clone")
    yield s
    s.dispose()


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    """A fake GitHub on 127.0.0.1 that unmodified PyGithub talks HTTP to."""
    with FakeGitHub(tokens={"test-token"}) as server:
        yield server
