"""Hostile input: whatever GitHub, a teammate or a config file holds, nothing raises out of the
store's parsers, nothing renders an escape sequence, and absurd sizes stay bounded in memory."""

from __future__ import annotations

import re
import string
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dslp_tui.config import Config, load_config
from dslp_tui.text import safe
from store.db import Store, open_store
from store.issue_body import add_task, parse_body, set_task
from store.labels_file import LabelFileError, parse_labels
from store.mirror import ensure_repo, upsert_issues
from store.read.board import board
from store.read.card import card_detail
from store.read.portfolio import project_summaries
from store.rules import parse_branch

REPO = "acme/hostile"
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text that attacks terminals and markup: CSI/OSC/C1 sequences, controls, bidi overrides,
# Rich/Textual markup, Markdown structure, lone newlines and carriage returns.
NASTY = [
    "\x1b[31mred\x1b[0m",
    "\x1b]0;pwned\x07",
    "\x1b]8;;http://evil.invalid\x1b\\link\x1b]8;;\x1b\\",
    "\x9b2J",
    "\x1bc",
    "\x00",
    "\r",
    "\u202e",
    "\u200b",
    "[bold red]x[/]",
    "[link=http://evil.invalid]x[/link]",
    "- [ ] task",
    "TLDR: ",
    "## Results\n",
    "<!-- dslp:outcome id=x -->",
    "#1",
    "\n\n",
    "\ud7ff\ue000\U0010ffff",
]
hostile_text = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=40)), max_size=8).map(
    "".join
)
_BAD = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # + bidi


def _clean(text: str) -> bool:
    return "\x1b" not in text and not _BAD.search(text)


@pytest.fixture
def hostile_store(tmp_path: Path) -> Iterator[tuple[Store, int]]:
    store = open_store(tmp_path / "hostile.db")
    with store.session(write=True) as s:
        repo = ensure_repo(s, REPO)
        assert repo.id is not None
        repo_id = repo.id
    yield store, repo_id
    store.dispose()


def _item(
    number: int, title: str, body: str | None, labels: list[str], **extra: Any
) -> dict[str, Any]:
    return {
        "id": 10_000_000 + number,
        "number": number,
        "title": title,
        "body": body,
        "state": "open",
        "labels": [{"name": name} for name in labels],
        "user": {"login": "mallory"},
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-02T00:00:00Z",
        **extra,
    }


# -- text from GitHub through the mirror to the screen -------------------------------------------


@given(text=hostile_text, keep=st.booleans())
def test_safe_leaves_no_escape_or_control(text: str, keep: bool) -> None:
    out = safe(text, keep_newlines=keep)
    assert _clean(out)
    assert keep or "\n" not in out


_numbers = iter(range(1, 10**9))


@SETTINGS
@given(
    title=hostile_text,
    body=st.one_of(st.none(), hostile_text),
    labels=st.lists(
        st.one_of(
            st.sampled_from(["Ask", "experiment", "MODEL", "on hold", "Deploy"]),
            hostile_text.filter(bool),
        ),
        max_size=6,
    ),
    pr=st.booleans(),
)
def test_hostile_issues_go_through_upsert_board_and_detail(
    hostile_store: tuple[Store, int], title: str, body: str | None, labels: list[str], pr: bool
) -> None:
    store, repo_id = hostile_store
    number = next(_numbers)
    extra = {"pull_request": {"merged_at": None}} if pr else {}
    with store.session(write=True) as s:
        upsert_issues(s, repo_id, [_item(number, title, body, labels, **extra)])
    with store.session() as s:
        b = board(s, REPO)
        detail = card_detail(s, REPO, number)
        summaries = project_summaries(s)
    cards = [c for col in b.columns.values() for c in col] + b.unclassified
    assert pr or any(c.number == number for c in cards)
    assert detail.title == title and detail.body == (body or "")
    shown = [safe(detail.title), safe(detail.body, keep_newlines=True), safe(detail.tldr)]
    shown += [safe(c.title) for c in cards] + [safe(label) for label in detail.labels]
    assert all(_clean(text) for text in shown)
    assert summaries and summaries[0].repo == REPO


@given(
    name=st.one_of(
        hostile_text, st.text(alphabet=string.ascii_letters + string.digits + "/-_.#", max_size=60)
    )
)
def test_parse_branch_never_raises(name: str) -> None:
    parsed = parse_branch(name)
    assert parsed.kind in {
        "collaboration",
        "invalid",
        "issue",
        "data",
        "explore",
        "experiment",
        "model",
    }
    if parsed.issue_number is not None:
        assert parsed.issue_number >= 1 and str(parsed.issue_number) in name


