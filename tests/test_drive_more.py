"""More of driving the DSLP from the tool, end to end through `dslp` and `dslp sync`: a card's
branch in a real local clone (and on GitHub), closing cards, the other `--next` steps, what
`dslp outbox` says a step will do, editing a draft, and the whole flow on a PostgreSQL mirror.
The templates and the request cost of a new card are in tests/test_drive_templates.py.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from dslp_tui.cli import main
from tests.fakegithub import FakeGitHub, Fault
from tests.test_drive import ASK_BODY, FIXTURES, REPO, TOKEN, run

MAIN_COMMITS = ("README.md", "churn\n")


def world(fake: FakeGitHub, db: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """acme/churn with the repo's templates: Ask #1, Experiment #2 with open PR #3, Explore #4
    with open PR #5, Data #6; tracked in the mirror at `db` and synced."""
    fake.add_repo(REPO)
    fake.put_files(
        REPO,
        {f".github/ISSUE_TEMPLATE/{p.name}": p.read_text() for p in sorted(FIXTURES.iterdir())},
    )
    ref = "***Ask Reference:*** #1\n"
    fake.add_issue(REPO, "Reduce churn", body=ASK_BODY, labels=["Ask"])  # 1
    fake.add_issue(REPO, "GBM on usage", body=ref, labels=["Experiment"])  # 2
    fake.open_pull(REPO, "experiment/2-gbm-on-usage", title="GBM", body="Closes #2")  # 3
    fake.add_issue(REPO, "Tenure curves", body="Ask: #1\n", labels=["Explore"])  # 4
    fake.open_pull(REPO, "explore/4-tenure-curves", title="EDA", body="Closes #4")  # 5
    fake.add_issue(REPO, "Usage logs", body="Ask: #1\n", labels=["Data"])  # 6
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    assert main(["repo", "add", REPO, "--db", db, "--api-url", fake.base_url]) == 0
    sync(db)
    return db


@pytest.fixture
def db(tmp_path: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> str:
    return world(fake, str(tmp_path / "m.db"), monkeypatch)


def sync(db: str) -> None:
    assert main(["sync", "--db", db]) == 0


def outbox(capsys: pytest.CaptureFixture[str], db: str) -> list[dict[str, Any]]:
    capsys.readouterr()
    code, out, _ = run(capsys, "outbox", "--db", db, "--json")
    assert code == 0
    entries: list[dict[str, Any]] = json.loads(out)["entries"]
    return entries


def one_line(err: str) -> bool:
    return len(err.strip().splitlines()) == 1


def writes(fake: FakeGitHub, since: int = 0) -> Counter[tuple[str, str]]:
    """The writes GitHub applied (a 422 changed nothing)."""
    return Counter(
        (r.method, r.path.removeprefix(f"/repos/{REPO}"))
        for r in fake.requests[since:]
        if r.method in ("POST", "PATCH", "PUT", "DELETE") and 200 <= r.status < 300
    )


def section(body: str, heading: str) -> str:
    return body.split(heading, 1)[1].split("\n## ", 1)[0]


# -- branches in a real clone --------------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def clone(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A bare "origin" with one commit on main, and a clone of it linked with --path."""
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Tess")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "tess@example.invalid")
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "--bare", "--quiet", str(origin))
    git(origin, "symbolic-ref", "HEAD", "refs/heads/main")
    work = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", str(origin), str(work))
    git(work, "symbolic-ref", "HEAD", "refs/heads/main")
    (work / MAIN_COMMITS[0]).write_text(MAIN_COMMITS[1])
    git(work, "add", MAIN_COMMITS[0])
    git(work, "commit", "--quiet", "-m", "start")
    git(work, "push", "--quiet", "origin", "main")
    assert main(["repo", "add", REPO, "--path", str(work), "--db", db]) == 0
    return work


BRANCH = "experiment/2-gbm-on-usage"


