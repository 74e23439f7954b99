"""Driving the DSLP from the tool, end to end through `dslp` and `dslp sync` against the fake
GitHub: new cards from the repo's templates, the steps a failed or succeeded experiment sets
off, each written to GitHub exactly once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dslp_tui.cli import main
from tests.fakegithub import FakeGitHub, Fault

REPO = "acme/churn"
TOKEN = "test-token"
FIXTURES = Path(__file__).parent / "fixtures" / "dslp" / "ISSUE_TEMPLATE"
ASK_BODY = (FIXTURES / "Ask.md").read_text().split("---\n", 2)[2]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> str:
    """A mirror of acme/churn: Ask #1 (the DSLP template's body), Experiment #2 with an open PR
    #3 from its branch; the repo's own templates on GitHub."""
    fake.add_repo(REPO)
    fake.put_files(
        REPO,
        {f".github/ISSUE_TEMPLATE/{p.name}": p.read_text() for p in sorted(FIXTURES.iterdir())},
    )
    fake.add_issue(REPO, "Reduce churn", body=ASK_BODY, labels=["Ask"])  # 1
    fake.add_issue(
        REPO, "GBM on usage", body="***Ask Reference:*** #1\n", labels=["Experiment"]
    )  # 2
    fake.open_pull(REPO, "experiment/2-gbm-on-usage", title="GBM", body="Closes #2")  # 3
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    path = str(tmp_path / "m.db")
    assert main(["repo", "add", REPO, "--db", path, "--api-url", fake.base_url]) == 0
    sync(path)
    return path


def sync(db: str) -> None:
    assert main(["sync", "--db", db]) == 0


def board(capsys: pytest.CaptureFixture[str], db: str) -> list[dict[str, Any]]:
    capsys.readouterr()
    code, out, _ = run(capsys, "board", REPO, "--db", db, "--json")
    assert code == 0
    data = json.loads(out)
    return [c for cards in data["columns"].values() for c in cards]