@SETTINGS
@given(body=hostile_text, task=hostile_text.filter(lambda t: t.strip() != ""))
def test_issue_bodies_parse_and_task_edits_never_raise(body: str, task: str) -> None:
    parsed = parse_body(body, repo=REPO)
    assert parsed.tldr is None or isinstance(parsed.tldr, str)
    added = add_task(body, task)
    assert isinstance(added, str)
    assert set_task(added, task, True) is None or isinstance(set_task(added, task, True), str)


# -- the user's config file ----------------------------------------------------------------------


@SETTINGS
@given(
    raw=st.one_of(
        st.binary(max_size=200),
        hostile_text.map(str.encode),
        st.sampled_from(
            [
                b"theme = 3\n",
                b"[keymap]\nquit = 5\n",
                b"keymap = 'x'\n",
                b"user = ['a']\n",
                b'theme = "\x1b[31m"\n',
                b"\xff\xfe\x00",
                b"[[[",
                b"theme = 'a'\ntheme = 'b'\n",
            ]
        ),
    )
)
def test_any_config_file_gives_defaults_and_one_line(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(raw)
    config, message = load_config(path)
    assert isinstance(config, Config)
    assert isinstance(config.theme, str) and isinstance(config.user, str)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in config.keymap.items())
    if message is not None:
        assert "\n" not in message.strip() and "Traceback" not in message


def test_a_config_path_that_is_a_folder_gives_defaults(tmp_path: Path) -> None:
    folder = tmp_path / "config.toml"
    folder.mkdir()
    config, message = load_config(folder)
    assert config == Config() and message is not None


# -- label YAML ----------------------------------------------------------------------------------

yaml_bits = st.sampled_from(
    [
        "- name: Ask\n  color: #d876e3\n",
        "- name: Data\n  color: '0e8a16'\n",
        "  description: x\n",
        "- name: Ask\n",
        "name: x\n",
        "- [a, b]\n",
        "- {a: 1, a: 2}\n",
        "color: c9ecff\n",
        "---\n",
        "- &a {name: n, color: 'aaaaaa'}\n- *a\n",
        "? x\n",
        "\t",
        "- name: 5\n  color: 123456\n",
        "- name: null\n",
        "- {name: x, color: [1]}\n",
        "%YAML 1.1\n",
        "- !!python/object:os.system {}\n",
        '- name: x\n  color: "#zzzzzz"\n',
    ]
)
label_yaml = st.lists(st.one_of(yaml_bits, hostile_text), max_size=8).map("".join)


@SETTINGS
@given(text=label_yaml)
def test_label_files_fail_only_with_label_file_error(text: str) -> None:
    try:
        specs = parse_labels(text, "labels.yaml")
    except LabelFileError as exc:
        assert "\n" not in str(exc)
    else:
        assert all(len(s.color) == 6 for s in specs)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- name: \x1b[31mAsk\n  color: 'aaaaaa'\n", "not valid YAML"),
        ("- {[a]: 1}\n", "keys must be plain text"),
        ("[" * 5000 + "]" * 5000, "nested too deeply"),
    ],
    ids=["control-character", "list-as-key", "deep-nesting"],
)
def test_unreadable_label_files_are_one_line_errors(text: str, message: str) -> None:
    with pytest.raises(LabelFileError, match=message) as err:
        parse_labels(text, "labels.yaml")
    assert "\n" not in str(err.value)


# -- absurd sizes --------------------------------------------------------------------------------


def test_a_megabyte_body_and_ten_thousand_labels_stay_bounded(
    hostile_store: tuple[Store, int],
) -> None:
    store, repo_id = hostile_store
    body = ("## Results\nTLDR: " + "x" * 70 + "\n- [ ] task\n") * 11_000  # ~1 MB
    assert len(body) > 1_000_000
    labels = ["Experiment"] + [f"label-{i}" for i in range(9_999)]
    tracemalloc.start()
    try:
        with store.session(write=True) as s:
            upsert_issues(
                s,
                repo_id,
                [_item(1, "big body", body, ["Experiment"]), _item(2, "many labels", None, labels)],
            )
        with store.session() as s:
            b = board(s, REPO)
            detail = card_detail(s, REPO, 2)
            big = card_detail(s, REPO, 1)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(detail.labels) == 10_000 and big.body == body
    assert sum(len(c) for c in b.columns.values()) == 2
    assert peak < 300 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"
