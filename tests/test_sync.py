"""Sync against the loopback fake GitHub: request counts, 304s, incremental, resume, faults."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from sqlalchemy import func, select

from store.db import Store
from store.mirror import ensure_repo
from store.models import Branch, Comment, Issue, Label, Repository, SyncCursor
from sync.engine import SyncBusy, sync_lock, sync_repos
from sync.events import Progress, RepoDone, SyncEvent
from tests.fakegithub import FakeGitHub, Fault

REPO = "acme/churn"
TOKEN = "test-token"


@pytest.fixture
def store(either_store: Store) -> Store:
    """Every test here that takes `store` runs on SQLite and on PostgreSQL."""
    return either_store


class FakeSleep:
    """Records the waits the sync asks for instead of sleeping (no timing in tests)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def track(store: Store, fake: FakeGitHub, name: str = REPO, **fields: object) -> None:
    with store.session(write=True) as s:
        ensure_repo(s, name, api_url=fake.base_url, **fields)


def run(store: Store, **kwargs: object) -> tuple[RepoDone, list[SyncEvent]]:
    events: list[SyncEvent] = []
    kwargs.setdefault("token", TOKEN)
    kwargs.setdefault("sleep", FakeSleep())
    report = sync_repos(store, on_event=events.append, **kwargs)  # type: ignore[arg-type]
    assert len(report.repos) == 1
    return report.repos[0], events


def count(store: Store, model: type) -> int:
    with store.session() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def seeded(fake: FakeGitHub, n: int) -> None:
    fake.add_repo(REPO)
    fake.bulk_generate(REPO, n, seed=7)


def list_requests(fake: FakeGitHub, suffix: str) -> int:
    return sum(1 for r in fake.requests if r.method == "GET" and r.path.endswith(suffix))


def test_initial_sync_mirrors_everything_in_few_requests(store: Store, fake: FakeGitHub) -> None:
    seeded(fake, 450)
    track(store, fake)
    done, events = run(store)
    assert done.ok, done.error
    assert count(store, Issue) == 450
    with store.session() as s:
        prs = s.execute(
            select(func.count()).select_from(Issue).where(Issue.is_pull_request.is_(True))
        ).scalar_one()
        with_head = s.execute(
            select(func.count()).select_from(Issue).where(Issue.pr_head_ref.is_not(None))
        ).scalar_one()
        assert prs > 0 and with_head == prs
        kinds = set(s.execute(select(Issue.kind)).scalars())
        assert {"ask", "data", "explore", "experiment", "model"} <= kinds
    pages = math.ceil(450 / 100)
    # head check + keyset pages (each overlaps the previous page's newest stamp by one item)
    assert list_requests(fake, "/issues") <= pages + 2
    assert done.requests == len(fake.requests)
    assert any(isinstance(e, Progress) and e.resource == "issues" for e in events)


def test_unchanged_resync_is_only_304s(store: Store, fake: FakeGitHub) -> None:
    seeded(fake, 250)
    track(store, fake)
    assert run(store)[0].ok
    before = {t: count(store, t) for t in (Issue, Label, Comment, Branch)}
    fake.reset_log()
    done, _ = run(store)
    assert done.ok
    statuses = [r.status for r in fake.requests]
    assert statuses and set(statuses) == {304}, [(r.path, r.status) for r in fake.requests]
    assert done.not_modified == len(statuses) == done.requests
    assert {t: count(store, t) for t in before} == before


def test_incremental_sync_fetches_only_what_changed(store: Store, fake: FakeGitHub) -> None:
    seeded(fake, 350)
    track(store, fake)
    assert run(store)[0].ok
    fake.reset_log()
    fake.update_issue(REPO, 3, labels=["Experiment", "succeeded"], title="Now a success")
    fake.add_issue(REPO, "Brand new ask", labels=["Ask"])
    done, _ = run(store)
    assert done.ok and done.new == 1 and done.updated == 1
    assert list_requests(fake, "/issues") == 2  # changed head page + one page since the cursor
    with store.session() as s:
        row = s.execute(select(Issue).where(Issue.number == 3)).scalar_one()
        assert (row.title, row.outcome, row.phase) == ("Now a success", "succeeded", "experiment")


