"""GitHub's JSON shapes of the fake's objects: users, repos, issues, pulls, comments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tests.fakegithub.base import (
    _dumps,
    _iso,
    _sha,
)
from tests.fakegithub.state import (
    _Branch,
    _Comment,
    _Issue,
    _Label,
    _Repo,
)

if TYPE_CHECKING:
    pass


class _Shapes:
    """GitHub's JSON shapes of the fake's objects: users, repos, issues, pulls, comments."""

    def _user(self, login: str) -> dict[str, Any]:
        u = self._users.get(login)
        if u is None:
            uid = self._next_id("user")
            b = self.base_url
            u = {
                "login": login,
                "id": uid,
                "node_id": f"U_kgDO{uid:08d}",
                "avatar_url": f"{b}/avatars/u/{uid}",
                "url": f"{b}/users/{login}",
                "html_url": f"{b}/{login}",
                "type": "User",
                "site_admin": False,
            }
            self._users[login] = u
        return u

    def _repo(self, full_name: str) -> _Repo:
        repo = self._repos.get(full_name.lower())
        if repo is None:
            raise KeyError(f"no repo {full_name!r} in FakeGitHub; call add_repo() first")
        return repo

    def _issue(self, repo: _Repo, number: int) -> _Issue:
        issue = repo.issues.get(number)
        if issue is None:
            raise KeyError(f"no issue #{number} in {repo.full_name}")
        return issue

    def _changed(self, repo: _Repo, issue: _Issue | None = None) -> None:
        """Invalidate cached JSON and sorted lists after a write (keeps reads O(page))."""
        if issue is not None:
            issue.cache = issue.pull_cache = None
        repo.list_cache.clear()

    def _get_label(self, repo: _Repo, name: str, create: bool = False) -> _Label | None:
        label = repo.labels.get(name.lower())
        if label is None and create:
            label = _Label(self._next_id("label"), name, "ededed", None)
            repo.labels[name.lower()] = label
        return label

    # ----------------------------------------------------------------- JSON shapes

    def _repo_core(self, repo: _Repo) -> dict[str, Any]:
        if repo.core is None:
            b, fn = self.base_url, repo.full_name
            api = f"{b}/repos/{fn}"
            repo.core = {
                "id": repo.id,
                "node_id": f"R_kgDO{repo.id:08d}",
                "name": repo.name,
                "full_name": fn,
                "private": repo.private,
                "owner": self._user(repo.owner),
                "html_url": f"{b}/{fn}",
                "description": repo.description,
                "fork": False,
                "url": api,
                "issues_url": f"{api}/issues{{/number}}",
                "pulls_url": f"{api}/pulls{{/number}}",
                "labels_url": f"{api}/labels{{/name}}",
                "branches_url": f"{api}/branches{{/branch}}",
                "comments_url": f"{api}/comments{{/number}}",
                "issue_comment_url": f"{api}/issues/comments{{/number}}",
                "clone_url": f"{b}/{fn}.git",
                "created_at": _iso(repo.created_at),
                "updated_at": _iso(repo.created_at),
                "pushed_at": _iso(repo.pushed_at or repo.created_at),
                "default_branch": repo.default_branch,
                "visibility": "private" if repo.private else "public",
                "archived": False,
                "disabled": False,
                "has_issues": True,
            }
        return repo.core

    def _repo_full(self, repo: _Repo) -> dict[str, Any]:
        d = dict(self._repo_core(repo))
        open_count = sum(1 for i in repo.issues.values() if i.state == "open")
        d.update(
            open_issues_count=open_count,
            open_issues=open_count,
            forks_count=0,
            stargazers_count=0,
            watchers_count=0,
            size=0,
            language="Python",
            topics=[],
            permissions={
                "admin": True,
                "maintain": True,
                "push": True,
                "triage": True,
                "pull": True,
            },
        )
        return d

    def _label_dict(self, repo: _Repo, label: _Label) -> dict[str, Any]:
        if label.cache is None:
            label.cache = {
                "id": label.id,
                "node_id": f"LA_kwDO{label.id:08d}",
                "url": f"{self.base_url}/repos/{repo.full_name}/labels/"
                + quote(label.name, safe=""),
                "name": label.name,
                "color": label.color,
                "default": False,
                "description": label.description,
            }
        return label.cache

    def _issue_json(self, repo: _Repo, it: _Issue) -> str:
        if it.cache is None:
            b, fn, n = self.base_url, repo.full_name, it.number
            api = f"{b}/repos/{fn}"
            url = f"{api}/issues/{n}"
            html = f"{b}/{fn}/{'pull' if it.pull else 'issues'}/{n}"
            d: dict[str, Any] = {
                "url": url,
                "repository_url": api,
                "labels_url": url + "/labels{/name}",
                "comments_url": url + "/comments",
                "events_url": url + "/events",
                "html_url": html,
                "id": it.id,
                "node_id": f"I_kwDO{it.id:08d}",
                "number": n,
                "title": it.title,
                "user": self._user(it.user),
                "labels": [self._label_dict(repo, lb) for lb in it.labels],
                "state": it.state,
                "locked": it.locked,
                "assignee": self._user(it.assignees[0]) if it.assignees else None,
                "assignees": [self._user(a) for a in it.assignees],
                "milestone": None,
                "comments": len(it.comment_ids),
                "created_at": _iso(it.created_at),
                "updated_at": _iso(it.updated_at),
                "closed_at": _iso(it.closed_at),
                "author_association": "OWNER" if it.user == repo.owner else "CONTRIBUTOR",
                "active_lock_reason": None,
                "body": it.body,
                "closed_by": self._user(it.closed_by) if it.closed_by else None,
                "timeline_url": url + "/timeline",
                "performed_via_github_app": None,
                "state_reason": it.state_reason,
            }
            if it.pull is not None:
                d["draft"] = it.pull.draft
                d["pull_request"] = {
                    "url": f"{api}/pulls/{n}",
                    "html_url": html,
                    "diff_url": html + ".diff",
                    "patch_url": html + ".patch",
                    "merged_at": _iso(it.pull.merged_at),
                }
            it.cache = _dumps(d)
        return it.cache

    def _pull_dict(self, repo: _Repo, it: _Issue) -> dict[str, Any]:
        assert it.pull is not None
        p, b, fn, n = it.pull, self.base_url, repo.full_name, it.number
        api = f"{b}/repos/{fn}"
        html = f"{b}/{fn}/pull/{n}"
        base_branch = repo.branches.get(p.base)
        base_sha = base_branch.sha if base_branch else _sha(f"{fn}:{p.base}")
        core = self._repo_core(repo)
        owner = self._user(repo.owner)
        return {
            "url": f"{api}/pulls/{n}",
            "id": p.id,
            "node_id": f"PR_kwDO{p.id:08d}",
            "html_url": html,
            "diff_url": html + ".diff",
            "patch_url": html + ".patch",
            "issue_url": f"{api}/issues/{n}",
            "commits_url": f"{api}/pulls/{n}/commits",
            "review_comments_url": f"{api}/pulls/{n}/comments",
            "comments_url": f"{api}/issues/{n}/comments",
            "statuses_url": f"{api}/statuses/{p.head_sha}",
            "number": n,
            "state": it.state,
            "locked": it.locked,
            "title": it.title,
            "user": self._user(it.user),
            "body": it.body,
            "labels": [self._label_dict(repo, lb) for lb in it.labels],
            "milestone": None,
            "active_lock_reason": None,
            "created_at": _iso(it.created_at),
            "updated_at": _iso(it.updated_at),
            "closed_at": _iso(it.closed_at),
            "merged_at": _iso(p.merged_at),
            "merge_commit_sha": _sha(f"merge:{fn}:{n}") if p.merged_at else None,
            "assignee": self._user(it.assignees[0]) if it.assignees else None,
            "assignees": [self._user(a) for a in it.assignees],
            "requested_reviewers": [],
            "requested_teams": [],
            "head": {
                "label": f"{repo.owner}:{p.head}",
                "ref": p.head,
                "sha": p.head_sha,
                "user": owner,
                "repo": core,
            },
            "base": {
                "label": f"{repo.owner}:{p.base}",
                "ref": p.base,
                "sha": base_sha,
                "user": owner,
                "repo": core,
            },
            "author_association": "OWNER" if it.user == repo.owner else "CONTRIBUTOR",
            "auto_merge": None,
            "draft": p.draft,
        }

    def _pull_json(self, repo: _Repo, it: _Issue) -> str:
        if it.pull_cache is None:
            it.pull_cache = _dumps(self._pull_dict(repo, it))
        return it.pull_cache

    def _pull_full(self, repo: _Repo, it: _Issue) -> dict[str, Any]:
        assert it.pull is not None
        d = self._pull_dict(repo, it)
        merged = it.pull.merged_at is not None
        d.update(
            merged=merged,
            mergeable=None if merged or it.state == "closed" else True,
            rebaseable=None if merged else True,
            mergeable_state="unknown" if merged else "clean",
            merged_by=self._user(it.pull.merged_by) if it.pull.merged_by else None,
            comments=len(it.comment_ids),
            review_comments=0,
            maintainer_can_modify=it.pull.maintainer_can_modify,
            commits=1,
            additions=10,
            deletions=2,
            changed_files=1,
        )
        return d

    def _comment_json(self, repo: _Repo, c: _Comment) -> str:
        if c.cache is None:
            b, fn = self.base_url, repo.full_name
            c.cache = _dumps(
                {
                    "url": f"{b}/repos/{fn}/issues/comments/{c.id}",
                    "html_url": f"{b}/{fn}/issues/{c.number}#issuecomment-{c.id}",
                    "issue_url": f"{b}/repos/{fn}/issues/{c.number}",
                    "id": c.id,
                    "node_id": f"IC_kwDO{c.id:08d}",
                    "user": self._user(c.user),
                    "created_at": _iso(c.created_at),
                    "updated_at": _iso(c.updated_at),
                    "author_association": "OWNER" if c.user == repo.owner else "CONTRIBUTOR",
                    "body": c.body,
                    "performed_via_github_app": None,
                }
            )
        return c.cache

    def _branch_dict(self, repo: _Repo, br: _Branch) -> dict[str, Any]:
        return {
            "name": br.name,
            "commit": {
                "sha": br.sha,
                "url": f"{self.base_url}/repos/{repo.full_name}/commits/{br.sha}",
            },
            "protected": br.protected,
        }

    # ----------------------------------------------------------------- test-side API