def test_branch_is_made_in_the_clone_from_origin_main_and_switched_to(
    db: str, clone: Path, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    start = git(clone, "rev-parse", "origin/main")
    capsys.readouterr()
    code, out, err = run(capsys, "branch", f"{REPO}#2", "--db", db)
    assert code == 0, err
    assert f"created branch {BRANCH} from origin/main" in out
    assert git(clone, "branch", "--show-current") == BRANCH
    assert git(clone, "rev-parse", "HEAD") == start
    assert outbox(capsys, db) == []  # made here: nothing for GitHub
    git(clone, "switch", "--quiet", "main")
    code, out, err = run(capsys, "branch", f"{REPO}#2", "--db", db, "--json")
    assert code == 0, err
    assert json.loads(out) == {
        "branch": BRANCH,
        "where": "clone",
        "created": False,
        "pushed": False,
    }
    assert git(clone, "branch", "--show-current") == BRANCH
    assert git(clone, "branch", "--format=%(refname:short)", "--list", "experiment/*").split() == [
        BRANCH
    ]
    assert git(clone.parent / "origin.git", "branch", "--format=%(refname:short)").split() == [
        "main"
    ]  # no --push


def test_a_dirty_tree_is_refused_in_one_line_and_nothing_is_made(
    db: str, clone: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (clone / MAIN_COMMITS[0]).write_text("half-done work\n")
    capsys.readouterr()
    code, out, err = run(capsys, "branch", f"{REPO}#2", "--db", db)
    assert code == 1 and out == "" and one_line(err), err  # a state to fix, not a usage error
    assert "uncommitted changes" in err and "Traceback" not in err
    assert git(clone, "branch", "--format=%(refname:short)").split() == ["main"]
    assert (clone / MAIN_COMMITS[0]).read_text() == "half-done work\n"
    assert outbox(capsys, db) == []


def test_push_sends_the_new_branch_to_origin(
    db: str, clone: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "branch", f"{REPO}#2", "--push", "--db", db)
    assert code == 0 and "pushed it to origin" in out, err
    origin = clone.parent / "origin.git"
    assert git(origin, "rev-parse", f"refs/heads/{BRANCH}") == git(clone, "rev-parse", "main")
    assert git(clone, "rev-parse", "--abbrev-ref", "@{upstream}") == f"origin/{BRANCH}"


def test_a_branch_already_on_origin_is_checked_out_from_there_not_remade_from_main(
    db: str, clone: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The experiment's PR branch exists on GitHub with its commits: the local branch must be
    that one, not a new one from main that could never be pushed over it."""
    git(clone, "switch", "--quiet", "-c", BRANCH)
    (clone / "model.py").write_text("fit()\n")
    git(clone, "add", "model.py")
    git(clone, "commit", "--quiet", "-m", "try GBM")
    git(clone, "push", "--quiet", "origin", BRANCH)
    work = git(clone, "rev-parse", "HEAD")
    git(clone, "switch", "--quiet", "main")
    git(clone, "branch", "--quiet", "-D", BRANCH)  # a colleague's branch, never checked out here
    code, out, err = run(capsys, "branch", f"{REPO}#2", "--push", "--db", db)
    assert code == 0, err
    assert git(clone, "rev-parse", "HEAD") == work and (clone / "model.py").exists()
    assert f"from origin/{BRANCH}" in out


def test_a_refused_push_says_gits_own_error_in_one_line(
    db: str, clone: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "branch", f"{REPO}#2", "--db", db)[0] == 0  # local, from main
    git(clone, "commit", "--quiet", "--allow-empty", "-m", "a colleague's work")
    git(clone, "push", "--quiet", "origin", BRANCH)
    git(clone, "reset", "--quiet", "--hard", "main")
    git(clone, "commit", "--quiet", "--allow-empty", "-m", "mine")  # diverged from origin's
    capsys.readouterr()
    code, _out, err = run(capsys, "branch", f"{REPO}#2", "--push", "--db", db)
    assert code == 1 and one_line(err) and "rejected" in err and "hint" not in err, err


def test_remote_or_no_clone_queues_a_branch_made_on_github_from_main(
    db: str, clone: Path, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    code, out, err = run(capsys, "branch", f"{REPO}#6", "--remote", "--db", db)
    assert code == 0 and "queued: branch data/6-usage-logs from main" in out, err
    [entry] = outbox(capsys, db)
    assert (
        entry["kind"] == "branch" and entry["does"] == "create branch data/6-usage-logs from main"
    )
    sync(db)
    refs = fake.refs(REPO)
    assert refs["refs/heads/data/6-usage-logs"] == refs["refs/heads/main"]
    assert git(clone, "branch", "--list", "data/*") == ""  # the clone is left alone
    assert git(clone, "branch", "--show-current") == "main"
    assert [e for e in outbox(capsys, db) if e["state"] != "sent"] == []
    clone.rename(clone.parent / "moved")  # a clone that is no longer there: one line
    code, out, err = run(capsys, "branch", f"{REPO}#6", "--db", db)
    assert code == 1 and one_line(err) and "not a git clone" in err, (out, err)


def test_branch_without_a_clone_goes_to_github(
    db: str, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "branch", f"{REPO}#6", "--db", db)
    assert code == 0 and "on GitHub at the next sync" in out, err
    posts = fake.count("POST", path=f"/repos/{REPO}/git/refs")
    sync(db)
    sync(db)
    assert fake.count("POST", path=f"/repos/{REPO}/git/refs") == posts + 1
    assert fake.refs(REPO)["refs/heads/data/6-usage-logs"] == fake.refs(REPO)["refs/heads/main"]


def test_a_draft_has_no_branch_yet_refused_in_one_line(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import store.drafts

    # an id whose first characters are all digits reads like an issue number: still a draft
    ids = iter(["98636661" + "a" * 24, "b" * 32])
    monkeypatch.setattr(store.drafts, "new_id", lambda: next(ids))
    capsys.readouterr()
    code, out, _ = run(capsys, "new", REPO, "data", "--title", "Web logs", "--json", "--db", db)
    draft = json.loads(out)["draft"]
    for ref in (f"{REPO}#abc", f"{REPO}#{draft[:8]}"):
        code, out, err = run(capsys, "branch", ref, "--db", db)
        assert code == 2 and one_line(err) and "no number yet" in err, (ref, err)
    assert [e["kind"] for e in outbox(capsys, db)] == ["issue", "ask_item"]


# -- closing cards -------------------------------------------------------------------------------


def test_closing_an_explore_card_closes_its_pr_unmerged(
    db: str, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    code, out, err = run(capsys, "close", f"{REPO}#4", "--db", db)
    assert code == 0 and "closes PR #5 unmerged" in out and "closes #4 (completed)" in out, err
    before = len(fake.requests)
    sync(db)
    pull = fake.pull_state(REPO, 5)
    assert pull["state"] == "closed" and pull["merged"] is False
    issue = fake.issue(REPO, 4)
    assert issue["state"] == "closed" and issue["state_reason"] == "completed"
    assert writes(fake, before) == Counter({("PATCH", "/pulls/5"): 1, ("PATCH", "/issues/4"): 1})
    code, _out, err = run(capsys, "close", f"{REPO}#4", "--db", db)
    assert code == 2 and one_line(err) and "already closed" in err


def test_closing_other_cards_leaves_their_prs_open(
    db: str, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    code, out, err = run(capsys, "close", f"{REPO}#2", "--reason", "not-planned", "--db", db)
    assert code == 0 and "PR" not in out, err
    before = len(fake.requests)
    sync(db)
    issue = fake.issue(REPO, 2)
    assert issue["state"] == "closed" and issue["state_reason"] == "not_planned"
    assert fake.pull_state(REPO, 3)["state"] == "open"
    assert writes(fake, before) == Counter({("PATCH", "/issues/2"): 1})


# -- the other next steps ------------------------------------------------------------------------


def log(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    return run(capsys, "log", f"{REPO}#2", "--tldr", "AUC 0.81", *args, "--db", db)


def test_next_new_experiment_opens_an_experiment_on_the_same_ask(
    db: str, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("--outcome", "succeeded", "--next", "new-experiment", "--next-title", "Survival")
    code, _out, err = log(capsys, db, *args)
    assert code == 0, err
    sync(db)
    new = fake.issue(REPO, 7)
    assert new["title"] == "Survival" and [lb["name"] for lb in new["labels"]] == ["Experiment"]
    assert "***Ask Reference:*** #1" in new["body"]
    approaches = section(fake.issue(REPO, 1)["body"], "## Approaches and Experiments")
    assert approaches.count("#7 Survival") == 1 and approaches.count("#2 GBM on usage") == 1
    assert len(fake.issues(REPO)) == 7 and fake.pull_state(REPO, 3)["base"] == "main"


def test_next_get_data_opens_a_data_card_listed_under_datasets(
    db: str, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("--outcome", "failed", "--next", "get-data", "--next-title", "Support tickets")
    code, _out, err = log(capsys, db, *args)
    assert code == 0, err
    sync(db)
    new = fake.issue(REPO, 7)
    assert new["title"] == "Support tickets" and [lb["name"] for lb in new["labels"]] == ["Data"]
    assert "#1" in new["body"]
    datasets = section(fake.issue(REPO, 1)["body"], "### Datasets")
    assert datasets.count("#7 Support tickets") == 1


def test_next_refine_ask_leaves_one_note_on_the_ask_and_nothing_else(
    db: str, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    ask = fake.issue(REPO, 1)["body"]
    code, out, err = log(capsys, db, "--outcome", "on-hold", "--next", "refine-ask")
    assert code == 0 and "leaves a note on Ask #1" in out, err
    before = len(fake.requests)
    sync(db)
    sync(db)
    assert writes(fake, before) == Counter(
        {
            ("POST", "/issues/2/comments"): 1,  # the outcome
            ("POST", "/issues/2/labels"): 1,  # on hold
            ("POST", "/issues/1/comments"): 1,  # the note
        }
    )
    [note] = fake.comments(REPO, 1)
    assert "refine this Ask" in note["body"] and "#2" in note["body"]
    assert fake.issue(REPO, 1)["body"] == ask and len(fake.issues(REPO)) == 6


def test_next_open_model_after_a_failure_is_refused_in_one_line(
    db: str, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = log(capsys, db, "--outcome", "failed", "--next", "open-model")
    assert code == 2 and out == "" and one_line(err) and "succeeded" in err, err
    assert outbox(capsys, db) == []  # the outcome was not logged either
    before = len(fake.requests)
    sync(db)
    assert writes(fake, before) == Counter()


# -- what the outbox says ------------------------------------------------------------------------


def test_outbox_says_what_each_step_does_and_that_a_step_waits_on_a_conflict(
    db: str, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("--outcome", "succeeded", "--next", "open-model", "--next-title", "Churn model")
    assert log(capsys, db, *args)[0] == 0
    capsys.readouterr()
    _code, out, _ = run(capsys, "outbox", "--db", db)
    lines = out.strip().splitlines()
    assert len(lines) == 5, out
    for says in (
        "outcome on #2",
        "create Model issue 'Churn model'",
        "create branch model/<number>-… from main",
        "retarget PR #3 to the model branch",
        "list #2 in Ask #1's Approaches and Experiments",
    ):
        assert sum(says in line for line in lines) == 1, (says, out)
    fake.inject("POST", r"/git/refs$", Fault.status(422, {"message": "Protected ref"}))
    main(["sync", "--db", db])
    fake.clear_faults()
    entries = {e["kind"]: e for e in outbox(capsys, db)}
    branch = entries["branch"]
    assert branch["state"] == "conflict" and branch["does"].startswith("create branch model/7-")
    _code, out, _ = run(capsys, "outbox", "--db", db)
    [conflict] = [ln for ln in out.splitlines() if ln.startswith("conflict")]
    assert "Protected ref" in conflict
    [retarget] = [ln for ln in out.splitlines() if " retarget " in ln]
    assert retarget.startswith("pending") and f"(waits for {branch['id'][:8]})" in retarget


# -- editing a draft -----------------------------------------------------------------------------


def test_edit_changes_the_title_before_the_push(
    db: str, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    _code, out, _ = run(capsys, "new", REPO, "explore", "--title", "Tenure", "--json", "--db", db)
    draft = json.loads(out)["draft"]
    code, out, err = run(capsys, "new", "--edit", draft[:8], "--title", "Tenure hazard", "--db", db)
    assert code == 0 and "Tenure hazard" in out, err
    sync(db)
    assert [i["title"] for i in fake.issues(REPO) if i["number"] == 7] == ["Tenure hazard"]
    explore = section(fake.issue(REPO, 1)["body"], "## Understanding and Exploration")
    assert "#7 Tenure hazard" in explore and "Tenure\n" not in explore


def test_a_draft_whose_create_is_in_flight_cannot_be_edited(
    db: str, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    _code, out, _ = run(capsys, "new", REPO, "data", "--title", "Web logs", "--json", "--db", db)
    draft = json.loads(out)["draft"]
    fake.inject("POST", rf"^/repos/{REPO}/issues$", Fault.drop(after_apply=True))
    assert main(["sync", "--db", db]) == 1
    fake.clear_faults()
    capsys.readouterr()
    code, _out, err = run(capsys, "new", "--edit", draft[:8], "--title", "Other", "--db", db)
    assert code == 2 and one_line(err) and "may already be on GitHub" in err, err
    code, _out, err = run(capsys, "new", "--discard", draft[:8], "--db", db)
    assert code == 2 and one_line(err), err
    sync(db)
    assert [i["title"] for i in fake.issues(REPO)].count("Web logs") == 1
    assert "Other" not in [i["title"] for i in fake.issues(REPO)]


# -- PostgreSQL ----------------------------------------------------------------------------------


def test_new_card_and_open_model_on_a_postgresql_mirror(
    pg_url: str,
    fake: FakeGitHub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = world(fake, pg_url, monkeypatch)
    assert main(["new", REPO, "experiment", "--title", "Survival", "--db", db]) == 0
    args = ("--outcome", "succeeded", "--next", "open-model", "--next-title", "Churn model")
    assert log(capsys, db, *args)[0] == 0
    sync(db)
    sync(db)
    numbers = {i["title"]: i["number"] for i in fake.issues(REPO)}
    assert len(numbers) == 8 and fake.count("POST", path=f"/repos/{REPO}/issues") == 2
    model = numbers["Churn model"]
    body = fake.issue(REPO, model)["body"]
    assert "***Based on Experiment:*** #2" in body and "***Ask Reference:*** #1" in body
    assert (
        fake.refs(REPO)[f"refs/heads/model/{model}-churn-model"]
        == fake.refs(REPO)["refs/heads/main"]
    )
    assert fake.pull_state(REPO, 3)["base"] == f"model/{model}-churn-model"
    approaches = section(fake.issue(REPO, 1)["body"], "## Approaches and Experiments")
    assert approaches.count(f"#{numbers['Survival']} Survival") == 1
    assert approaches.count("#2 GBM on usage — succeeded: AUC 0.81") == 1
    assert outbox(capsys, db) == []
