"""`dslp outbox --history`: the audit trail of local changes and their pushes, newest first."""

from __future__ import annotations

import json

import pytest

from dslp_tui.cli import main
from store.db import Store
from store.models import OutboxEntry
from store.outbox import mark_entry

CHURN = "acme/churn-prediction"


def test_history_lists_each_change_and_each_step_of_its_push(
    demo_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(demo_store.path)
    assert (
        main(
            ["log", f"{CHURN}#12", "--outcome", "on-hold", "--tldr", "no", "--json", "--db", db]
        )
        == 0
    )
    entry_id = json.loads(capsys.readouterr().out)["id"]
    with demo_store.session(write=True) as s:  # the steps the push takes
        mark_entry(s, entry_id, "in_flight")
        mark_entry(s, entry_id, "conflict", error="HTTP 403: Resource not accessible")
        entry = s.get(OutboxEntry, entry_id)
        assert entry is not None and entry.state == "conflict"

    assert main(["outbox", "--history", CHURN, "--limit", "2", "--db", db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[2] for line in lines] == ["outcome.conflict", "outcome.recorded"]
    assert lines[0].endswith(": HTTP 403: Resource not accessible")
    assert f"{CHURN}#12" in lines[1]

    assert main(["outbox", "--history", "--json", "--db", db]) == 0
    events = json.loads(capsys.readouterr().out)["events"]
    assert events[0]["entry"] == entry_id and events[0]["action"] == "outcome.conflict"
    assert {e["action"] for e in events} >= {"signoff.recorded", "checklist.recorded"}  # the demo's


def test_history_of_an_untracked_repo_is_one_line(
    demo_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["outbox", "--history", "nobody/here", "--db", str(demo_store.path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "dslp repo add nobody/here" in err
