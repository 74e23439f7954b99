"""The fake GitHub's write endpoints (git refs, pulls, contents directories), over real HTTP.

Driven by unmodified PyGithub where it has a call, and by plain ``urllib.request`` for the
wire details PyGithub hides (status codes, error bodies, ETag/304, the singular ``/git/ref``).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from github import Auth, Github, GithubException

try:
    from tests.fakegithub import FakeGitHub
except ImportError:  # tests/ is on sys.path but the project root is not
    from fakegithub import FakeGitHub  # type: ignore[no-redef]

REPO = "acme/churn"
TEMPLATES = ".github/ISSUE_TEMPLATE"


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub(tokens={"test-token": "octocat", "bob-token": "bob"}) as server:
        server.add_repo(REPO)
        yield server
        assert server.errors == []  # no bug in the fake answered a 500


@pytest.fixture
def gh(fake: FakeGitHub) -> Iterator[Github]:
    g = Github(
        auth=Auth.Token("test-token"),
        base_url=fake.base_url,
        per_page=100,
        retry=None,
        seconds_between_requests=None,
        seconds_between_writes=None,
    )
    yield g
    g.close()


def call(
    fake: FakeGitHub,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    token: str = "test-token",
) -> tuple[int, dict[str, str], Any]:
    """One request with urllib: (status, lower-cased headers, parsed JSON or None)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{fake.base_url}{path}", data=data, method=method)
    req.add_header("Authorization", f"token {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            status, hdrs, raw = resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        status, hdrs, raw = err.code, dict(err.headers), err.read()
    return status, {k.lower(): v for k, v in hdrs.items()}, json.loads(raw) if raw else None


def main_sha(fake: FakeGitHub) -> str:
    return fake.branches(REPO)["main"]


# --------------------------------------------------------------------------- git refs


def test_create_ref_makes_a_branch_and_duplicates_are_refused(fake: FakeGitHub, gh: Github) -> None:
    repo = gh.get_repo(REPO)
    sha = repo.get_branch("main").commit.sha
    ref = repo.create_git_ref("refs/heads/model/12-churn", sha)
    assert (ref.ref, ref.object.sha, ref.object.type) == (
        "refs/heads/model/12-churn",
        sha,
        "commit",
    )
    assert ref.url == f"{fake.base_url}/repos/{REPO}/git/refs/heads/model/12-churn"
    assert repo.get_branch("model/12-churn").commit.sha == sha
    assert {b.name for b in repo.get_branches()} == {"main", "model/12-churn"}
    assert fake.refs(REPO) == {"refs/heads/main": sha, "refs/heads/model/12-churn": sha}

    with pytest.raises(GithubException) as err:
        repo.create_git_ref("refs/heads/model/12-churn", sha)
    assert err.value.status == 422 and err.value.data["message"] == "Reference already exists"

    status, _, body = call(
        fake, "POST", f"/repos/{REPO}/git/refs", {"ref": "refs/heads/x", "sha": "f" * 40}
    )
    assert (status, body["message"]) == (422, "Object does not exist")
    status, _, body = call(fake, "POST", f"/repos/{REPO}/git/refs", {"ref": "refs/heads/x"})
    assert status == 422 and '"sha" wasn\'t supplied' in body["message"]
    assert fake.count("POST", path=f"/repos/{REPO}/git/refs") == 4
    assert fake.count("POST", path=f"/repos/{REPO}/git/refs", status=201) == 1


def test_get_ref_singular_matching_refs_and_delete(fake: FakeGitHub, gh: Github) -> None:
    sha = main_sha(fake)
    fake.create_branch(REPO, "model/12-churn")
    fake.create_branch(REPO, "model/13-drift")
    fake.create_branch(REPO, "explore/4-eda")
    base = f"/repos/{REPO}/git"

    status, hdrs, body = call(fake, "GET", f"{base}/ref/heads/model/12-churn")
    assert status == 200 and body["ref"] == "refs/heads/model/12-churn" and "etag" in hdrs
    assert body["object"] == {
        "sha": sha,
        "type": "commit",
        "url": f"{fake.base_url}/repos/{REPO}/git/commits/{sha}",
    }
    assert call(fake, "GET", f"{base}/ref/heads/model/99")[0] == 404
    assert call(fake, "GET", f"{base}/ref/heads/model")[0] == 404  # exact only
    status, _, listed = call(fake, "GET", f"{base}/refs/heads/model")  # legacy: a namespace
    assert status == 200 and [r["ref"] for r in listed] == [
        "refs/heads/model/12-churn",
        "refs/heads/model/13-drift",
    ]
    status, _, matching = call(fake, "GET", f"{base}/matching-refs/heads/model/1")
    assert status == 200 and len(matching) == 2
    status, _, none = call(fake, "GET", f"{base}/matching-refs/heads/nothing")
    assert (status, none) == (200, [])  # a list, empty, never a 404

    repo = gh.get_repo(REPO)
    assert repo.get_git_ref("heads/model/12-churn").object.sha == sha
    assert [r.ref for r in repo.get_git_matching_refs("heads/model/")] == [
        "refs/heads/model/12-churn",
        "refs/heads/model/13-drift",
    ]
    assert len(list(repo.get_git_refs())) == 4

    status, _, body = call(fake, "DELETE", f"{base}/refs/heads/model/12-churn")
    assert (status, body) == (204, None)
    status, _, body = call(fake, "DELETE", f"{base}/refs/heads/model/12-churn")
    assert (status, body["message"]) == (422, "Reference does not exist")
    with pytest.raises(GithubException) as err:
        repo.get_branch("model/12-churn")
    assert err.value.status == 404
    repo.get_git_ref("heads/model/13-drift").delete()  # PyGithub deletes via /git/ref/...
    assert set(fake.branches(REPO)) == {"main", "explore/4-eda"}
    # The deleted branch's commit still exists: a ref can be made at it again.
    assert call(fake, "POST", f"{base}/refs", {"ref": "refs/heads/again", "sha": sha})[0] == 201


# --------------------------------------------------------------------------- pulls


def test_post_pulls_validates_branches_and_duplicates(fake: FakeGitHub, gh: Github) -> None:
    fake.add_issue(REPO, "Experiment: does xgb beat the baseline?")
    fake.create_branch(REPO, "experiment/1-xgb")
    repo = gh.get_repo(REPO)
    pr = repo.create_pull(base="main", head="experiment/1-xgb", title="XGB", body="Refs #1")
    assert pr.number == 2  # PRs share the issue number sequence
    assert (pr.state, pr.merged, pr.draft, pr.base.ref, pr.head.ref) == (
        "open",
        False,
        False,
        "main",
        "experiment/1-xgb",
    )
    assert pr.user.login == "octocat"
    assert repo.get_issue(2).pull_request is not None

    pulls = f"/repos/{REPO}/pulls"
    status, hdrs, body = call(
        fake, "POST", pulls, {"title": "again", "head": "acme:experiment/1-xgb", "base": "main"}
    )
    assert status == 422 and body["errors"][0]["message"] == (
        "A pull request already exists for acme:experiment/1-xgb."
    )
    status, _, body = call(fake, "POST", pulls, {"title": "t", "head": "nope", "base": "main"})
    assert status == 422 and body["message"] == "Validation Failed"
    assert body["errors"] == [{"resource": "PullRequest", "code": "invalid", "field": "head"}]
    status, _, body = call(
        fake, "POST", pulls, {"title": "t", "head": "experiment/1-xgb", "base": "nope"}
    )
    assert status == 422 and body["errors"][0]["field"] == "base"
    fake.create_branch(REPO, "explore/3-eda")
    status, hdrs, body = call(
        fake,
        "POST",
        pulls,
        {"title": "EDA", "head": "explore/3-eda", "base": "main", "draft": True},
        token="bob-token",
    )
    assert status == 201 and hdrs["location"] == body["url"] and body["number"] == 3
    assert body["draft"] is True and body["user"]["login"] == "bob"
    assert fake.count("POST", path=pulls, status=201) == 2


def test_patch_pull_retargets_closes_and_guards(fake: FakeGitHub, gh: Github) -> None:
    n = fake.open_pull(REPO, "model/5-churn", "main", "Model: churn", "Refs #4")
    fake.create_branch(REPO, "experiment/4-xgb")
    pr = gh.get_repo(REPO).get_pull(n)
    before = pr.updated_at

    pr.edit(base="experiment/4-xgb", maintainer_can_modify=True)
    assert fake.pull_state(REPO, n)["base"] == "experiment/4-xgb"
    assert fake.pull_state(REPO, n)["maintainer_can_modify"] is True
    pr = gh.get_repo(REPO).get_pull(n)
    assert pr.base.ref == "experiment/4-xgb" and pr.updated_at > before

    status, _, body = call(fake, "PATCH", f"/repos/{REPO}/pulls/{n}", {"base": "gone"})
    assert status == 422 and body["errors"][0]["field"] == "base"

    status, _, body = call(
        fake, "PATCH", f"/repos/{REPO}/pulls/{n}", {"state": "closed", "title": "Abandoned"}
    )
    assert status == 200 and (body["state"], body["merged"], body["title"]) == (
        "closed",
        False,
        "Abandoned",
    )
    assert body["closed_at"] is not None and body["merged_at"] is None
    state = fake.pull_state(REPO, n)
    assert (state["state"], state["merged"]) == ("closed", False)
    # The issues list sees the change (caches invalidated): closed, not merged.
    (issue,) = list(gh.get_repo(REPO).get_issues(state="closed"))
    assert issue._rawData["pull_request"]["merged_at"] is None

    status, _, body = call(fake, "PATCH", f"/repos/{REPO}/pulls/{n}", {"base": "main"})
    assert status == 422 and body["errors"][0]["message"] == (
        "Cannot change the base branch of a closed pull request."
    )
    status, _, body = call(fake, "PATCH", f"/repos/{REPO}/pulls/{n}", {"state": "open"})
    assert status == 200 and body["state"] == "open" and body["closed_at"] is None


def test_merge_pull(fake: FakeGitHub, gh: Github) -> None:
    n = fake.open_pull(REPO, "explore/2-eda", "main", "Explore: EDA", None)
    old_head = fake.pull_state(REPO, n)["head_sha"]
    new_head = fake.push_commit(REPO, "explore/2-eda")
    url = f"/repos/{REPO}/pulls/{n}/merge"

    status, _, body = call(fake, "PUT", url, {"sha": old_head})
    assert status == 409 and body["message"].startswith("Head branch was modified")
    assert call(fake, "GET", url)[0] == 404  # "check if merged": not yet

    pr = gh.get_repo(REPO).get_pull(n)
    result = pr.merge(sha=new_head)
    assert result.merged is True and result.message == "Pull Request successfully merged"
    state = fake.pull_state(REPO, n)
    assert (state["state"], state["merged"], state["merged_by"]) == ("closed", True, "octocat")
    assert main_sha(fake) == result.sha  # the base branch moved to the merge commit
    pr = gh.get_repo(REPO).get_pull(n)
    assert pr.merged and pr.merged_by.login == "octocat" and pr.merge_commit_sha == result.sha
    assert pr.is_merged() is True  # GET .../merge answers 204

    status, _, body = call(fake, "PUT", url, {})
    assert (status, body["message"]) == (405, "Pull Request is not mergeable")
    status, _, body = call(fake, "PATCH", f"/repos/{REPO}/pulls/{n}", {"state": "open"})
    assert status == 422
    closed = fake.open_pull(REPO, "explore/3-more", "main", "More", None)
    call(fake, "PATCH", f"/repos/{REPO}/pulls/{closed}", {"state": "closed"})
    status, _, body = call(fake, "PUT", f"/repos/{REPO}/pulls/{closed}/merge", {})
    assert (status, body["message"]) == (405, "Pull Request is not mergeable")


def test_deleting_a_head_branch_closes_its_open_pull(fake: FakeGitHub) -> None:
    n = fake.open_pull(REPO, "data/7-ingest", "main", "Data: ingest", None)
    fake.delete_branch(REPO, "data/7-ingest")
    assert fake.pull_state(REPO, n)["state"] == "closed"
    status, _, body = call(fake, "PATCH", f"/repos/{REPO}/pulls/{n}", {"state": "open"})
    assert status == 422 and body["errors"][0]["field"] == "state"


# --------------------------------------------------------------------------- contents


def test_contents_directory_listing_etag_and_304(fake: FakeGitHub, gh: Github) -> None:
    fake.put_files(
        REPO,
        {
            f"{TEMPLATES}/Experiment.md": "---\nname: Experiment\nlabels: Experiment\n---\n",
            f"{TEMPLATES}/Ask.md": "---\nname: Ask\n---\n",
            f"{TEMPLATES}/nested/deep.md": "deep",
            ".github/dslp.yml": "gates: {}\n",
        },
    )
    path = f"/repos/{REPO}/contents/{TEMPLATES}"
    status, hdrs, listing = call(fake, "GET", path)
    assert status == 200 and isinstance(listing, list)
    assert [(e["type"], e["name"]) for e in listing] == [
        ("file", "Ask.md"),
        ("file", "Experiment.md"),
        ("dir", "nested"),
    ]
    exp = listing[1]
    assert "content" not in exp and exp["path"] == f"{TEMPLATES}/Experiment.md"
    assert set(exp) >= {"sha", "size", "url", "html_url", "git_url", "download_url", "_links"}
    assert exp["_links"] == {"self": exp["url"], "git": exp["git_url"], "html": exp["html_url"]}
    etag = hdrs["etag"]

    status, hdrs304, body = call(fake, "GET", path, headers={"If-None-Match": etag})
    assert (status, body) == (304, None) and hdrs304["etag"] == etag

    # A file answers the object with base64 content, with its own ETag and 304.
    status, fh, one = call(fake, "GET", f"{path}/Experiment.md")
    assert status == 200 and one["encoding"] == "base64" and one["sha"] == exp["sha"]
    assert (
        call(fake, "GET", f"{path}/Experiment.md", headers={"If-None-Match": fh["etag"]})[0] == 304
    )

    # PyGithub: a list of ContentFile for a directory, decoded content for a file.
    repo = gh.get_repo(REPO)
    names = [c.name for c in repo.get_contents(TEMPLATES)]  # type: ignore[union-attr]
    assert names == ["Ask.md", "Experiment.md", "nested"]
    exp_file = repo.get_contents(f"{TEMPLATES}/Experiment.md")
    assert exp_file.decoded_content.decode().startswith("---\nname: Experiment")  # type: ignore[union-attr]

    # Any change below the directory (even two levels down) changes its ETag.
    fake.put_file(REPO, f"{TEMPLATES}/nested/deep.md", "deeper")
    status, hdrs2, _ = call(fake, "GET", path, headers={"If-None-Match": etag})
    assert status == 200 and hdrs2["etag"] != etag
    fake.put_file(REPO, ".github/dslp.yml", "gates: {deploy: {}}\n")  # outside: same listing
    assert call(fake, "GET", path, headers={"If-None-Match": hdrs2["etag"]})[0] == 304
    fake.remove_file(REPO, f"{TEMPLATES}/Ask.md")
    status, hdrs3, listing = call(fake, "GET", path, headers={"If-None-Match": hdrs2["etag"]})
    assert status == 200 and hdrs3["etag"] != hdrs2["etag"] and len(listing) == 2
    assert call(fake, "GET", f"/repos/{REPO}/contents/.github/NOPE")[0] == 404


# --------------------------------------------------------------------------- issues, search


def test_exactly_once_search_by_creator(fake: FakeGitHub) -> None:
    fake.add_issue(REPO, "by alice", user="alice")
    issues = f"/repos/{REPO}/issues"
    status, _, made = call(fake, "POST", issues, {"title": "Ask: churn?"}, token="bob-token")
    assert status == 201 and made["user"]["login"] == "bob"
    fake.tick(60)
    since = fake.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    call(fake, "POST", issues, {"title": "Data: pull orders"}, token="bob-token")
    query = "creator=BOB&state=all&sort=created&direction=desc&per_page=100"
    status, _, found = call(fake, "GET", f"{issues}?{query}")
    assert status == 200 and [i["title"] for i in found] == ["Data: pull orders", "Ask: churn?"]
    status, _, recent = call(fake, "GET", f"{issues}?{query}&since={since}")
    assert [i["title"] for i in recent] == ["Data: pull orders"]
    assert fake.count("POST", path=issues) == 2
    assert fake.count("POST", path_prefix=issues) == 2
