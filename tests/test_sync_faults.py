"""Sync under faults: bad tokens, tokens echoed back, rate limits, 5xx, drops, cancels."""

from __future__ import annotations

import threading

import pytest

from store.db import Store
from store.models import Issue
from sync.events import Waiting
from tests.fakegithub import FakeGitHub, Fault
from tests.test_sync import REPO, TOKEN, FakeSleep, count, fake_items, run, seeded, track


@pytest.fixture
def store(either_store: Store) -> Store:
    """Each test on a SQLite file and on a PostgreSQL database."""
    return either_store


def test_bad_token_is_one_clear_line_without_the_token(store: Store) -> None:
    secret = "ghp_supersecretvalue123"
    with FakeGitHub(tokens={TOKEN}, echo_auth=True) as fake:  # the 401 quotes the bad token
        seeded(fake, 5)
        track(store, fake)
        done, _ = run(store, token=secret)
    assert not done.ok
    assert done.error is not None and "401 Bad credentials" in done.error
    assert "GITHUB_TOKEN" in done.error and secret not in done.error
    assert "\n" not in done.error


def _mirror_bytes(store: Store) -> bytes:
    """Everything the mirror holds: its files (SQLite), or every row of every table as text."""
    if store.path is None:
        from sqlalchemy import inspect, text

        with store.engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            rows = [
                str(value)
                for t in tables
                for value in conn.execute(text(f'SELECT t::text FROM "{t}" AS t')).scalars()
            ]
        assert rows
        return "\n".join(rows).encode()
    return b"".join(p.read_bytes() for p in store.path.parent.glob(store.path.name + "*"))


def test_error_replies_quoting_the_token_never_carry_it_into_errors_or_the_mirror(
    store: Store,
) -> None:
    from store.models import OutboxEntry
    from store.outbox import record_outcome
    from store.repos import get_repo

    secret = "ghp_quotedBackByAProxy0123456789"
    said = "Authorization: token ***"  # the quoted header, the token taken out
    with FakeGitHub(tokens={secret}, echo_auth=True) as fake:
        seeded(fake, 5)
        track(store, fake)
        errors: list[str] = []
        for method, path, fault in (
            ("GET", rf"^/repos/{REPO}$", Fault.forbidden()),
            ("GET", r"/issues$", Fault.status(500)),
        ):
            fake.inject(method, path, fault, times=None)
            done, _ = run(store, token=secret)
            fake.clear_faults()
            assert not done.ok and done.error is not None
            errors.append(done.error)
        assert "403" in errors[0] and "500" in errors[1]
        with store.session(write=True) as s:
            entry_id = record_outcome(s, get_repo(s, REPO), 1, status="failed", tldr="t").id
        fake.inject("POST", r"/comments$", Fault.status(422), times=None)
        done, _ = run(store, token=secret)
        assert done.ok and done.conflicts == 1, done.error
    with store.session() as s:
        entry = s.get(OutboxEntry, entry_id)
        assert entry is not None and entry.state == "conflict" and entry.last_error is not None
        errors.append(entry.last_error)
    assert all(said in e and secret not in e for e in errors), errors
    store.checkpoint()
    assert secret.encode() not in _mirror_bytes(store)


def test_unknown_repo_says_what_to_check(store: Store, fake: FakeGitHub) -> None:
    fake.add_repo("acme/other")
    track(store, fake, "acme/missing")
    done, _ = run(store)
    assert not done.ok and done.error is not None
    assert "not found (404)" in done.error and "/repos/acme/missing" in done.error


def test_rate_limit_waits_for_reset_then_completes(store: Store, fake: FakeGitHub) -> None:
    seeded(fake, 120)
    track(store, fake)
    fake.inject("GET", r"/issues$", Fault.rate_limited(reset_in=30))
    sleep = FakeSleep()
    done, events = run(store, sleep=sleep)
    assert done.ok, done.error
    assert len(sleep.waits) == 1 and 25 <= sleep.waits[0] <= 40
    assert any(isinstance(e, Waiting) and "rate limit" in e.reason for e in events)


def test_rate_limit_longer_than_max_wait_stops_cleanly(store: Store, fake: FakeGitHub) -> None:
    seeded(fake, 120)
    track(store, fake)
    fake.inject("GET", r"/issues$", Fault.rate_limited(reset_in=3600))
    sleep = FakeSleep()
    done, _ = run(store, sleep=sleep, max_wait=60)
    assert not done.ok and sleep.waits == []
    assert done.error is not None and "run the sync again after" in done.error


@pytest.mark.parametrize(
    "fault",
    [
        Fault.too_many_requests(retry_after=7),
        Fault.too_many_requests(retry_after=None),
        Fault.secondary_rate_limited(retry_after=5),
        Fault.status(502),
        Fault.drop(),
        Fault.truncated_json(),
        Fault.invalid_json(),
    ],
    ids=["429-retry-after", "429-bare", "403-secondary", "502", "drop", "truncated", "invalid"],
)
def test_transient_faults_are_retried(store: Store, fake: FakeGitHub, fault: Fault) -> None:
    seeded(fake, 150)
    track(store, fake)
    fake.inject("GET", r"/issues$", fault, times=2)
    sleep = FakeSleep()
    done, _ = run(store, sleep=sleep)
    assert done.ok, done.error
    assert len(sleep.waits) == 2
    assert count(store, Issue) == len(fake_items(fake))


def test_a_cancel_during_a_back_off_stops_the_sync_at_once(store: Store, fake: FakeGitHub) -> None:
    seeded(fake, 50)
    track(store, fake)
    fake.inject("GET", r"/issues$", Fault.status(503), times=None)
    stop = threading.Event()
    waits: list[float] = []

    def wait(seconds: float) -> bool:  # the user presses escape while the sync waits
        waits.append(seconds)
        stop.set()
        return True

    done, _ = run(store, sleep=wait, cancelled=stop.is_set)
    assert not done.ok and done.error is not None and done.error.startswith("cancelled")
    assert len(waits) == 1  # no second back-off after the cancel
    assert count(store, Issue) == 0
