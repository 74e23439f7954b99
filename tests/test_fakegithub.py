"""The fake GitHub server, driven by unmodified PyGithub, so other tests can trust it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import requests
from github import Auth, Github, GithubException
from github.GithubException import (
    BadCredentialsException,
    RateLimitExceededException,
    UnknownObjectException,
)
from urllib3.util import Retry

try:
    from tests.fakegithub import FakeGitHub, Fault, RequestRecord
except ImportError:  # tests/ is on sys.path but the project root is not
    from fakegithub import FakeGitHub, Fault, RequestRecord  # type: ignore[no-redef]

REPO = "acme/churn"


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        server.add_repo(REPO)
        yield server


def client(fake: FakeGitHub, token: str = "test-token", **kwargs: object) -> Github:
    """PyGithub without retries or throttling sleeps, as the app's tests should use it."""
    options: dict[str, object] = dict(
        per_page=100, retry=None, seconds_between_requests=None, seconds_between_writes=None
    )
    options.update(kwargs)
    return Github(auth=Auth.Token(token), base_url=fake.base_url, **options)  # type: ignore[arg-type]


@pytest.fixture
def gh(fake: FakeGitHub) -> Iterator[Github]:
    g = client(fake)
    yield g
    g.close()


def seed_250(fake: FakeGitHub) -> None:
    for i in range(200):
        fake.add_issue(REPO, f"issue {i}", body=None if i % 3 == 0 else f"body {i}", labels=["Ask"])
    for i in range(50):
        fake.add_pull(REPO, f"pr {i}", head=f"experiment/{i + 1}-xgb", merged=i % 2 == 0)


# --------------------------------------------------------------------------- happy paths


def test_repo_and_issue_pagination(fake: FakeGitHub, gh: Github) -> None:
    seed_250(fake)
    repo = gh.get_repo(REPO)
    assert repo.full_name == REPO and repo.default_branch == "main"
    fake.reset_log()

    issues = list(repo.get_issues(state="all"))

    assert len(issues) == 250
    assert fake.count("GET", f"/repos/{REPO}/issues") == 3
    pages = [r for r in fake.requests if r.path == f"/repos/{REPO}/issues"]
    assert [r.query.get("page") for r in pages] == [None, "2", "3"]
    # Use _rawData: .raw_data and .pull_request on a list item trigger a GET (lazy completion).
    prs = [i for i in issues if "pull_request" in i._rawData]
    assert len(prs) == 50
    assert set(prs[0]._rawData["pull_request"]) >= {"url", "html_url", "diff_url", "merged_at"}
    assert sum(1 for i in issues if i._rawData["body"] is None) == 67 + 50
    assert fake.count() == 3  # nothing above completed lazily
    assert [i.number for i in issues[:3]] == [250, 249, 248]  # created desc by default


def test_link_header_shape(fake: FakeGitHub) -> None:
    seed_250(fake)
    s = requests.Session()
    s.headers["Authorization"] = "Bearer test-token"
    url = f"{fake.base_url}/repos/{REPO}/issues?state=all&per_page=100"
    first = s.get(url)
    assert first.links["next"]["url"].endswith("page=2")
    assert first.links["last"]["url"].endswith("page=3")
    assert first.links["next"]["url"].startswith(fake.base_url)
    last = s.get(url + "&page=3")
    assert "next" not in last.links and last.links["prev"]["url"].endswith("page=2")
    assert len(last.json()) == 50
    assert last.headers["X-RateLimit-Resource"] == "core"
    assert fake.connections == 1  # keep-alive: one TCP connection for both


def test_labels_create_edit_and_duplicate(fake: FakeGitHub, gh: Github) -> None:
    repo = gh.get_repo(REPO)
    label = repo.create_label("on hold", "ededed", "waiting")
    assert label.url == f"{fake.base_url}/repos/{REPO}/labels/on%20hold"

    repo.get_label("on hold").edit("paused", "ff0000", "not now")

    patch = fake.requests[-1]
    assert patch.method == "PATCH" and patch.path == f"/repos/{REPO}/labels/on%20hold"
    assert {lb["name"]: lb["color"] for lb in fake.labels(REPO)} == {"paused": "ff0000"}
    with pytest.raises(GithubException) as err:
        repo.create_label("Paused", "00ff00")
    assert err.value.status == 422
    assert err.value.data["errors"][0]["code"] == "already_exists"