def test_cancelled_sync_resumes_from_the_last_page_written(store: Store, fake: FakeGitHub) -> None:
    seeded(fake, 600)
    track(store, fake)
    pages_seen = []

    def cancel_after_three_pages() -> bool:
        return len(pages_seen) >= 3

    def on_event(e: SyncEvent) -> None:
        if isinstance(e, Progress) and e.resource == "issues" and e.total is None:
            pages_seen.append(e.done)

    report = sync_repos(
        store, token=TOKEN, on_event=on_event, cancelled=cancel_after_three_pages, sleep=FakeSleep()
    )
    assert not report.repos[0].ok and "cancelled" in (report.repos[0].error or "")
    partial = count(store, Issue)
    assert 250 <= partial < 600
    with store.session() as s:
        assert s.execute(select(SyncCursor).where(SyncCursor.resource == "issues")).first() is None
    fake.reset_log()
    done, _ = run(store)
    assert done.ok
    assert count(store, Issue) == len(fake_items(fake))
    # resumed: the second run read only the pages after the checkpoint (plus the head check)
    assert list_requests(fake, "/issues") <= math.ceil((600 - partial) / 100) + 3


def fake_items(fake: FakeGitHub) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    n = 1
    while True:
        try:
            out.append(fake.issue(REPO, n))
        except Exception:
            break
        n += 1
    return out


def test_a_page_of_one_stamp_then_more_pages_keeps_the_whole_query(
    store: Store, fake: FakeGitHub
) -> None:
    """A bulk relabel gives 150 issues one second; the walk steps past it by offset and must
    then restart with its own query, not GitHub's defaults (open only, 30 a page)."""
    fake.add_repo(REPO)
    for k in range(150):
        fake.add_issue(REPO, f"same {k}", labels=["Data"])
    fake.tick(10)
    for number in range(1, 151):
        fake.update_issue(REPO, number, updated_at="2024-01-01T01:00:00Z")
    fake.set_now("2024-01-01T02:00:00Z")
    for k in range(200):
        fake.add_issue(REPO, f"later {k}", state="closed" if k % 2 else "open")
    track(store, fake)
    done, _ = run(store)
    assert done.ok, done.error
    assert count(store, Issue) == 350
    walks = [r.query for r in fake.requests if r.path.endswith("/issues") and "since" in r.query]
    assert walks and all(q.get("state") == "all" for q in walks)


def test_empty_lists_are_304s_too_on_an_unchanged_resync(store: Store, fake: FakeGitHub) -> None:
    fake.add_repo(REPO)  # issues, but no pull requests and no comments
    for k in range(3):
        fake.add_issue(REPO, f"issue {k}", labels=["Ask"])
    track(store, fake)
    assert run(store)[0].ok
    fake.reset_log()
    done, _ = run(store)
    assert done.ok, done.error
    assert fake.requests and {r.status for r in fake.requests} == {304}, [
        (r.path, r.status) for r in fake.requests
    ]


def test_lower_case_tldr_and_references_are_read(store: Store, fake: FakeGitHub) -> None:
    fake.add_repo(REPO)
    fake.add_issue(REPO, "ask", labels=["Ask"])
    fake.add_issue(REPO, "exp", labels=["Experiment"], body="ask reference: #1\n\ntl;dr: it works")
    track(store, fake)
    assert run(store)[0].ok
    with store.session() as s:
        issue = s.execute(select(Issue).where(Issue.number == 2)).scalar_one()
        assert issue.tldr == "it works" and issue.ask_refs == [1]


def test_a_renamed_or_deleted_label_reaches_its_issues(store: Store, fake: FakeGitHub) -> None:
    import requests

    fake.add_repo(REPO)
    fake.add_issue(REPO, "Try", labels=["Experiment", "failed"])
    for k in range(120):  # more than one page of issues
        fake.add_issue(REPO, f"other {k}", labels=["Data"])
    track(store, fake)
    assert run(store)[0].ok
    fake.tick(5)
    auth = {"Authorization": f"token {TOKEN}"}
    labels = f"{fake.base_url}/repos/{REPO}/labels"
    requests.patch(f"{labels}/Experiment", json={"new_name": "Model"}, headers=auth, timeout=10)
    requests.delete(f"{labels}/failed", headers=auth, timeout=10)
    done, _ = run(store)
    assert done.ok, done.error
    with store.session() as s:
        issue = s.execute(select(Issue).where(Issue.number == 1)).scalar_one()
        assert (issue.labels, issue.kind, issue.outcome) == (["Model"], "model", None)
        names = set(s.execute(select(Label.name)).scalars())
        assert "Experiment" not in names and "failed" not in names and "Model" in names
    fake.reset_log()
    assert run(store)[0].ok  # and back to 304s: the re-read happens once
    assert {r.status for r in fake.requests} == {304}


