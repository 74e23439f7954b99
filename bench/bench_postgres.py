"""The team mirror benchmark: SQLite and PostgreSQL side by side, and readers during a sync.

Figures, in one run on the loopback fake GitHub with `--items` issues+PRs (10,000 by default):
- the initial `dslp sync` (the real command, a subprocess) and the unchanged re-sync, on a SQLite
  file and on a fresh PostgreSQL database (medians of `--runs`); target: PostgreSQL's initial
  sync within 1.5x of SQLite's;
- N = 1, 4, 16 concurrent readers, each a process calling `board_text` (what `dslp board
  OWNER/NAME --json` prints) in a loop, one process and connection each, while a PostgreSQL
  initial sync writes pages: median and p95 latency of a read; target: p95 under 200 ms. Two
  loops: paced, one read a second per reader (`--pace`: a team's dashboards and `watch -n 1`
  refreshes), and flat out (each reader reads again the moment it has its answer: on a 2-core
  machine 16 of them measure the CPU's share per process more than any waiting on the sync).

Run: `python bench/bench_postgres.py [--items 10000] [--runs 3] [--pg postgresql://postgres@127.0.0.1:5432/test]`.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from common import env_with, figure, finish, median, timed_run

from tests.fakegithub import FakeGitHub

REPO = "bench/big"
TOKEN = "bench-token"


def _admin(pg: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(
        pg.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as c:
        c.execute(sql)


def _database(pg: str) -> tuple[str, str]:
    name = f"dslp_bench_{uuid.uuid4().hex[:10]}"
    _admin(pg, f'CREATE DATABASE "{name}"')
    return name, pg.rsplit("/", 1)[0] + f"/{name}"


def _reader(url: str, ready: object, go: object, stop: object, out: object, pace: float) -> None:
    """One reader process: the board query of `dslp board --json`, every `pace` seconds (0:
    as fast as it can). Warmed first (imports, connection, compiled statements), as a running
    app or server is, so the figures are the reads' own, not a process's start."""
    from dslp_tui.cli import board_text
    from store.db import open_store

    store = open_store(url, create=False)
    board_text(store, REPO)
    ready.release()  # type: ignore[attr-defined]
    go.wait()  # type: ignore[attr-defined]
    if pace:  # people do not refresh in step: each reader starts at its own point of the second
        stop.wait(random.Random(os.getpid()).uniform(0, pace))  # type: ignore[attr-defined]
    times: list[float] = []
    while not stop.is_set():  # type: ignore[attr-defined]
        start = time.perf_counter()
        board_text(store, REPO)
        times.append((time.perf_counter() - start) * 1000)
        if pace:
            stop.wait(max(0.0, start + pace - time.perf_counter()))  # type: ignore[attr-defined]
    out.put(times)  # type: ignore[attr-defined]
    store.dispose()


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)] if ordered else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    ap.add_argument("--pace", type=float, default=1.0, help="seconds between a reader's reads")
    ap.add_argument("--skip-syncs", action="store_true", help="only the readers' figures")
    ap.add_argument("--skip-readers", action="store_true", help="only the syncs' figures")
    args = ap.parse_args()
    made: list[str] = []
    with FakeGitHub(tokens={TOKEN}) as fake, tempfile.TemporaryDirectory() as tmp:
        fake.add_repo(REPO)
        fake.bulk_generate(REPO, args.items, seed=42)
        env = env_with(GITHUB_TOKEN=TOKEN, DSLP_DATA_DIR=tmp)
        dslp = [sys.executable, "-m", "dslp_tui.cli"]
        try:
            timings: dict[str, dict[str, list[float]]] = {}
            for engine in () if args.skip_syncs else ("sqlite", "postgresql"):
                initial, resync = [], []
                for run in range(args.runs + 1):  # run 0 is the warm-up
                    if engine == "sqlite":
                        db = str(Path(tmp) / f"m{run}.db")
                    else:
                        name, db = _database(args.pg)
                        made.append(name)
                    timed_run(
                        [*dslp, "repo", "add", REPO, "--db", db, "--api-url", fake.base_url], env
                    )
                    t_init, _ = timed_run([*dslp, "sync", "--db", db], env)
                    t_re, _ = timed_run([*dslp, "sync", "--db", db], env)
                    if run:
                        initial.append(t_init)
                        resync.append(t_re)
                timings[engine] = {"initial": initial, "resync": resync}
                figure(f"{engine}_initial_sync", median(initial), "s")
                figure(f"{engine}_unchanged_resync", median(resync), "s")
            if timings:
                ratio = median(timings["postgresql"]["initial"]) / median(
                    timings["sqlite"]["initial"]
                )
                figure("postgresql_vs_sqlite_initial_sync", ratio, "x", 1.5)

            ctx = mp.get_context("spawn")
            loops = [(args.pace, "paced"), (0.0, "flat_out")] if args.pace else [(0.0, "flat_out")]
            rounds = [] if args.skip_readers else [(loop, n) for loop in loops for n in (1, 4, 16)]
            for (pace, mode), readers in rounds:
                name, db = _database(args.pg)
                made.append(name)
                timed_run([*dslp, "repo", "add", REPO, "--db", db, "--api-url", fake.base_url], env)
                ready, go, stop, out = ctx.Semaphore(0), ctx.Event(), ctx.Event(), ctx.Queue()
                procs = [
                    ctx.Process(target=_reader, args=(db, ready, go, stop, out, pace))
                    for _ in range(readers)
                ]
                for p in procs:
                    p.start()
                for _ in procs:
                    ready.acquire()
                go.set()
                timed_run([*dslp, "sync", "--db", db], env)
                stop.set()
                latencies = [t for _ in procs for t in out.get()]
                for p in procs:
                    p.join()
                key = f"readers_{readers}_{mode}"
                figure(f"{key}_median_during_sync", statistics.median(latencies), "ms")
                figure(f"{key}_p95_during_sync", p95(latencies), "ms", 200)
                figure(f"{key}_reads", len(latencies), "reads")
        finally:
            for name in made:
                _admin(args.pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finish()


if __name__ == "__main__":
    main()