def test_issue_edit_labels_and_comments(fake: FakeGitHub, gh: Github) -> None:
    fake.add_label(REPO, "Data", "0e8a16")
    created = fake.add_issue(REPO, "Get data", labels=["Data"])
    assert created["body"] is None and created["labels"][0]["color"] == "0e8a16"
    issue = gh.get_repo(REPO).get_issue(1)
    fake.set_now("2024-06-01T12:00:00Z")

    issue.edit(state="closed", labels=["Model"], body="done")
    issue.add_to_labels("Data")
    issue.remove_from_labels("Model")
    comment = issue.create_comment("Outcome: accepted <!-- dslp:1 -->")

    now = fake.issue(REPO, 1)
    assert now["state"] == "closed" and now["state_reason"] == "completed"
    assert now["closed_at"] == "2024-06-01T12:00:00Z"
    assert [lb["name"] for lb in now["labels"]] == ["Data"]
    assert now["comments"] == 1 and now["updated_at"] == "2024-06-01T12:00:03Z"
    assert comment.user.login == "octocat"
    assert comment.html_url.endswith(f"/issues/1#issuecomment-{comment.id}")
    assert fake.count_comments(REPO, 1, "dslp:1") == 1
    assert [c.body for c in issue.get_comments()] == ["Outcome: accepted <!-- dslp:1 -->"]


def test_since_sort_and_label_filters(fake: FakeGitHub, gh: Github) -> None:
    for i in range(5):
        fake.add_issue(REPO, f"i{i}", labels=["Ask"] if i % 2 else ["Data"])
    cut = fake.now()
    fake.update_issue(REPO, 2, title="touched")
    fake.add_comment(REPO, 4, "bumps updated_at too")
    repo = gh.get_repo(REPO)

    changed = repo.get_issues(state="all", since=cut, sort="updated", direction="asc")
    assert [i.number for i in changed] == [2, 4]
    assert [i.number for i in repo.get_issues(labels=["Data"], direction="asc")] == [1, 3, 5]
    comments = repo.get_issues_comments(sort="updated", direction="desc", since=cut)
    assert [c.body for c in comments] == ["bumps updated_at too"]


def test_pulls_branches_and_repository_id_alias(fake: FakeGitHub, gh: Github) -> None:
    fake.add_branch(REPO, "experiment/12-xgb", "a" * 40)
    fake.add_pull(REPO, "XGB", head="experiment/12-xgb", labels=["Experiment"], draft=True)
    fake.add_pull(REPO, "Old", head="model/3-lstm", merged=True)
    repo = gh.get_repo(REPO)

    pulls = list(repo.get_pulls(state="all", sort="updated", direction="desc"))
    assert [(p.number, p.head.ref, p.draft) for p in pulls] == [
        (2, "model/3-lstm", False),
        (1, "experiment/12-xgb", True),
    ]
    assert pulls[0].merged_at is not None and pulls[1].head.sha == "a" * 40
    assert repo.get_pull(2).merged is True
    assert {b.name for b in repo.get_branches()} == {"main", "experiment/12-xgb"}
    status, _, body = gh.requester.requestJson(
        "GET", f"/repositories/{repo.id}/issues", {"state": "all"}
    )
    assert status == 200 and len(json.loads(body)) == 2


def test_user_and_rate_limit(fake: FakeGitHub, gh: Github) -> None:
    assert gh.get_user().login == "octocat"
    core = gh.get_rate_limit().resources.core
    assert core.limit == 5000 and core.remaining == 4999  # /user counted, /rate_limit not
    assert gh.rate_limiting == (4999, 5000)