def test_persistent_5xx_fails_the_repo_and_keeps_the_mirror(store: Store, fake: FakeGitHub) -> None:
    seeded(fake, 50)
    track(store, fake)
    assert run(store)[0].ok
    before = count(store, Issue)
    fake.update_issue(REPO, 1, title="changed")
    fake.inject("GET", r"/issues$", Fault.status(503), times=None)
    done, _ = run(store)
    assert not done.ok and done.error is not None and "503" in done.error
    assert count(store, Issue) == before


def test_full_sync_marks_deleted_and_transferred_issues(store: Store, fake: FakeGitHub) -> None:
    seeded(fake, 30)
    fake.add_repo("acme/elsewhere")
    track(store, fake)
    assert run(store)[0].ok
    fake.delete_issue(REPO, 4, status=410)
    fake.delete_issue(REPO, 5, status=404)
    fake.transfer_issue(REPO, 6, "acme/elsewhere")
    done, _ = run(store, full=True)
    assert done.ok, done.error
    with store.session() as s:
        gone = dict(
            s.execute(select(Issue.number, Issue.gone).where(Issue.gone.is_not(None))).all()
        )
    assert gone == {4: "deleted", 5: "deleted", 6: "transferred"}


def test_local_clone_branches_are_scanned_and_judged(
    store: Store, fake: FakeGitHub, tmp_path: Path
) -> None:
    import git

    seeded(fake, 10)
    clone = tmp_path / "clone"
    repo = git.Repo.init(clone, initial_branch="main")
    with repo.config_writer() as cfg:
        cfg.set_value("user", "name", "T")
        cfg.set_value("user", "email", "t@example.invalid")
    (clone / "a.txt").write_text("a")
    repo.index.add(["a.txt"])
    repo.index.commit("start")
    for name in ("experiment/3-xgb", "explore/2-eda", "feature/oops", "data/999-ghost"):
        repo.create_head(name, repo.heads.main.commit).checkout()
        (clone / f"{name.replace('/', '_')}.txt").write_text(name)
        repo.index.add([f"{name.replace('/', '_')}.txt"])
        repo.index.commit(name)
    repo.heads.main.checkout()
    repo.git.merge("--no-ff", "-m", "merge explore", "explore/2-eda")
    track(store, fake, local_path=str(clone))
    done, _ = run(store)
    assert done.ok, done.error
    with store.session() as s:
        rows = {
            b.name: b for b in s.execute(select(Branch).where(Branch.location == "local")).scalars()
        }
    assert set(rows) == {
        "main",
        "experiment/3-xgb",
        "explore/2-eda",
        "feature/oops",
        "data/999-ghost",
    }
    assert rows["experiment/3-xgb"].issue_number == 3 and rows["experiment/3-xgb"].ahead == 1
    assert rows["experiment/3-xgb"].pushed is False and rows["experiment/3-xgb"].violation is None
    assert rows["explore/2-eda"].merged and "merged" in (rows["explore/2-eda"].violation or "")
    assert rows["feature/oops"].violation == "misnamed"
    assert rows["data/999-ghost"].violation == "issue #999 does not exist"


def test_second_sync_on_the_same_mirror_says_one_is_running(sqlite_store: Store) -> None:
    """SQLite: one sync per mirror file (PostgreSQL locks each repo: tests/test_postgres.py)."""
    store = sqlite_store
    with (
        sync_lock(store),
        pytest.raises(SyncBusy, match="another dslp sync is running"),
        sync_lock(store),
    ):
        pass


def test_sync_stamps_last_synced(store: Store, fake: FakeGitHub) -> None:
    seeded(fake, 3)
    track(store, fake)
    assert run(store)[0].ok
    with store.session() as s:
        assert s.execute(select(Repository.last_synced_at)).scalar_one() is not None
