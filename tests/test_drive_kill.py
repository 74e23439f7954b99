"""The DSLP steps under a lost reply and a SIGKILL after every write GitHub applied.

Two chains are queued: a succeeded experiment with `--next open-model` (outcome comment and
label, create the Model issue, create its branch, retarget the PR, list it in the Ask) and a
failed one (comment and label, close its PR unmerged, close the issue, list it in the Ask).
The real `dslp sync` is killed right after each write in turn and run again, on SQLite and on
PostgreSQL; then each kind of write has its reply dropped in turn (in process). Every write
lands exactly once, every entry ends `sent`, nothing is duplicated.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from dslp_tui.cli import main
from store.db import open_store
from store.mirror import ensure_repo
from store.models import OutboxEntry
from store.rules import make_marker
from tests.fakegithub import FakeGitHub, Fault, RequestRecord
from tests.pg import BACKENDS

REPO = "acme/churn"
TOKEN = "test-token"
FIXTURES = Path(__file__).parent / "fixtures" / "dslp" / "ISSUE_TEMPLATE"
ASK_BODY = (FIXTURES / "Ask.md").read_text().split("---\n", 2)[2]
WRITES = rf"^/repos/{REPO}/"
MODEL_BRANCH = "model/6-churn-model"
# Every write the two chains make, each once: (method, path) -> times GitHub applied it.
EXPECTED = Counter(
    {
        ("POST", f"/repos/{REPO}/issues/2/comments"): 1,  # outcome, succeeded
        ("POST", f"/repos/{REPO}/issues/2/labels"): 1,
        ("POST", f"/repos/{REPO}/issues"): 1,  # the Model issue, #6
        ("POST", f"/repos/{REPO}/git/refs"): 1,  # its branch
        ("PATCH", f"/repos/{REPO}/pulls/3"): 1,  # retargeted to it
        ("POST", f"/repos/{REPO}/issues/4/comments"): 1,  # outcome, failed
        ("POST", f"/repos/{REPO}/issues/4/labels"): 1,
        ("PATCH", f"/repos/{REPO}/pulls/5"): 1,  # closed unmerged
        ("PATCH", f"/repos/{REPO}/issues/4"): 1,  # closed, not planned
        ("PATCH", f"/repos/{REPO}/issues/1"): 2,  # the Ask lists #2 and #4
    }
)


@pytest.fixture(params=BACKENDS)
def mirror_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the mirror is: a SQLite file, then a PostgreSQL database."""
    if request.param == "pg":
        return str(request.getfixturevalue("pg_url"))
    return str(tmp_path / "m.db")


