"""Offline entries reach GitHub exactly once, and come back into a teammate's mirror."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from store.db import Store, open_store
from store.mirror import ensure_repo
from store.models import ModelStatus, OutboxEntry, SignOff
from store.outbox import (
    change_checklist,
    record_model_status,
    record_outcome,
    record_signoff,
    seed_checklist,
)
from store.read.card import card_detail
from store.read.portfolio import project_summaries
from store.repos import get_repo
from store.rules import make_marker
from sync.engine import sync_repos
from sync.events import RepoDone
from tests.fakegithub import FakeGitHub, Fault

REPO = "acme/churn"
TOKEN = "test-token"
MODEL_BODY = "## Steps\n\n- [ ] Parametrize model inputs\n- [x] Define API schema\n"


def world(fake: FakeGitHub) -> None:
    fake.add_repo(REPO)
    fake.add_issue(REPO, "Reduce churn", labels=["Ask"])  # 1
    fake.add_issue(REPO, "GBM baseline", labels=["Experiment", "failed"])  # 2
    fake.add_issue(REPO, "Ship GBM", labels=["Model"], body=MODEL_BODY)  # 3


def sync(store: Store) -> RepoDone:
    report = sync_repos(store, token=TOKEN, sleep=lambda _s: None)
    return report.repos[0]


def mirror(tmp_path: Path, fake: FakeGitHub, name: str) -> Store:
    store = open_store(tmp_path / f"{name}.db")
    with store.session(write=True) as s:
        ensure_repo(s, REPO, api_url=fake.base_url)
    assert sync(store).ok
    return store


def states(store: Store) -> dict[str, str]:
    with store.session() as s:
        return {e.kind: e.state for e in s.execute(select(OutboxEntry)).scalars()}


def log_outcome(store: Store, number: int = 2, status: str = "succeeded") -> str:
    with store.session(write=True) as s:
        repo = get_repo(s, REPO)
        return record_outcome(
            s,
            repo,
            number,
            status=status,
            tldr="AUC 0.81 beats the bar",
            metrics={"auc": 0.81},
            run_links=["https://runs.example.invalid/1"],
            author="ana",
        ).id


def test_outcome_becomes_one_comment_and_the_status_label(tmp_path: Path, fake: FakeGitHub) -> None:
    world(fake)
    store = mirror(tmp_path, fake, "ana")
    entry_id = log_outcome(store)
    done = sync(store)
    assert done.ok and done.pushed == 1, done.error
    marker = make_marker("outcome", entry_id)
    assert fake.count_comments(REPO, 2, contains=marker) == 1
    names = {lab["name"] for lab in fake.issue(REPO, 2)["labels"]}
    assert names == {"Experiment", "succeeded"}
    assert states(store) == {"outcome": "sent"}
    comment = fake.comments(REPO, 2)[0]["body"]
    assert "AUC 0.81 beats the bar" in comment and "| auc | 0.81 |" in comment
    assert sync(store).pushed == 0
    assert fake.count_comments(REPO, 2, contains=marker) == 1
    with store.session() as s:
        card = card_detail(s, REPO, 2)
    assert card.outcome == "succeeded" and not card.pending_sync
    assert len(card.outcomes) == 1  # the pulled comment is the same row as the local one


@pytest.mark.parametrize(
    ("existing", "status"),
    [("Failed", "succeeded"), ("On-Hold", "failed"), ("SUCCEEDED", "succeeded")],
)
def test_status_labels_are_swapped_whatever_their_spelling(
    tmp_path: Path, fake: FakeGitHub, existing: str, status: str
) -> None:
    fake.add_repo(REPO)
    fake.add_issue(REPO, "Ask", labels=["Ask"])
    fake.add_issue(REPO, "Try", labels=["Experiment", existing])  # 2
    store = mirror(tmp_path, fake, "ana")
    log_outcome(store, 2, status)
    assert sync(store).ok
    outcomes = [lab["name"] for lab in fake.issue(REPO, 2)["labels"] if lab["name"] != "Experiment"]
    assert len(outcomes) == 1 and outcomes[0].casefold() == status  # one status, the new one
    with store.session() as s:
        assert card_detail(s, REPO, 2).outcome == status


def test_a_colleagues_signoff_and_model_status_reach_my_mirror(
    tmp_path: Path, fake: FakeGitHub
) -> None:
    world(fake)
    lead = mirror(tmp_path, fake, "lead")
    me = mirror(tmp_path, fake, "me")
    with lead.session(write=True) as s:
        repo = get_repo(s, REPO)
        signoff = record_signoff(
            s, repo, gate="experiment", stakeholder="Dana", decision="approved", note="ship it"
        )
        model = record_model_status(s, repo, 3, status="production", version="1.2.0")
    assert sync(lead).pushed == 2
    assert fake.count_comments(REPO, 1, contains=make_marker("signoff", signoff.id)) == 1
    assert sync(me).ok
    with me.session() as s:
        got = s.get(SignOff, signoff.id)
        assert got is not None and (got.gate, got.decision, got.note) == (
            "experiment",
            "approved",
            "ship it",
        )
        assert got.origin == "github"
        status = s.get(ModelStatus, model.id)
        assert status is not None and status.version == "1.2.0"
        summary = project_summaries(s)[0]
    assert summary.cards["monitoring"] == 1 and summary.phase == "monitoring"
    assert "experiment" not in summary.pending_gates


def test_checklist_edits_the_task_line_and_adds_standard_steps(
    tmp_path: Path, fake: FakeGitHub
) -> None:
    world(fake)
    store = mirror(tmp_path, fake, "eng")
    with store.session(write=True) as s:
        repo = get_repo(s, REPO)
        seed_checklist(
            s, repo.id, 3, [("Parametrize model inputs", False), ("Define API schema", True)]
        )
        change_checklist(s, repo, 3, check="Parametrize")
        change_checklist(s, repo, 3, check="Named operations owner")
        change_checklist(s, repo, 3, add="Load test at 2x peak")
    done = sync(store)
    assert done.ok and done.pushed == 3, done.error
    body = fake.issue(REPO, 3)["body"]
    assert "- [x] Parametrize model inputs" in body
    assert "- [x] Define API schema" in body
    assert "- [x] Named operations owner" in body
    assert "- [ ] Load test at 2x peak" in body
    assert body.startswith("## Steps\n\n")


def test_a_task_removed_on_github_is_a_conflict_and_the_rest_continue(
    tmp_path: Path, fake: FakeGitHub
) -> None:
    world(fake)
    store = mirror(tmp_path, fake, "eng")
    with store.session(write=True) as s:
        repo = get_repo(s, REPO)
        seed_checklist(s, repo.id, 3, [("Parametrize model inputs", False)])
        change_checklist(s, repo, 3, check="Parametrize")
    log_outcome(store)
    fake.update_issue(REPO, 3, body="## Steps\n\nRewritten by someone else.\n")
    done = sync(store)
    assert done.ok and done.pushed == 1 and done.conflicts == 1
    with store.session() as s:
        entry = s.execute(select(OutboxEntry).where(OutboxEntry.kind == "checklist")).scalar_one()
    assert entry.state == "conflict" and "no longer in #3's description" in (entry.last_error or "")


def test_permission_and_missing_issue_become_conflicts(tmp_path: Path, fake: FakeGitHub) -> None:
    world(fake)
    store = mirror(tmp_path, fake, "ana")
    log_outcome(store, 2)
    log_outcome(store, 99)  # not on GitHub
    fake.inject("POST", r"/issues/2/comments$", Fault.forbidden())
    done = sync(store)
    assert done.ok and done.conflicts == 2 and done.pushed == 0
    with store.session() as s:
        reasons = {
            e.issue_number: e.last_error or "" for e in s.execute(select(OutboxEntry)).scalars()
        }
    assert "403" in reasons[2] and "404" in reasons[99]
    assert fake.count_comments(REPO, 2) == 0


def test_lost_reply_is_resolved_by_the_marker_not_a_second_post(
    tmp_path: Path, fake: FakeGitHub
) -> None:
    world(fake)
    store = mirror(tmp_path, fake, "ana")
    entry_id = log_outcome(store)
    fake.inject("POST", r"/issues/2/comments$", Fault.drop(after_apply=True))
    done = sync(store)
    assert not done.ok and "push interrupted" in (done.error or "")
    assert states(store) == {"outcome": "in_flight"}
    posts_before = fake.count(method="POST")
    done = sync(store)
    assert done.ok and done.pushed == 1, done.error
    assert fake.count(method="POST") == posts_before + 0 + 1  # only the status label, no comment
    assert fake.count_comments(REPO, 2, contains=make_marker("outcome", entry_id)) == 1
    assert states(store) == {"outcome": "sent"}


def test_5xx_before_applying_is_sent_once_later(tmp_path: Path, fake: FakeGitHub) -> None:
    world(fake)
    store = mirror(tmp_path, fake, "ana")
    entry_id = log_outcome(store)
    fake.inject("POST", r"/issues/2/comments$", Fault.status(502))
    assert not sync(store).ok
    assert sync(store).ok
    assert fake.count_comments(REPO, 2, contains=make_marker("outcome", entry_id)) == 1


def test_entries_made_while_github_is_down_survive_and_are_sent_later(
    tmp_path: Path, fake: FakeGitHub
) -> None:
    world(fake)
    store = mirror(tmp_path, fake, "ana")
    fake.stop()
    entry_id = log_outcome(store)
    done = sync(store)
    assert not done.ok and "cannot reach GitHub" in (done.error or "")
    assert states(store) == {"outcome": "pending"}
    fake.start()
    assert sync(store).ok
    assert fake.count_comments(REPO, 2, contains=make_marker("outcome", entry_id)) == 1


def test_checklist_shows_github_ticks_unless_a_local_change_waits() -> None:
    from store.rules import merge_checklist

    body = [("Parametrize", True), ("API schema", False)]
    stored = [
        ("Parametrize", False, "body"),
        ("API schema", True, "body"),
        ("Load test", False, "local"),
    ]
    view = merge_checklist(body, stored, {"API schema"}, with_standard_steps=True)
    got = {v.text: (v.done, v.pending_sync) for v in view}
    assert got["Parametrize"] == (True, False)  # ticked by a teammate on GitHub
    assert got["API schema"] == (True, True)  # our tick, not pushed yet
    assert got["Load test"] == (False, False)
    assert [v.text for v in view][:3] == ["Parametrize", "API schema", "Load test"]
    assert len(view) == 3 + 9 and all(v.origin == "standard" for v in view[3:])
