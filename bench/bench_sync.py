"""Sync benchmark: 10,000 issues+PRs on the loopback fake GitHub.

Figures: initial sync and unchanged re-sync of `dslp sync` (the real command, in a subprocess),
requests per run, items/s, peak RSS; and a naive PyGithub loop over the same data for the ratio.
Run: `python bench/bench_sync.py [--items 10000] [--runs 5]`.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

from common import (
    children_peak_rss_mb,
    env_with,
    figure,
    finish,
    median,
    timed_run,
)

from tests.fakegithub import FakeGitHub, Fault

REPO = "bench/big"
TOKEN = "bench-token"


def naive_loop(fake: FakeGitHub) -> tuple[float, int]:
    """What most scripts do: PyGithub's paginated list, touching .pull_request and .labels."""
    from github import Auth, Github

    g = Github(
        auth=Auth.Token(TOKEN),
        base_url=fake.base_url,
        per_page=100,
        seconds_between_requests=None,
        seconds_between_writes=None,
    )
    # A naive loop needs one request per plain issue: lift the quota so the fake does not make
    # PyGithub wait an hour for the reset (which is what GitHub itself would do at 5,000/h).
    fake.set_rate_limit(limit=10**9, remaining=10**9)
    before = len(fake.requests)
    start = time.perf_counter()
    for issue in g.get_repo(REPO).get_issues(state="all"):
        _ = issue.pull_request, [label.name for label in issue.labels]
    return time.perf_counter() - start, len(fake.requests) - before


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument(
        "--latency-ms",
        type=float,
        default=10.0,
        help="simulated round trip for the side-by-side run (api.github.com is 30-300 ms away)",
    )
    args = ap.parse_args()

    with FakeGitHub(tokens={TOKEN}) as fake, tempfile.TemporaryDirectory() as tmp:
        fake.add_repo(REPO)
        fake.bulk_generate(REPO, args.items, seed=42)
        env = env_with(GITHUB_TOKEN=TOKEN, DSLP_DATA_DIR=tmp)
        dslp = [sys.executable, "-m", "dslp_tui.cli"]
        floor_cmd = [sys.executable, "-c", "import dslp_tui.cli, store.db, sync.engine, github"]

        initial, resync, floor, initial_requests, resync_requests = [], [], [], [], []
        for run in range(args.runs + 1):  # run 0 is the warm-up
            db = str(Path(tmp) / f"m{run}.db")
            timed_run([*dslp, "repo", "add", REPO, "--db", db, "--api-url", fake.base_url], env)
            fake.reset_log()
            t_init, _ = timed_run([*dslp, "sync", "--db", db], env)
            n_init = len(fake.requests)
            per_resource: dict[str, int] = {}
            for r in fake.requests:
                key = r.path.rstrip("/").rsplit("/", 1)[-1]
                key = (
                    key if key in ("issues", "pulls", "comments", "labels", "branches") else "repo"
                )
                per_resource[key] = per_resource.get(key, 0) + 1
            fake.reset_log()
            t_re, out = timed_run([*dslp, "sync", "--db", db], env)
            statuses = {r.status for r in fake.requests}
            if statuses != {304}:
                raise SystemExit(f"re-sync was not all 304: {statuses}")
            t_floor, _ = timed_run(floor_cmd, env)
            if run:
                initial.append(t_init)
                resync.append(t_re)
                floor.append(t_floor)
                initial_requests.append(n_init)
                resync_requests.append(len(fake.requests))
        items = args.items
        figure("sync.initial.wall", median(initial), "s", 10.0)
        figure("sync.initial.items_per_s", items / median(initial), "items/s")
        figure("sync.initial.requests", median(initial_requests), "requests")
        for resource, count in sorted(per_resource.items()):
            figure(f"sync.initial.requests.{resource}", count, "requests")
        # issues: ceil(N/100) pages per list resource, plus 6
        figure(
            "sync.initial.requests.issues_vs_budget",
            per_resource.get("issues", 0),
            "requests",
            math.ceil(items / 100) + 6,
        )
        figure("sync.resync.wall", median(resync), "s")
        figure("sync.resync.startup_floor", median(floor), "s")
        figure("sync.resync.beyond_startup", median(resync) - median(floor), "s", 1.0)
        figure("sync.resync.requests", median(resync_requests), "requests")
        figure("sync.resync.share_304", 100.0, "%", 100.0, lower=False)
        figure("sync.peak_rss", children_peak_rss_mb(), "MB", 150.0)
        if not args.skip_naive:
            # Zero latency: both sides are CPU-bound; informational.
            t_naive, n_naive = naive_loop(fake)
            figure("sync.naive_loop.requests", n_naive, "requests")
            figure("sync.naive_loop.wall_0ms", t_naive, "s")
            figure("sync.naive_ratio_0ms", t_naive / median(initial), "x")
            # The same data with a round trip on every request, for both sides.
            delay = Fault.delay(args.latency_ms / 1000)
            fake.inject(None, r".*", delay, times=None)
            db = str(Path(tmp) / "latency.db")
            timed_run([*dslp, "repo", "add", REPO, "--db", db, "--api-url", fake.base_url], env)
            t_ours, _ = timed_run([*dslp, "sync", "--db", db], env)
            t_naive, _ = naive_loop(fake)
            ms = f"{args.latency_ms:g}ms"
            figure(f"sync.initial.wall_{ms}", t_ours, "s")
            figure(f"sync.naive_loop.wall_{ms}", t_naive, "s")
            figure(f"sync.naive_ratio_{ms}", t_naive / t_ours, "x", 5.0, lower=False)
        del out
    finish()


if __name__ == "__main__":
    main()