def test_bulk_generate_is_realistic(fake: FakeGitHub) -> None:
    numbers = fake.bulk_generate("acme/big", 10_000, seed=7)
    assert numbers == list(range(1, 10_001))
    issues = [fake.issue("acme/big", n) for n in range(1, 201)]
    prs = [i for i in issues if "pull_request" in i]
    assert prs and any(i["body"] is None for i in issues)
    assert {lb["name"] for i in issues for lb in i["labels"]} >= {"Ask", "Data", "Model"}
    assert all("/" in fake.pull("acme/big", p["number"])["head"]["ref"] for p in prs)
    assert fake.bulk_generate("acme/big2", 50, seed=7) == list(range(1, 51))
    assert fake.issue("acme/big2", 9)["title"] == fake.issue("acme/big", 9)["title"]


def test_every_page_of_100_is_served_whole(fake: FakeGitHub) -> None:
    # Speed is the benchmarks' business (bench/bench_sync.py), never a timed test.
    fake.bulk_generate(REPO, 2_000, seed=1)
    s = requests.Session()
    s.headers["Authorization"] = "token test-token"
    url = f"{fake.base_url}/repos/{REPO}/issues?state=all&per_page=100&page="
    seen = [item["number"] for page in range(1, 21) for item in s.get(url + str(page)).json()]
    assert sorted(seen) == list(range(1, 2_001))


# --------------------------------------------------------------------------- errors and 304


def test_bad_token_and_not_found(fake: FakeGitHub, gh: Github) -> None:
    with pytest.raises(BadCredentialsException):
        client(fake, token="nope").get_repo(REPO)
    with pytest.raises(UnknownObjectException):
        gh.get_repo("acme/missing")
    with pytest.raises(UnknownObjectException):
        gh.get_repo(REPO).get_issue(99)
    assert fake.count(status=401) == 1 and fake.count(status=404) == 2
    assert requests.get(f"{fake.base_url}/nope", timeout=5).status_code == 401


def test_conditional_requests_304(fake: FakeGitHub, gh: Github) -> None:
    fake.add_issue(REPO, "cache me")
    url = f"/repos/{REPO}/issues"
    headers, data = gh.requester.requestJsonAndCheck("GET", url, parameters={"state": "all"})
    etag = headers["etag"]  # PyGithub lower-cases header names
    assert etag.startswith('W/"') and "last-modified" in headers and len(data) == 1
    used = fake.rate_used

    status, h304, body = gh.requester.requestJson(
        "GET", url, parameters={"state": "all"}, headers={"If-None-Match": etag}
    )
    assert (status, body) == (304, "") and "link" not in h304
    # requestJsonAndCheck hides the status: a 304 comes back as data None.
    _, none = gh.requester.requestJsonAndCheck(
        "GET", url, parameters={"state": "all"}, headers={"If-None-Match": etag}
    )
    assert none is None
    assert fake.rate_used == used and fake.count(status=304) == 2

    issue = gh.get_repo(REPO).get_issue(1)
    assert issue.update() is False  # conditional GET with the object's ETag
    fake.update_issue(REPO, 1, title="changed")
    assert issue.update() is True and issue.title == "changed"


def test_deleted_and_transferred_issues(fake: FakeGitHub, gh: Github) -> None:
    fake.add_issue(REPO, "doomed")
    fake.add_issue(REPO, "moving", labels=["Ask"])
    fake.add_comment(REPO, 2, "travels along")
    fake.delete_issue(REPO, 1)
    moved = fake.transfer_issue(REPO, 2, "acme/other")
    repo = gh.get_repo(REPO)

    with pytest.raises(GithubException) as err:
        repo.get_issue(1)
    assert err.value.status == 410
    issue = repo.get_issue(2)  # PyGithub follows the 301
    assert issue.repository_url == moved["repository_url"] == f"{fake.base_url}/repos/acme/other"
    assert fake.count(status=301) == 1
    assert [i.number for i in repo.get_issues(state="all")] == []


# --------------------------------------------------------------------------- fault injection


