"""`dslp serve` benchmark: what one browser session costs.

Figures, each the median of `--runs` sessions opened one after another on the same server:
- start: from opening the websocket (as textual-serve's page does) to the first frame that
  paints the portfolio's first project, i.e. a new app process's start-up and first query;
- memory: the RSS (and PSS, shared pages split) of that session's app process right then.

The server runs in this process (`dslp_tui.serve_web.start` on a free port of 127.0.0.1), on
the demo mirror seeded in a temporary folder, or on `--db`. Run:
`python bench/bench_serve.py [--runs 5] [--db PATH]`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

from common import figure, finish, median


def _kb(pid: int, path: str, field: str) -> float:
    for line in Path(f"/proc/{pid}/{path}").read_text().splitlines():
        if line.startswith(field + ":"):
            return float(line.split()[1])
    raise SystemExit(f"no {field} in /proc/{pid}/{path}")


async def sessions(db_url: str, first_project: str, runs: int) -> tuple[list[float], ...]:
    import aiohttp

    from dslp_tui.serve_web import ServeOptions, start
    from tests.serve_client import open_session

    running = await start(ServeOptions(db_url=db_url, port=0, max_sessions=1))
    base = f"http://127.0.0.1:{running.port}"
    starts, rss, pss = [], [], []
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(runs):
                began = time.perf_counter()
                session = await open_session(http, base)
                async with asyncio.timeout(120):
                    await session.read_until(["dslp · portfolio", first_project])
                starts.append(time.perf_counter() - began)
                (pid,) = running.server.session_pids()
                rss.append(_kb(pid, "status", "VmRSS") / 1024)
                pss.append(_kb(pid, "smaps_rollup", "Pss") / 1024)
                (service,) = running.server.sessions.values()
                await session.ws.close()
                assert service.process is not None
                await service.process.wait()
                while running.server.sessions:  # the slot is free before the next one
                    await asyncio.sleep(0.01)
    finally:
        await running.stop()
    return starts, rss, pss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", help="a mirror to serve (default: the demo, seeded here)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("DSLP_DATA_DIR", str(Path(tmp) / "data"))
        os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
        from dslp_tui.demo import seed_demo
        from store.db import open_store
        from store.read.portfolio import project_summaries

        store = open_store(args.db or Path(tmp) / "demo.db", create=not args.db)
        if not args.db:
            seed_demo(store, clone_dir=Path(tmp) / "clone")
        with store.session() as s:
            projects = project_summaries(s)
        store.dispose()
        if not projects:
            raise SystemExit("the mirror has no project to paint")
        starts, rss, pss = asyncio.run(sessions(store.url, projects[0].repo, args.runs))
    print(f"{len(projects)} projects; {args.runs} sessions, one at a time")
    figure(
        f"session start, websocket open -> portfolio painted (median of {args.runs})",
        median(starts),
        "s",
    )
    figure(
        f"session app process RSS after the first paint (median of {args.runs})", median(rss), "MB"
    )
    figure(
        f"session app process PSS after the first paint (median of {args.runs})", median(pss), "MB"
    )
    finish()


if __name__ == "__main__":
    main()
