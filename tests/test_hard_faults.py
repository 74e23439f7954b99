"""100 seeded sync runs against a misbehaving GitHub: 5xx bursts, 403 with reset, 429 with and
without Retry-After, connections dropped mid-body (before or after a write was applied),
truncated or invalid JSON, slow replies. Every run completes or stops with one clear line;
nothing queued offline is lost, and GitHub never sees a comment twice.

In-process (`sync_repos(..., sleep=recorder)`): waits are recorded, never slept."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from store.db import Store, integrity_ok, open_store
from store.mirror import ensure_repo
from store.models import Issue, OutboxEntry
from store.outbox import change_checklist, record_outcome, record_signoff, seed_checklist
from store.repos import get_repo
from store.rules import make_marker
from sync.engine import sync_repos
from sync.events import RepoDone, Waiting
from tests.fakegithub import FakeGitHub, Fault, Injection
from tests.hard_helpers import figures

REPO = "acme/faulty"
TOKEN = "fault-token"
RUNS = 100
MODEL_BODY = "## Hand-off\n\n- [ ] Parametrize model inputs\n"

READS = [
    r"^/repos/acme/faulty$",
    r"/issues$",
    r"/issues/comments$",
    r"/pulls$",
    r"/labels$",
    r"/branches$",
    r"/issues/\d+$",
    r"/issues/\d+/comments$",
]
WRITES = [
    ("POST", r"/issues/\d+/comments$"),
    ("POST", r"/issues/\d+/labels$"),
    ("DELETE", r"/issues/\d+/labels/"),
    ("PATCH", r"/issues/\d+$"),
]

FaultMaker = Callable[[random.Random], tuple[Fault, int]]
CATALOG: dict[str, FaultMaker] = {
    "5xx burst": lambda r: (Fault.status(r.choice([500, 502, 503, 504])), r.randint(1, 4)),
    "502 html page": lambda r: (Fault.status(502, "<html><body>Bad gateway</body></html>"), 1),
    "5xx beyond retries": lambda r: (Fault.status(503), 8),
    "403 rate limit with reset": lambda r: (Fault.rate_limited(reset_in=r.randint(1, 300)), 1),
    "403 rate limit beyond --max-wait": lambda r: (Fault.rate_limited(reset_in=7200), 1),
    "403 secondary limit": lambda r: (Fault.secondary_rate_limited(r.randint(1, 60)), 1),
    "429 with Retry-After": lambda r: (Fault.too_many_requests(r.randint(1, 60)), r.randint(1, 2)),
    "429 without Retry-After": lambda r: (Fault.too_many_requests(None), r.randint(1, 2)),
    "dropped mid-body": lambda r: (Fault.drop(partial=True), r.randint(1, 2)),
    "dropped before reply": lambda r: (Fault.drop(partial=False), 1),
    "dropped after write applied": lambda r: (Fault.drop(after_apply=True), 1),
    "truncated JSON": lambda r: (Fault.truncated_json(), r.randint(1, 2)),
    "invalid JSON": lambda r: (Fault.invalid_json(), r.randint(1, 2)),
    "slow reply": lambda r: (Fault.delay(r.uniform(0.005, 0.03)), r.randint(1, 3)),
}


class Recorder:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def _sync(store: Store, sleep: Recorder) -> RepoDone:
    events: list[object] = []
    report = sync_repos(store, token=TOKEN, sleep=sleep, max_wait=900, on_event=events.append)
    assert len(report.repos) == 1
    waits = [e for e in events if isinstance(e, Waiting)]
    assert len(waits) == len(sleep.waits)  # every wait is shown to the user
    return report.repos[0]


def _world(fake: FakeGitHub, seed: int) -> dict[str, int]:
    fake.bulk_generate(REPO, 130, seed=seed, comment_ratio=0.3)
    return {
        "x1": fake.add_issue(REPO, "GBM", labels=["Experiment", "failed"])["number"],
        "x2": fake.add_issue(REPO, "LSTM", labels=["Experiment"])["number"],
        "model": fake.add_issue(REPO, "Ship", body=MODEL_BODY, labels=["Model"])["number"],
    }


def _queue(store: Store, n: dict[str, int], rng: random.Random) -> dict[str, tuple[str, int]]:
    """Offline entries of the comment kinds: id -> (kind, issue or 0 for the project's Ask)."""
    out: dict[str, tuple[str, int]] = {}
    with store.session(write=True) as s:
        repo = get_repo(s, REPO)
        assert repo.id is not None
        for key in ("x1", "x2"):
            status = rng.choice(["succeeded", "failed", "on-hold"])
            e = record_outcome(s, repo, n[key], status=status, tldr=f"{key}: {status}")
            out[e.id] = ("outcome", n[key])
        so = record_signoff(s, repo, gate="experiment", stakeholder="Dana", decision="approved")
        out[so.id] = ("signoff", 0)
        seed_checklist(s, repo.id, n["model"], [("Parametrize model inputs", False)])
        change_checklist(s, repo, n["model"], check="Parametrize")
    return out


def _one_run(tmp_path: Path, run: int, totals: Counter[str]) -> None:
    rng = random.Random(1000 + run)
    with FakeGitHub(tokens={TOKEN}) as fake:
        n = _world(fake, seed=run)
        store = open_store(tmp_path / f"run{run}.db")
        try:
            with store.session(write=True) as s:
                ensure_repo(s, REPO, api_url=fake.base_url)
            with_outbox = run % 3 == 0
            entries: dict[str, tuple[str, int]] = {}
            if with_outbox or rng.random() < 0.5:  # a first clean sync, then an incremental one
                assert _sync(store, Recorder()).ok
                fake.update_issue(REPO, n["x2"], title="LSTM v2")
                fake.add_comment(REPO, n["x1"], "new data landed")
            if with_outbox:
                entries = _queue(store, n, rng)
            injections: list[Injection] = []
            for _ in range(rng.randint(1, 4)):
                name = rng.choice(sorted(CATALOG))
                fault, times = CATALOG[name](rng)
                if with_outbox and rng.random() < 0.5:
                    method, path = rng.choice(WRITES)
                    if name == "dropped after write applied" or rng.random() < 0.5:
                        fault = Fault.drop(after_apply=True) if rng.random() < 0.5 else fault
                else:
                    method, path = "GET", rng.choice(READS)
                injections.append(fake.inject(method, path, fault, times=times))
                totals[name] += 0  # the catalogue line appears even when never hit
            sleep = Recorder()
            done = _sync(store, sleep)
            hits = sum(i.hits for i in injections)
            totals["faults injected"] += hits
            totals["waits recorded"] += len(sleep.waits)
            if done.ok:
                totals["runs completed"] += 1
            else:
                totals["runs stopped cleanly"] += 1
                assert done.error and "\n" not in done.error and "Traceback" not in done.error
                assert TOKEN not in done.error
            fake.clear_faults()
            for _attempt in range(2):  # GitHub behaves again: the next sync finishes the job
                final = _sync(store, Recorder())
                if final.ok:
                    break
            assert final.ok, final.error
            assert integrity_ok(store)
            _check_outcome(store, fake, n, entries, totals)
        finally:
            store.dispose()


def _check_outcome(
    store: Store,
    fake: FakeGitHub,
    n: dict[str, int],
    entries: dict[str, tuple[str, int]],
    totals: Counter[str],
) -> None:
    with store.session() as s:
        rows = {e.id: e for e in s.execute(select(OutboxEntry)).scalars()}
        mirrored = s.execute(select(func.count()).select_from(Issue)).scalar_one()
    assert mirrored == 133  # every issue and PR of the server, once
    lost = [i for i in entries if i not in rows or rows[i].state != "sent"]
    totals["entries"] += len(rows)
    totals["entries lost"] += len(lost) + sum(e.state != "sent" for e in rows.values())
    asks = [
        number
        for number in range(1, 134)
        if any(lab["name"] == "Ask" for lab in fake.issue(REPO, number)["labels"])
    ]
    for entry_id, (kind, number) in entries.items():
        where = [number] if number else asks
        seen = sum(
            fake.count_comments(REPO, i, contains=make_marker(kind, entry_id)) for i in where
        )
        totals["duplicates"] += max(0, seen - 1)
        assert seen == 1, (kind, entry_id, seen)
    for key in ("x1", "x2"):
        names = [lab["name"] for lab in fake.issue(REPO, n[key])["labels"]]
        assert len(names) == len(set(names))  # no label twice
        if entries:
            assert len({"succeeded", "failed", "on hold"} & set(names)) == 1
    if entries:
        assert "- [x] Parametrize model inputs" in fake.issue(REPO, n["model"])["body"]
    posts = Counter(
        (r.path, tuple((r.json or {}).get("labels") or ()))
        for r in fake.requests
        if r.method == "POST" and r.path.endswith("/labels") and 200 <= r.status < 300
    )
    totals["label writes re-applied"] += sum(c - 1 for c in posts.values())
    assert not fake.errors, fake.errors


def test_hundred_seeded_fault_runs_lose_nothing_and_duplicate_nothing(
    tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    totals: Counter[str] = Counter()
    for run in range(RUNS):
        _one_run(tmp_path, run, totals)
    assert totals["entries lost"] == 0 and totals["duplicates"] == 0
    assert totals["runs completed"] + totals["runs stopped cleanly"] == RUNS
    figures(
        pytestconfig,
        "faults",
        runs=RUNS,
        completed=totals["runs completed"],
        stopped_with_one_line=totals["runs stopped cleanly"],
        faults_injected=totals["faults injected"],
        waits_recorded=totals["waits recorded"],
        outbox_entries=totals["entries"],
        entries_lost=totals["entries lost"],
        duplicate_comments=totals["duplicates"],
        label_writes_reapplied=totals["label writes re-applied"],
    )


@pytest.mark.parametrize("target", ["POST comment", "GET issue", "PATCH body"])
def test_rate_limit_beyond_max_wait_during_push_keeps_entries_queued(
    tmp_path: Path, target: str
) -> None:
    """Regression: a rate limit longer than --max-wait during the push was recorded as a
    *conflict* (its status is 403), so the entry needed `dslp outbox --retry` by hand."""
    with FakeGitHub(tokens={TOKEN}) as fake:
        n = _world(fake, seed=1)
        store = open_store(tmp_path / "m.db")
        try:
            with store.session(write=True) as s:
                ensure_repo(s, REPO, api_url=fake.base_url)
            assert _sync(store, Recorder()).ok
            entries = _queue(store, n, random.Random(3))
            method, path = {
                "POST comment": ("POST", r"/comments$"),
                "GET issue": ("GET", r"/issues/\d+$"),
                "PATCH body": ("PATCH", r"/issues/\d+$"),
            }[target]
            fake.inject(method, path, Fault.rate_limited(reset_in=7200), times=1)
            done = _sync(store, Recorder())
            assert not done.ok and done.error is not None
            assert "run the sync again after" in done.error and "\n" not in done.error
            with store.session() as s:
                states = {e.state for e in s.execute(select(OutboxEntry)).scalars()}
            assert "conflict" not in states
            final = _sync(store, Recorder())
            assert final.ok, final.error
            with store.session() as s:
                assert {e.state for e in s.execute(select(OutboxEntry)).scalars()} == {"sent"}
            for entry_id, (kind, number) in entries.items():
                if number:
                    assert (
                        fake.count_comments(REPO, number, contains=make_marker(kind, entry_id)) == 1
                    )
        finally:
            store.dispose()


def test_a_write_rate_limited_forever_stops_instead_of_looping(tmp_path: Path) -> None:
    with FakeGitHub(tokens={TOKEN}) as fake:
        n = _world(fake, seed=2)
        store = open_store(tmp_path / "m.db")
        try:
            with store.session(write=True) as s:
                ensure_repo(s, REPO, api_url=fake.base_url)
            assert _sync(store, Recorder()).ok
            _queue(store, n, random.Random(4))
            fake.inject("POST", r"/comments$", Fault.too_many_requests(30), times=None)
            sleep = Recorder()
            done = _sync(store, sleep)
            assert not done.ok and done.error and "rate limit" in done.error
            assert len(sleep.waits) <= 10
            with store.session() as s:
                assert "conflict" not in {e.state for e in s.execute(select(OutboxEntry)).scalars()}
        finally:
            store.dispose()