def test_injected_503_then_success(fake: FakeGitHub, gh: Github) -> None:
    fake.add_issue(REPO, "x")
    fake.inject("GET", rf"^/repos/{REPO}/issues$", Fault.status(503), times=1)
    repo = gh.get_repo(REPO)
    with pytest.raises(GithubException) as err:
        list(repo.get_issues())
    assert err.value.status == 503 and err.value.data["message"] == "Service Unavailable"
    assert len(list(repo.get_issues())) == 1
    assert not fake.pending_faults


def test_urllib3_retry_rides_over_a_502_burst(fake: FakeGitHub) -> None:
    fake.add_issue(REPO, "x")
    inj = fake.inject(None, r"/issues$", Fault.status(502, "<html>Bad gateway</html>"), times=2)
    g = client(fake, retry=Retry(total=3, status_forcelist=[502], backoff_factor=0))
    assert len(list(g.get_repo(REPO).get_issues())) == 1
    assert inj.hits == 2 and fake.count("GET", f"/repos/{REPO}/issues") == 3


def test_rate_limit_faults(fake: FakeGitHub, gh: Github) -> None:
    repo = gh.get_repo(REPO)
    fake.inject("GET", r"/issues$", Fault.rate_limited(reset_in=30))
    with pytest.raises(RateLimitExceededException) as err:
        list(repo.get_issues())
    assert (err.value.headers or {})["x-ratelimit-remaining"] == "0"

    fake.inject("GET", r"/issues$", Fault.too_many_requests())
    with pytest.raises(GithubException) as err429:
        list(repo.get_issues())
    assert type(err429.value) is GithubException and err429.value.status == 429

    fake.inject("GET", r"/issues$", Fault.too_many_requests(retry_after=7))
    with pytest.raises(GithubException) as err_after:
        list(repo.get_issues())
    assert (err_after.value.headers or {})["retry-after"] == "7"

    fake.inject("POST", r"/labels$", Fault.forbidden())
    with pytest.raises(GithubException) as err403:
        repo.create_label("x", "ffffff")
    assert type(err403.value) is GithubException and err403.value.status == 403


def test_quota_runs_out(fake: FakeGitHub, gh: Github) -> None:
    fake.set_rate_limit(limit=3, remaining=2)
    repo = gh.get_repo(REPO)
    list(repo.get_issues())
    with pytest.raises(RateLimitExceededException):
        list(repo.get_issues())
    assert gh.rate_limiting == (0, 3)


def test_drop_and_broken_json(fake: FakeGitHub, gh: Github) -> None:
    fake.add_issue(REPO, "x")
    repo = gh.get_repo(REPO)
    fake.inject("GET", r"/issues$", Fault.drop())
    with pytest.raises(requests.exceptions.RequestException):
        list(repo.get_issues())
    fake.inject("GET", r"/issues$", Fault.drop(partial=False))
    with pytest.raises(requests.exceptions.ConnectionError):
        list(repo.get_issues())
    fake.inject("GET", r"/issues$", Fault.truncated_json())
    with pytest.raises(ValueError):
        list(repo.get_issues())
    fake.inject("GET", r"/issues$", Fault.invalid_json())
    with pytest.raises(ValueError):
        list(repo.get_issues())
    assert len(list(repo.get_issues())) == 1
    assert [r.fault for r in fake.requests[-5:]] == [
        "drop",
        "drop",
        "truncated_json",
        "invalid_json",
        None,
    ]


def test_write_applied_but_reply_lost(fake: FakeGitHub, gh: Github) -> None:
    fake.add_issue(REPO, "x")
    issue = gh.get_repo(REPO).get_issue(1)
    fake.inject("POST", r"/issues/1/comments$", Fault.drop(after_apply=True))
    with pytest.raises(requests.exceptions.RequestException):
        issue.create_comment("outcome <!-- key:abc -->")
    assert fake.count_comments(REPO, 1, "key:abc") == 1  # the server did apply it

    seen: list[RequestRecord] = []

    def crash(record: RequestRecord) -> None:
        seen.append(record)
        raise RuntimeError("process killed after the write")

    fake.inject("PATCH", r"/issues/1$", Fault.after(crash))
    with pytest.raises(requests.exceptions.ConnectionError):
        issue.edit(title="renamed")
    assert fake.issue(REPO, 1)["title"] == "renamed"
    assert seen[0].json == {"title": "renamed"} and seen[0].status == 200
    assert isinstance(fake.errors[-1], RuntimeError)