def test_new_card_is_a_draft_offline_then_one_issue_from_the_repos_template(
    db: str, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    code, out, err = run(
        capsys, "new", REPO, "experiment", "--title", "Survival model", "--json", "--db", db
    )
    assert code == 0, err
    made = json.loads(out)
    assert made["number"] is None and made["kind"] == "experiment"
    assert made["title"] == "Survival model" and made["repo"] == REPO
    draft = [c for c in board(capsys, db) if c["draft"] == made["draft"]]
    assert draft and draft[0]["number"] is None and draft[0]["pending_sync"] is True
    posts = fake.count("POST", path=f"/repos/{REPO}/issues")
    before = len(fake.requests)
    sync(db)
    assert fake.count("POST", path=f"/repos/{REPO}/issues") == posts + 1
    cost = len(fake.requests) - before
    assert cost < 40, cost  # the request cost of a sync with one new card (the note's figure)
    created = [c for c in board(capsys, db) if c["draft"] == made["draft"]]
    assert created[0]["number"] == 4 and created[0]["pending_sync"] is False
    issue = fake.issue(REPO, 4)
    assert "***Ask Reference:*** #1" in issue["body"]  # the only open Ask
    assert "## Metrics" in issue["body"]  # the repository's own Experiment template
    assert [lb["name"] for lb in issue["labels"]] == ["Experiment"]
    ask = fake.issue(REPO, 1)["body"]
    section = ask.split("## Approaches and Experiments", 1)[1].split("\n## ", 1)[0]
    assert "- #4 Survival model" in section
    sync(db)  # nothing more to do: no second issue, no second list line
    assert fake.count("POST", path=f"/repos/{REPO}/issues") == posts + 1
    assert fake.issue(REPO, 1)["body"] == ask


def test_a_lost_create_reply_is_found_by_its_marker_not_posted_again(
    db: str, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new", REPO, "data", "--title", "Get usage logs", "--db", db]) == 0
    fake.inject("POST", rf"^/repos/{REPO}/issues$", Fault.drop(after_apply=True))
    assert main(["sync", "--db", db]) == 1  # interrupted: the entry stays in flight
    fake.clear_faults()
    assert len([i for i in fake.issues(REPO) if i["title"] == "Get usage logs"]) == 1
    sync(db)
    assert len([i for i in fake.issues(REPO) if i["title"] == "Get usage logs"]) == 1
    capsys.readouterr()
    _code, out, _ = run(capsys, "outbox", "--db", db, "--json")
    assert json.loads(out)["entries"] == []
    ask = fake.issue(REPO, 1)["body"]
    datasets = ask.split("### Datasets", 1)[1].split("\n## ", 1)[0]
    assert datasets.count("#4 Get usage logs") == 1


def test_failed_experiment_closes_the_issue_and_its_pr_unmerged_and_updates_the_ask(
    db: str, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    code, out, err = run(
        capsys,
        "log",
        f"{REPO}#2",
        "--outcome",
        "failed",
        "--tldr",
        "No lift over baseline",
        "--db",
        db,
    )
    assert code == 0, err
    assert "closes PR #3 unmerged" in out and "closes #2 (not planned)" in out
    code, out, _ = run(capsys, "outbox", "--db", db)
    assert "close PR #3 unmerged" in out and "list #2 in Ask #1" in out
    sync(db)
    issue = fake.issue(REPO, 2)
    assert issue["state"] == "closed" and issue["state_reason"] == "not_planned"
    assert "failed" in [lb["name"] for lb in issue["labels"]]
    pull = fake.pull_state(REPO, 3)
    assert pull["state"] == "closed" and pull["merged"] is False
    ask = fake.issue(REPO, 1)["body"]
    assert "#2 GBM on usage — failed: No lift over baseline" in ask
    assert fake.count("PUT") == 0  # the tool never merges


def test_keep_open_opts_out_of_closing(
    db: str, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["log", f"{REPO}#2", "--outcome", "failed", "--tldr", "x", "--keep-open"]
    assert main([*args, "--db", db]) == 0
    sync(db)
    assert fake.issue(REPO, 2)["state"] == "open"
    assert fake.pull_state(REPO, 3)["state"] == "open"


def test_succeeded_experiment_opens_the_model_its_branch_and_retargets_the_pr(
    db: str, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    code, out, err = run(
        capsys,
        "log",
        f"{REPO}#2",
        "--outcome",
        "succeeded",
        "--tldr",
        "AUC 0.81",
        "--next",
        "open-model",
        "--next-title",
        "Churn model",
        "--json",
        "--db",
        db,
    )
    assert code == 0, err
    kinds = [s["kind"] for s in json.loads(out)["steps"]]
    assert kinds == ["issue", "branch", "retarget", "ask_item"]
    sync(db)
    model = fake.issue(REPO, 4)
    assert model["title"] == "Churn model"
    assert "***Ask Reference:*** #1" in model["body"]
    assert "***Based on Experiment:*** #2" in model["body"]
    assert "- [ ]" in model["body"]  # the template's task list
    refs = fake.refs(REPO)
    assert refs["refs/heads/model/4-churn-model"] == refs["refs/heads/main"]
    pull = fake.pull_state(REPO, 3)
    assert pull["base"] == "model/4-churn-model" and pull["state"] == "open"
    assert not pull["merged"]
    assert fake.issue(REPO, 2)["state"] == "open"  # merged and closed by the reviewers


def test_a_refused_step_goes_to_conflict_and_the_rest_of_the_chain_waits(
    db: str, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["log", f"{REPO}#2", "--outcome", "succeeded", "--tldr", "AUC 0.81"]
    assert main([*args, "--next", "open-model", "--db", db]) == 0
    fake.inject("POST", rf"^/repos/{REPO}/git/refs$", Fault.status(422, {"message": "nope"}))
    main(["sync", "--db", db])
    fake.clear_faults()
    capsys.readouterr()
    _code, out, _ = run(capsys, "outbox", "--db", db, "--json")
    left = {e["kind"]: e for e in json.loads(out)["entries"]}
    assert left["branch"]["state"] == "conflict" and "422" in left["branch"]["reason"]
    assert left["retarget"]["state"] == "pending"
    assert fake.pull_state(REPO, 3)["base"] == "main"
    assert main(["outbox", "--retry", "--db", db]) == 0
    sync(db)
    assert fake.pull_state(REPO, 3)["base"].startswith("model/4-")
    assert fake.count("POST", path=f"/repos/{REPO}/issues") == 1


def test_a_colleagues_edit_of_the_ask_between_read_and_write_survives(
    db: str, fake: FakeGitHub
) -> None:
    assert main(["new", REPO, "explore", "--title", "Tenure curves", "--db", db]) == 0
    edited = fake.issue(REPO, 1)["body"] + "\nA colleague's note.\n"
    fake.update_issue(REPO, 1, body=edited)  # after this mirror's last read of the Ask
    sync(db)
    body = fake.issue(REPO, 1)["body"]
    assert "A colleague's note." in body
    assert "#4 Tenure curves" in body.split("## Understanding and Exploration", 1)[1]


def test_a_model_based_on_a_draft_experiment_is_pushed_after_it(
    db: str, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    _code, out, _ = run(
        capsys, "new", REPO, "experiment", "--title", "Cox model", "--json", "--db", db
    )
    experiment = json.loads(out)["draft"]
    _code, out, err = run(
        capsys,
        "new",
        REPO,
        "model",
        "--title",
        "Cox in prod",
        "--based-on",
        experiment[:10],
        "--json",
        "--db",
        db,
    )
    assert _code == 0, err
    sync(db)
    numbers = {i["title"]: i["number"] for i in fake.issues(REPO)}
    assert numbers["Cox model"] < numbers["Cox in prod"]
    body = fake.issue(REPO, numbers["Cox in prod"])["body"]
    assert f"***Based on Experiment:*** #{numbers['Cox model']}" in body


def test_a_draft_can_be_discarded_before_the_push(
    db: str, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    _code, out, _ = run(capsys, "new", REPO, "ask", "--title", "Upsell", "--json", "--db", db)
    draft = json.loads(out)["draft"]
    code, out, err = run(capsys, "new", "--discard", draft[:8], "--db", db)
    assert code == 0 and "discarded" in out, err
    assert not [c for c in board(capsys, db) if c["draft"] == draft]
    sync(db)
    assert fake.count("POST", path=f"/repos/{REPO}/issues") == 0
    code, _out, err = run(capsys, "new", "--discard", draft[:8], "--db", db)
    assert code == 2 and "discarded" in err and len(err.strip().splitlines()) == 1


def test_new_refuses_in_one_line(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    for args, says in [
        (["new", REPO, "epic", "--title", "x"], "KIND must be one of"),
        (["new", REPO, "experiment"], "--title"),
        (["new", REPO, "experiment", "--title", "x", "--ask", "2"], "not an Ask"),
        (["new", REPO, "experiment", "--title", "x", "--based-on", "2"], "Model cards"),
        (["new", REPO, "model", "--title", "x", "--based-on", "1"], "not an Experiment"),
        (["new", REPO, "data", "--title", "x", "--body-file", "/nonexistent"], "no such file"),
    ]:
        capsys.readouterr()
        code, _out, err = run(capsys, *args, "--db", db)
        assert code == 2 and says in err and len(err.strip().splitlines()) == 1, (args, err)
