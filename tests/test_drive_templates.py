"""The repository's issue templates behind `dslp new`: read at sync through the contents API
(a 304 when nothing changed, a changed file fetched again), the built-in skeleton when there
are none or one is broken (with one `warning:` line), and the local clone's copy first. Also
the request cost of one `dslp new` + sync against an unchanged re-sync (printed with -s)."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import pytest

from dslp_tui.cli import main
from store.templates import builtin_template
from tests.fakegithub import FakeGitHub
from tests.test_drive import REPO, TOKEN, run
from tests.test_drive_more import sync, world, writes

TEMPLATES = f"/repos/{REPO}/contents/.github/ISSUE_TEMPLATE"
EXPERIMENT = ".github/ISSUE_TEMPLATE/Experiment.md"
SKELETON = "The approach tried here and what it should improve."  # the built-in Experiment's


@pytest.fixture
def db(tmp_path: Path, fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> str:
    """acme/churn mirrored, with the DSLP templates (tests.test_drive_more.world)."""
    return world(fake, str(tmp_path / "m.db"), monkeypatch)


def template_reads(fake: FakeGitHub, since: int) -> list[tuple[str, int]]:
    return [
        (r.path.removeprefix(TEMPLATES), r.status)
        for r in fake.requests[since:]
        if r.method == "GET" and r.path.startswith(TEMPLATES)
    ]


def new_experiment(
    capsys: pytest.CaptureFixture[str], db: str, title: str, repo: str = REPO
) -> str:
    """`dslp new REPO experiment`, then a sync; returns what `new` said on stderr."""
    capsys.readouterr()
    code, _out, err = run(capsys, "new", repo, "experiment", "--title", title, "--db", db)
    assert code == 0, err
    sync(db)
    return err


def body_of(fake: FakeGitHub, title: str, repo: str = REPO) -> str:
    [issue] = [i for i in fake.issues(repo) if i["title"] == title]
    return str(issue["body"])


def test_an_unchanged_resync_reads_the_templates_with_one_304(
    db: str,
    fake: FakeGitHub,
) -> None:
    start = len(fake.requests)
    sync(db)
    assert template_reads(fake, start) == [("", 304)]


def test_a_changed_template_is_fetched_again_and_used_by_the_next_new(
    db: str,
    fake: FakeGitHub,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = "---\nname: Experiment\nlabels: Experiment\n---\n## Hypothesis\n\n***Ask Reference:***\n"
    fake.put_file(REPO, EXPERIMENT, text)
    start = len(fake.requests)
    sync(db)
    assert template_reads(fake, start) == [("", 200), ("/Experiment.md", 200)]  # that file only
    new_experiment(capsys, db, "Cox model")
    body = body_of(fake, "Cox model")
    assert (
        body.startswith("## Hypothesis\n\n***Ask Reference:*** #1\n") and "## Metrics" not in body
    )


def test_a_repo_without_templates_gets_the_built_in_skeleton_with_its_ask(
    tmp_path: Path,
    fake: FakeGitHub,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bare = "acme/bare"
    fake.add_repo(bare)
    fake.add_issue(bare, "Upsell", body="## Problem Statement\n", labels=["Ask"])  # 1
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    mirror = str(tmp_path / "b.db")
    assert main(["repo", "add", bare, "--db", mirror, "--api-url", fake.base_url]) == 0
    sync(mirror)
    start = len(fake.requests)
    sync(mirror)
    assert template_reads(fake, start) == []  # no folder, no push since: not asked again
    err = new_experiment(capsys, mirror, "Uplift model", bare)
    assert err == ""
    body = body_of(fake, "Uplift model", bare)
    assert "***Ask Reference:*** #1" in body and SKELETON in body and "## Metrics" in body
    assert [lb["name"] for lb in fake.issue(bare, 2)["labels"]] == ["Experiment"]
    assert builtin_template("experiment").body.count("## ") == 4  # the skeleton's sections


def test_a_malformed_template_warns_in_one_line_and_the_skeleton_is_used(
    db: str,
    fake: FakeGitHub,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake.put_file(REPO, EXPERIMENT, "---\nname: [Experiment\nlabels: Experiment\n---\n## Mine\n")
    sync(db)
    err = new_experiment(capsys, db, "Cox model")
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: "), err
    assert "Experiment.md" in lines[0] and "built-in" in lines[0]
    body = body_of(fake, "Cox model")
    assert SKELETON in body and "## Mine" not in body and "***Ask Reference:*** #1" in body


def test_the_local_clones_template_beats_the_mirrors_copy(
    db: str,
    fake: FakeGitHub,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    work = tmp_path / "clone"
    subprocess.run(["git", "init", "--quiet", str(work)], check=True)
    folder = work / ".github" / "ISSUE_TEMPLATE"
    folder.mkdir(parents=True)
    (folder / "Experiment.md").write_text(
        "---\nlabels: Experiment\n---\n## From the clone\n\n***Ask Reference:*** #ask\n"
    )
    assert main(["repo", "add", REPO, "--path", str(work), "--db", db]) == 0
    err = new_experiment(capsys, db, "Cox model")
    assert err == ""
    body = body_of(fake, "Cox model")
    assert body.startswith("## From the clone\n\n***Ask Reference:*** #1\n")
    assert "## Metrics" not in body  # the mirror's (GitHub's) copy has it


# -- the request cost of one new card ------------------------------------------------------------


def test_request_cost_of_one_new_card_against_an_unchanged_resync(
    db: str, fake: FakeGitHub
) -> None:
    start = len(fake.requests)
    sync(db)
    plain = fake.requests[start:]
    assert writes(fake, start) == Counter()
    assert main(["new", REPO, "experiment", "--title", "Survival", "--db", db]) == 0
    start = len(fake.requests)
    sync(db)
    with_card = fake.requests[start:]
    assert writes(fake, start) == Counter({("POST", "/issues"): 1, ("PATCH", "/issues/1"): 1})
    plain_304 = sum(r.status == 304 for r in plain)
    card_304 = sum(r.status == 304 for r in with_card)
    print(  # the note's figures (pytest -s)
        f"\nrequest cost: unchanged re-sync {len(plain)} requests ({plain_304} were 304); "
        f"`dslp new` + sync {len(with_card)} requests ({card_304} were 304), "
        "of which 2 writes (POST /issues, PATCH of the Ask): "
        + ", ".join(
            f"{r.method} {r.path.removeprefix('/repos/' + REPO)} {r.status}" for r in with_card
        )
    )
    assert len(with_card) > len(plain)
