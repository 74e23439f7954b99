"""Shared fixtures: every test runs with its data, config and database folders in tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from store.db import Store, open_store
from tests.fakegithub import FakeGitHub


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
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "mirror.db")
    yield s
    s.dispose()


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