def test_faults_match_in_order_and_are_consumed(fake: FakeGitHub, gh: Github) -> None:
    fake.inject("GET", r"/issues", Fault.status(500), times=2)
    fake.inject("GET", r"/issues", Fault.status(504))
    repo = gh.get_repo(REPO)
    statuses = []
    for _ in range(4):
        try:
            list(repo.get_issues())
            statuses.append(200)
        except GithubException as exc:
            statuses.append(exc.status)
    assert statuses == [500, 500, 504, 200]


def test_request_log_and_concurrent_writes(fake: FakeGitHub) -> None:
    fake.add_issue(REPO, "x")
    url = f"{fake.base_url}/repos/{REPO}/issues/1/comments"
    headers = {"Authorization": "token test-token"}

    def post(i: int) -> int:
        return requests.post(url, json={"body": f"c{i}"}, headers=headers, timeout=5).status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(post, range(40))) == {201}
    assert fake.count("POST", f"/repos/{REPO}/issues/1/comments", 201) == 40
    assert fake.count_comments(REPO, 1) == 40 and fake.issue(REPO, 1)["comments"] == 40
    assert fake.requests[0].json["body"].startswith("c")
    fake.reset_log()
    assert fake.count() == 0


def test_clock_is_controlled_and_monotonic(fake: FakeGitHub) -> None:
    fake.set_now(datetime(2025, 1, 1, tzinfo=UTC))
    first = fake.add_issue(REPO, "a")
    fake.tick(3600)
    second = fake.add_issue(REPO, "b")
    assert first["created_at"] == "2025-01-01T00:00:00Z"
    assert second["created_at"] == "2025-01-01T01:00:01Z"
    with pytest.raises(ValueError):
        fake.set_now("2020-01-01T00:00:00Z")


def test_restart_keeps_port(fake: FakeGitHub, gh: Github) -> None:
    base = fake.base_url
    fake.stop()
    assert fake.base_url == base
    with pytest.raises(requests.exceptions.ConnectionError):
        gh.get_repo(REPO)
    fake.start()
    assert fake.base_url == base and gh.get_repo(REPO).name == "churn"


def test_echo_auth_quotes_the_token_in_every_error_reply() -> None:
    """What the sync and CLI "never prints the token" tests rely on: the reply has it."""
    secret = "ghp_echoed0123456789"
    with FakeGitHub(tokens={secret}, echo_auth=True) as fake:
        fake.add_repo(REPO)
        fake.inject("GET", r"/labels$", Fault.forbidden(), times=1)
        fake.inject("GET", r"/branches$", Fault.status(502, "<html>Bad gateway</html>"), times=1)
        auth = {"Authorization": f"token {secret}"}
        base = f"{fake.base_url}/repos/{REPO}"
        ok = requests.get(base, headers=auth, timeout=5)
        assert ok.status_code == 200 and secret not in ok.text
        replies = [
            requests.get(f"{base}/labels", headers=auth, timeout=5),
            requests.get(f"{base}/branches", headers=auth, timeout=5),
            requests.get(f"{fake.base_url}/repos/acme/none", headers=auth, timeout=5),
            requests.get(base, headers={"Authorization": "token wrong-one"}, timeout=5),
        ]
    assert [r.status_code for r in replies] == [403, 502, 404, 401]
    assert replies[0].json()["message"] == (
        f"Resource not accessible by personal access token "
        f"(request header Authorization: token {secret})"
    )
    assert replies[1].text.endswith(f"(request header Authorization: token {secret})")
    assert secret in replies[2].json()["message"]
    assert "token wrong-one" in replies[3].json()["message"]