def end_other_sessions(url: str) -> None:
    """The killed client's session (and its locks) ended before the next run. Unlike
    tests.pg.end_other_connections, a backend that exits by itself meanwhile (False from
    pg_terminate_backend: no such process any more) is not an error."""
    import psycopg

    with psycopg.connect(url, connect_timeout=10, autocommit=True) as conn:
        for _try in range(10):
            others = conn.execute(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
            if not others:
                return
            for (pid,) in others:  # waits up to 30 s for each to end
                conn.execute("SELECT pg_terminate_backend(%s, 30000)", (pid,))
    raise AssertionError(f"sessions left on {url}: {others}")


def world(fake: FakeGitHub, db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """acme/churn with the DSLP templates, Ask #1, Experiments #2 (PR #3) and #4 (PR #5),
    mirrored; both chains queued, nothing pushed yet."""
    fake.add_repo(REPO)
    fake.put_files(
        REPO,
        {f".github/ISSUE_TEMPLATE/{p.name}": p.read_text() for p in sorted(FIXTURES.iterdir())},
    )
    ref = "***Ask Reference:*** #1\n"
    fake.add_issue(REPO, "Reduce churn", body=ASK_BODY, labels=["Ask"])  # 1
    fake.add_issue(REPO, "GBM on usage", body=ref, labels=["Experiment"])  # 2
    fake.open_pull(REPO, "experiment/2-gbm-on-usage", title="GBM", body="Closes #2")  # 3
    fake.add_issue(REPO, "Logistic baseline", body=ref, labels=["Experiment"])  # 4
    fake.open_pull(REPO, "experiment/4-logistic-baseline", title="LR", body="Closes #4")  # 5
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    store = open_store(db)
    with store.session(write=True) as s:
        ensure_repo(s, REPO, api_url=fake.base_url)
    store.dispose()
    assert main(["sync", "--db", db]) == 0
    log = ["log", f"{REPO}#2", "--outcome", "succeeded", "--tldr", "AUC 0.81"]
    assert main([*log, "--next", "open-model", "--next-title", "Churn model", "--db", db]) == 0
    log = ["log", f"{REPO}#4", "--outcome", "failed", "--tldr", "No lift", "--db", db]
    assert main(log) == 0
    fake.reset_log()


def applied_writes(fake: FakeGitHub) -> Counter[tuple[str, str]]:
    return Counter(
        (r.method, r.path)
        for r in fake.requests
        if r.method in ("POST", "PATCH", "PUT", "DELETE") and 200 <= r.status < 300
    )


def section(body: str, heading: str) -> str:
    return body.split(heading, 1)[1].split("\n## ", 1)[0]


def check_world(fake: FakeGitHub, db: str) -> None:
    """Each step landed once and the mirror knows it: no duplicate, nothing lost."""
    assert applied_writes(fake) == EXPECTED
    titles = Counter(i["title"] for i in fake.issues(REPO))
    assert titles["Churn model"] == 1 and len(fake.issues(REPO)) == 6
    model = fake.issue(REPO, 6)
    assert model["title"] == "Churn model"
    markers = [i for i in fake.issues(REPO) if "<!-- dslp:issue id=" in (i["body"] or "")]
    assert [i["number"] for i in markers] == [6]
    store = open_store(db)
    try:
        with store.session() as s:
            entries = list(s.execute(select(OutboxEntry)).scalars())
        assert entries and {e.state for e in entries} == {"sent"}, [
            (e.kind, e.state, e.last_error) for e in entries
        ]
        for e in entries:
            if e.kind in ("outcome", "note"):
                assert fake.count_comments(REPO, e.issue_number, make_marker(e.kind, e.id)) == 1
    finally:
        store.dispose()
    assert fake.count_comments(REPO, 2) == 1 and fake.count_comments(REPO, 4) == 1
    assert fake.count_comments(REPO, 1) == 0
    heads = [r for r in fake.refs(REPO) if r.startswith("refs/heads/model/")]
    assert heads == [f"refs/heads/{MODEL_BRANCH}"]
    assert fake.refs(REPO)[heads[0]] == fake.refs(REPO)["refs/heads/main"]
    pr3, pr5 = fake.pull_state(REPO, 3), fake.pull_state(REPO, 5)
    assert pr3["base"] == MODEL_BRANCH and pr3["state"] == "open" and not pr3["merged"]
    assert pr5["state"] == "closed" and not pr5["merged"]
    issue4 = fake.issue(REPO, 4)
    assert issue4["state"] == "closed" and issue4["state_reason"] == "not_planned"
    assert {lb["name"] for lb in issue4["labels"]} == {"Experiment", "failed"}
    assert {lb["name"] for lb in fake.issue(REPO, 2)["labels"]} == {"Experiment", "succeeded"}
    assert fake.issue(REPO, 2)["state"] == "open"
    approaches = section(fake.issue(REPO, 1)["body"], "## Approaches and Experiments")
    listed = [ln for ln in approaches.splitlines() if ln.lstrip().startswith("- #")]
    assert sorted(ln.split()[1] for ln in listed) == ["#2", "#4"], approaches
    assert fake.count("PUT") == 0  # the tool never merges


def test_sigkill_after_each_write_of_both_chains_lands_each_once(
    mirror_db: str, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = mirror_db
    world(fake, db, monkeypatch)
    env = {**os.environ, "GITHUB_TOKEN": TOKEN}
    cmd = [sys.executable, "-m", "dslp_tui.cli", "sync", "--db", db]
    kills = 0
    killed_after: list[tuple[str, str]] = []
    for _round in range(30):
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

        done: list[int] = []  # this process was killed already

        def kill(record: RequestRecord, pid: int = proc.pid, done: list[int] = done) -> None:
            if done or not 200 <= record.status < 300:  # a refusal (422) changed nothing
                return
            done.append(pid)
            killed_after.append((record.method, record.path))
            os.kill(pid, signal.SIGKILL)
            raise RuntimeError("killed")  # no reply at all for this request

        fake.clear_faults()
        for method in ("POST", "PATCH", "PUT", "DELETE"):
            fake.inject(method, WRITES, Fault.after(kill), times=None)
        _out, err = proc.communicate(timeout=120)
        fake.errors.clear()  # the RuntimeError above is logged there on purpose
        if proc.returncode == -signal.SIGKILL:
            kills += 1
            if "://" in db:  # PostgreSQL: the dead client's session (and its locks) gone first
                end_other_sessions(db)
            continue
        assert proc.returncode == 0, err
        break
    fake.clear_faults()
    assert kills == sum(EXPECTED.values()) == len(killed_after), "\n".join(map(str, killed_after))
    assert Counter(killed_after) == EXPECTED  # killed once after every write, in turn
    check_world(fake, db)
    assert main(["sync", "--db", db]) == 0  # and a later sync writes nothing more
    assert applied_writes(fake) == EXPECTED


# Each kind of write the chains make: its reply is lost once, after GitHub applied it.
DROPPED = [
    ("POST", r"/issues/2/comments$"),
    ("POST", r"/issues/4/labels$"),
    ("POST", rf"^/repos/{REPO}/issues$"),
    ("POST", r"/git/refs$"),
    ("PATCH", r"/pulls/3$"),
    ("PATCH", r"/pulls/5$"),
    ("PATCH", r"/issues/4$"),
    ("PATCH", r"/issues/1$"),
]


@pytest.mark.parametrize(("method", "pattern"), DROPPED, ids=[p for _m, p in DROPPED])
def test_a_lost_reply_on_each_kind_of_write_is_not_written_twice(
    method: str,
    pattern: str,
    tmp_path: Path,
    fake: FakeGitHub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = str(tmp_path / "m.db")
    world(fake, db, monkeypatch)
    lost = fake.inject(method, pattern, Fault.drop(after_apply=True))
    capsys.readouterr()
    assert main(["sync", "--db", db]) == 1  # interrupted: what is left stays queued
    _out, err = capsys.readouterr()
    assert lost.hits == 1 and "never sent twice" in err, err
    assert len(err.strip().splitlines()) <= 2, err
    assert main(["sync", "--db", db]) == 0
    check_world(fake, db)
