"""Git refs (branches made and deleted over the API) and the contents API for directories.

``refs/heads/NAME`` is the branch NAME of ``GET /branches``: creating the ref creates the branch,
deleting it deletes the branch. Other refs (``refs/tags/...``) are kept apart. A sha is "known"
when it is or was a branch head, a PR head or a merge commit: GitHub answers 422 "Object does
not exist" for anything else.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import quote

from tests.fakegithub.base import _dumps, _sha
from tests.fakegithub.faults import RequestRecord
from tests.fakegithub.state import _Branch, _NotFound, _Repo, _Response

_HEADS = "refs/heads/"


def _blob_sha(raw: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()


class _GitRefs:
    """``/git/ref(s)``, ``/git/matching-refs`` and ``/contents/{dir}``; branch helpers."""

    # ----------------------------------------------------------------- refs

    def _ref_map(self, r: _Repo) -> dict[str, str]:
        refs = {_HEADS + b.name: b.sha for b in r.branches.values()}
        refs.update(r.refs)
        return dict(sorted(refs.items()))

    def _known_commit(self, r: _Repo, sha: str) -> bool:
        if sha in r.commits or any(b.sha == sha for b in r.branches.values()):
            return True
        return any(i.pull is not None and i.pull.head_sha == sha for i in r.issues.values())

    def _ref_dict(self, r: _Repo, ref: str, sha: str) -> dict[str, Any]:
        api = f"{self.base_url}/repos/{r.full_name}"
        node = base64.b64encode(f"{r.id}:{ref}".encode()).decode().rstrip("=")
        return {
            "ref": ref,
            "node_id": f"REF_{node}",
            "url": f"{api}/git/{quote(ref, safe='/')}",
            "object": {"sha": sha, "type": "commit", "url": f"{api}/git/commits/{sha}"},
        }

    def _ref_page(self, rec: RequestRecord, r: _Repo, refs: dict[str, str]) -> _Response:
        return self._page(rec, list(refs.items()), lambda kv: _dumps(self._ref_dict(r, *kv)))

    def _git_route(self, rec: RequestRecord, r: _Repo, rest: list[str]) -> _Response:
        m, get = rec.method, rec.method in ("GET", "HEAD")
        if not rest:
            raise _NotFound
        kind, path = rest[0], "/".join(rest[1:])
        if kind == "refs" and not path:
            if get:
                return self._ref_page(rec, r, self._ref_map(r))
            if m == "POST":
                return self._create_ref(rec, r)
        if kind == "matching-refs" and get:
            prefix = "refs/" + path
            refs = {k: v for k, v in self._ref_map(r).items() if k.startswith(prefix)}
            return self._ref_page(rec, r, refs)
        if kind in ("ref", "refs") and path:
            ref = "refs/" + path
            refs = self._ref_map(r)
            if get:
                if ref in refs:
                    return self._json(200, self._ref_dict(r, ref, refs[ref]))
                under = {k: v for k, v in refs.items() if k.startswith(ref + "/")}
                if kind == "refs" and under:  # the legacy form lists a namespace
                    return self._ref_page(rec, r, under)
                return self._error(404, "Not Found")
            if m == "DELETE":
                if ref not in refs:
                    return self._error(422, "Reference does not exist")
                self._drop_ref(r, ref)
                return _Response(204)
            if m == "PATCH":
                return self._update_ref(rec, r, ref, refs)
        raise _NotFound

    def _create_ref(self, rec: RequestRecord, r: _Repo) -> _Response:
        data = self._body(rec)
        if not isinstance(data, dict):
            return self._error(400, "Problems parsing JSON")
        for key in ("ref", "sha"):
            if not isinstance(data.get(key), str) or not data[key]:
                return self._error(422, f'Invalid request.\n\n"{key}" wasn\'t supplied.')
        ref, sha = str(data["ref"]), str(data["sha"])
        if not ref.startswith("refs/") or ref.count("/") < 2 or not self._valid_ref(ref):
            return self._error(422, "Reference name is invalid")
        if ref in self._ref_map(r):
            return self._error(422, "Reference already exists")
        if not self._known_commit(r, sha):
            return self._error(422, "Object does not exist")
        self._set_ref(r, ref, sha)
        d = self._ref_dict(r, ref, sha)
        return self._json(201, d, headers={"Location": d["url"]})

    def _update_ref(
        self, rec: RequestRecord, r: _Repo, ref: str, refs: dict[str, str]
    ) -> _Response:
        data = self._body(rec)
        if not isinstance(data, dict):
            return self._error(400, "Problems parsing JSON")
        if not isinstance(data.get("sha"), str) or not data["sha"]:
            return self._error(422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
        if ref not in refs:
            return self._error(422, "Reference does not exist")
        if not self._known_commit(r, data["sha"]):
            return self._error(422, "Object does not exist")
        self._set_ref(r, ref, data["sha"])
        return self._json(200, self._ref_dict(r, ref, data["sha"]))

    @staticmethod
    def _valid_ref(ref: str) -> bool:
        parts = ref.split("/")
        bad = ("..", "~", "^", ":", "?", "*", "[", "\\", " ", "@{")
        return (
            all(p and not p.startswith(".") and not p.endswith(".lock") for p in parts)
            and not any(b in ref for b in bad)
            and not ref.endswith(".")
        )

    def _set_ref(self, r: _Repo, ref: str, sha: str) -> None:
        if ref.startswith(_HEADS):
            name = ref[len(_HEADS) :]
            br = r.branches.get(name)
            if br is None:
                r.branches[name] = _Branch(name, sha)
                self._changed(r)
            else:
                self._move_branch(r, br, sha)
        else:
            r.refs[ref] = sha
            self._changed(r)
        r.commits.add(sha)

    def _drop_ref(self, r: _Repo, ref: str) -> None:
        """Delete a ref; for a branch, GitHub closes the open PRs from it and those onto it.

        A PR onto the deleted branch is retargeted instead when that branch was the head of a
        merged PR (GitHub's automatic retargeting of stacked pull requests).
        """
        if not ref.startswith(_HEADS):
            r.commits.add(r.refs.pop(ref))
            self._changed(r)
            return
        name = ref[len(_HEADS) :]
        br = r.branches.pop(name)
        r.commits.add(br.sha)
        merged_into = next(
            (
                i.pull.base
                for i in r.issues.values()
                if i.pull and i.pull.head == name and i.pull.merged_at is not None
            ),
            None,
        )
        for it in r.issues.values():
            p = it.pull
            if p is None or it.state != "open" or name not in (p.head, p.base):
                continue
            t = self._stamp()
            if p.head != name and merged_into is not None and merged_into in r.branches:
                p.base = merged_into
            else:
                self._set_state(it, "closed", t, None)
                it.closed_by = it.user
            it.updated_at = t
            it.cache = it.pull_cache = None
        self._changed(r)

    # ----------------------------------------------------------------- contents

    def _contents(self, rec: RequestRecord, r: _Repo, path: str) -> _Response:
        ref = rec.query.get("ref")
        if ref and ref not in r.branches and not self._known_commit(r, ref):
            return self._error(404, f"No commit found for the ref {ref}")
        path = path.strip("/")
        if path in r.files:
            text, stamp = r.files[path]
            return self._json(200, self._file_dict(r, path, text), stamp)
        prefix = path + "/" if path else ""
        if not any(p.startswith(prefix) for p in r.files):
            return self._error(404, "Not Found")
        children: dict[str, bool] = {}  # name -> is a file
        for p in r.files:
            if p.startswith(prefix):
                head, sep, _ = p[len(prefix) :].partition("/")
                children[head] = children.get(head, False) or not sep
        entries = [
            self._content_entry(r, prefix + name, is_file)
            for name, is_file in sorted(children.items())
        ]
        return self._json(200, entries, r.pushed_at or r.created_at)

    def _content_entry(self, r: _Repo, path: str, is_file: bool) -> dict[str, Any]:
        """One item of a directory listing (GitHub's ``content-directory`` item, no content)."""
        b, fn, ref = self.base_url, r.full_name, r.default_branch
        api = f"{b}/repos/{fn}"
        qpath = quote(path)
        if is_file:
            raw = r.files[path][0].encode()
            sha, size = _blob_sha(raw), len(raw)
            git_url, html_url = f"{api}/git/blobs/{sha}", f"{b}/{fn}/blob/{ref}/{qpath}"
            download: str | None = f"{b}/{fn}/raw/{ref}/{qpath}"
        else:
            below = sorted(
                (p, _blob_sha(t.encode()))
                for p, (t, _) in r.files.items()
                if p.startswith(path + "/")
            )
            sha, size = _sha(repr(below)), 0  # changes whenever any file below changes
            git_url, html_url = f"{api}/git/trees/{sha}", f"{b}/{fn}/tree/{ref}/{qpath}"
            download = None
        url = f"{api}/contents/{qpath}?ref={quote(ref)}"
        return {
            "type": "file" if is_file else "dir",
            "size": size,
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": sha,
            "url": url,
            "git_url": git_url,
            "html_url": html_url,
            "download_url": download,
            "_links": {"self": url, "git": git_url, "html": html_url},
        }

    # ----------------------------------------------------------------- test-side API

    def create_branch(self, repo: str, name: str, sha: str | None = None) -> str:
        """Create branch ``name`` at ``sha`` (default: the default branch's head); returns sha.

        Raises ValueError if it exists (use ``add_branch`` to overwrite, ``push_commit`` to
        move it).
        """
        with self._lock:
            r = self._repo(repo)
            if name in r.branches:
                raise ValueError(f"branch {name!r} exists in {repo}")
            sha = sha or r.branches[r.default_branch].sha
            self._set_ref(r, _HEADS + name, sha)
            return sha

    def delete_branch(self, repo: str, name: str) -> None:
        """Delete a branch as ``git push --delete`` would (open PRs from it get closed)."""
        with self._lock:
            r = self._repo(repo)
            if name not in r.branches:
                raise KeyError(f"no branch {name!r} in {repo}")
            self._drop_ref(r, _HEADS + name)

    def push_commit(self, repo: str, branch: str) -> str:
        """Move ``branch`` to a new commit as a push would; returns the new head sha.

        Open PRs from the branch get the new head sha (so a merge with the old ``sha`` is 409).
        """
        with self._lock:
            r = self._repo(repo)
            br = r.branches[branch]
            sha = _sha(f"{r.full_name}:{branch}:{br.sha}:{self._stamp()}")
            self._set_ref(r, _HEADS + branch, sha)
            r.pushed_at, r.core = self._stamp(), None
            return sha

    def branches(self, repo: str) -> dict[str, str]:
        """Branch name -> head sha."""
        with self._lock:
            return {b.name: b.sha for b in self._repo(repo).branches.values()}

    def refs(self, repo: str) -> dict[str, str]:
        """Every ref, sorted: ``{"refs/heads/main": sha, "refs/heads/model/12-churn": sha}``."""
        with self._lock:
            return self._ref_map(self._repo(repo))

    def put_files(self, repo: str, files: dict[str, str]) -> None:
        """Several ``put_file`` calls, e.g. ``{".github/ISSUE_TEMPLATE/Experiment.md": text}``."""
        for path, text in files.items():
            self.put_file(repo, path, text)
