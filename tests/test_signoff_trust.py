"""Only the gate's approvers move it: three GitHub users on the fake, real PyGithub, real sync.

maya-lead syncs the team's mirror; omar-eng approves Deploy (`.github/dslp.yml`); bo is a
colleague with write access but no approver. Identity is the comment's poster, never a typed name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from store.db import Store, open_store
from store.markers import render_comment
from store.mirror import ensure_repo
from store.models import ModelStatus
from store.outbox import record_signoff
from store.read.gates import gates_json, signoff_history
from store.read.portfolio import project_summaries
from store.repos import get_repo
from sync.engine import sync_repos
from tests.fakegithub import FakeGitHub

REPO = "acme/churn"
TOKENS = {"lead-token": "maya-lead", "approver-token": "omar-eng", "colleague-token": "bo"}
APPROVERS = "gates:\n  deploy:\n    approvers: [omar-eng]   # GitHub logins\n"


@pytest.fixture
def team() -> Any:
    with FakeGitHub(tokens=TOKENS) as fake:
        fake.add_repo(REPO)
        fake.add_issue(REPO, "Reduce churn", labels=["Ask"], user="maya-lead")
        fake.add_issue(REPO, "Ship the GBM", labels=["Model", "Deploy"], user="maya-lead")
        fake.put_file(REPO, ".github/dslp.yml", APPROVERS)
        yield fake


def sync(store: Store, fake: FakeGitHub, token: str = "lead-token") -> None:
    with store.session(write=True) as s:
        ensure_repo(s, REPO, api_url=fake.base_url)
    report = sync_repos(store, token=token, sleep=lambda _s: None)
    assert all(r.ok for r in report.repos), [r.error for r in report.repos]


def deploy(store: Store) -> dict[str, Any]:
    with store.session() as s:
        gate: dict[str, Any] = gates_json(s, REPO)["gates"]["deploy"]
    return gate


def test_only_the_approvers_comment_closes_the_gate(store: Store, team: FakeGitHub) -> None:
    sync(store, team)
    assert deploy(store)["pending"] and deploy(store)["approvers"] == ["omar-eng"]

    team.add_comment(REPO, 2, "I had a look.\n/dslp approve deploy fine by me", user="bo")
    sync(store, team)
    gate = deploy(store)
    assert gate["pending"] and gate["decision"] is None
    [bo] = gate["signoffs"]
    assert (bo["github_login"], bo["counts"], bo["source"]) == ("bo", False, "comment")

    team.add_comment(
        REPO, 1, "/dslp approve Deploy ship it", user="omar-eng"
    )  # any issue, any case
    sync(store, team)
    gate = deploy(store)
    assert not gate["pending"] and gate["decision"] == "approved"
    assert [s["github_login"] for s in gate["signoffs"] if s["counts"]] == ["omar-eng"]
    with store.session() as s:
        [summary] = project_summaries(s)
    assert "deploy" not in summary.pending_gates

    team.add_comment(REPO, 2, "/dslp request-changes deploy rollback plan missing", user="omar-eng")
    sync(store, team)
    gate = deploy(store)
    assert gate["pending"] and gate["decision"] == "changes-requested"


def test_a_signoff_typed_for_someone_else_counts_as_its_poster(
    store: Store, team: FakeGitHub, tmp_path: Path
) -> None:
    sync(store, team, token="colleague-token")
    with store.session(write=True) as s:
        record_signoff(
            s, get_repo(s, REPO), gate="deploy", stakeholder="Omar (Eng)", decision="approved"
        )
    with store.session() as s:
        [local] = signoff_history(s, REPO)["deploy"]
    assert local.recorded_by == "@bo" and local.pending_sync and not local.counts
    assert deploy(store)["pending"]
    sync(store, team, token="colleague-token")  # pushed as bo, read back as bo's
    [pushed] = deploy(store)["signoffs"]
    assert (pushed["stakeholder"], pushed["github_login"], pushed["counts"]) == (
        "Omar (Eng)",
        "bo",
        False,
    )
    assert deploy(store)["pending"]
    # The lead's mirror reads the same comment the same way.
    other = open_store(tmp_path / "lead.db")
    try:
        sync(other, team)
        [seen] = deploy(other)["signoffs"]
        assert (seen["github_login"], seen["counts"]) == ("bo", False)
        assert deploy(other)["pending"]
    finally:
        other.dispose()


def test_a_hand_pasted_marker_counts_as_its_poster(store: Store, team: FakeGitHub) -> None:
    forged = render_comment(
        "signoff", "forged1", {"gate": "deploy", "by": "omar-eng", "decision": "approved"}
    )
    team.add_comment(REPO, 1, forged, user="bo")
    sync(store, team)
    [row] = deploy(store)["signoffs"]
    assert (row["stakeholder"], row["github_login"], row["counts"]) == ("omar-eng", "bo", False)
    assert deploy(store)["pending"]


def test_edits_and_deletions_of_a_command_comment(store: Store, team: FakeGitHub) -> None:
    c = team.add_comment(REPO, 2, "/dslp approve deploy", user="omar-eng")
    sync(store, team)
    assert not deploy(store)["pending"]
    team.edit_comment(REPO, c["id"], "/dslp reject deploy on second thought")
    sync(store, team)
    [row] = deploy(store)["signoffs"]
    assert (row["decision"], row["note"]) == ("rejected", "on second thought")
    assert deploy(store)["pending"]
    team.edit_comment(REPO, c["id"], "/dslp approve deploy")
    sync(store, team)
    assert not deploy(store)["pending"]
    team.delete_comment(REPO, c["id"])
    sync(store, team)
    [row] = deploy(store)["signoffs"]
    assert row["withdrawn"] and not row["counts"]  # shown as withdrawn, not dropped
    assert deploy(store)["pending"]


def test_the_approvers_file_missing_broken_and_changed(store: Store, team: FakeGitHub) -> None:
    team.add_comment(REPO, 2, "/dslp approve deploy", user="bo")
    sync(store, team)
    assert deploy(store)["pending"]  # bo is no approver

    team.put_file(REPO, ".github/dslp.yml", "gates:\n  deploy:\n    approvers: [omar-eng, bo]\n")
    sync(store, team)
    assert not deploy(store)["pending"]  # now bo may sign: the same sign-off counts

    team.put_file(REPO, ".github/dslp.yml", "gates:\n  deploy:\n    approvers: [omar-eng\n")
    sync(store, team)
    with store.session() as s:
        data = gates_json(s, REPO)
    assert data["approvers_error"].startswith(".github/dslp.yml line 4:")
    assert "anyone may sign" in data["approvers_error"]
    assert data["gates"]["deploy"]["approvers"] is None and not data["gates"]["deploy"]["pending"]

    team.remove_file(REPO, ".github/dslp.yml")
    sync(store, team)
    with store.session() as s:
        data = gates_json(s, REPO)
    assert data["approvers_error"] is None and data["gates"]["deploy"]["approvers"] is None

    team.put_file(REPO, ".github/dslp.yml", APPROVERS)
    sync(store, team)
    assert deploy(store)["pending"] and deploy(store)["approvers"] == ["omar-eng"]


def test_an_unchanged_resync_asks_again_only_conditionally(store: Store, team: FakeGitHub) -> None:
    team.add_comment(REPO, 2, "/dslp approve deploy", user="omar-eng")
    sync(store, team)
    team.reset_log()
    sync(store, team)
    statuses = {(r.path, r.status) for r in team.requests}
    assert {status for _path, status in statuses} == {304}, statuses


def test_before_the_first_sync_a_local_signoff_is_yours(store: Store) -> None:
    with store.session(write=True) as s:
        repo = ensure_repo(s, REPO)
        record_signoff(s, repo, gate="ideation", stakeholder="Dana (VP)", decision="approved")
    with store.session() as s:
        [view] = signoff_history(s, REPO)["ideation"]
    assert (view.stakeholder, view.recorded_by, view.counts) == ("Dana (VP)", "you", True)


def test_outcomes_and_model_statuses_are_by_their_poster(store: Store, team: FakeGitHub) -> None:
    from store.outbox import record_model_status, record_outcome
    from store.read.card import card_detail

    team.add_issue(REPO, "Try GBM", labels=["Experiment"], user="bo")  # #3
    sync(store, team, token="colleague-token")
    with store.session(write=True) as s:
        repo = get_repo(s, REPO)
        record_outcome(s, repo, 3, status="failed", tldr="no lift", author="Dana (claimed)")
        record_model_status(s, repo, 2, status="staging", author="Omar (claimed)")
    forged = render_comment(
        "outcome", "forged2", {"status": "succeeded", "tldr": "it works", "author": "omar-eng"}
    )
    team.add_comment(REPO, 3, forged, user="bo")
    sync(store, team, token="colleague-token")
    with store.session() as s:
        outcomes = {o.tldr: o for o in card_detail(s, REPO, 3).outcomes}
        model = s.execute(select(ModelStatus)).scalars().one()
    assert (outcomes["no lift"].author, outcomes["no lift"].github_login) == (
        "Dana (claimed)",
        "bo",
    )
    assert (outcomes["it works"].author, outcomes["it works"].github_login) == ("omar-eng", "bo")
    assert (model.author, model.github_login) == ("Omar (claimed)", "bo")


def test_a_sync_asks_only_about_comments_that_can_move_a_gate(
    store: Store, team: FakeGitHub
) -> None:
    old = team.add_comment(REPO, 2, "/dslp approve deploy", user="omar-eng")
    new = team.add_comment(REPO, 2, "/dslp request-changes deploy", user="omar-eng")
    sync(store, team)
    team.delete_comment(REPO, old["id"])  # older than the gate's decision: cannot move it
    team.reset_log()
    sync(store, team)
    asked = [r.path for r in team.requests if "/issues/comments/" in r.path]
    assert asked == [f"/repos/{REPO}/issues/comments/{new['id']}"]
    assert [s["withdrawn"] for s in deploy(store)["signoffs"]] == [False, False]
    report = sync_repos(store, token="lead-token", full=True, sleep=lambda _s: None)
    assert all(r.ok for r in report.repos)
    assert [s["withdrawn"] for s in deploy(store)["signoffs"]] == [True, False]
    assert deploy(store)["decision"] == "changes-requested"
