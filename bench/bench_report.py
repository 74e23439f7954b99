"""Report benchmark: `dslp report` over a 20,000-issue, 50-project mirror.

Figures: wall time of the real command in a subprocess (imports included; target 3 s), the
in-process split (load, figures, HTML), and the size of the HTML file. The mirror comes from
`bench/generate.py`, which writes through `store.mirror` so history events are recorded the way
a sync records them. Run: `python bench/bench_report.py [--issues 20000] [--projects 50]
[--runs 5]`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from common import env_with, figure, finish, median, timed_run
from generate import make_mirror

NOW = datetime.now(UTC).replace(microsecond=0)


def in_process(db: Path, out: Path) -> tuple[float, float, float]:
    from dslp_tui.report.charts import build_charts
    from dslp_tui.report.html import render_html
    from store.db import open_store
    from store.report_data import load_report_data

    store = open_store(db, create=False)
    t0 = time.perf_counter()
    with store.session() as s:
        data = load_report_data(s)
    t1 = time.perf_counter()
    charts = build_charts(data)
    t2 = time.perf_counter()
    out.write_text(render_html(charts, data, NOW), encoding="utf-8")
    t3 = time.perf_counter()
    store.dispose()
    return t1 - t0, t2 - t1, t3 - t2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--issues", type=int, default=20_000)
    ap.add_argument("--projects", type=int, default=50)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "mirror.db"
        start = time.perf_counter()
        make_mirror(db, issues=args.issues, projects=args.projects, seed=0)
        print(f"# mirror generated in {time.perf_counter() - start:.1f} s", flush=True)
        env = env_with(DSLP_DATA_DIR=tmp)
        out = Path(tmp) / "report.html"
        cmd = [sys.executable, "-m", "dslp_tui.cli", "report", "--db", str(db), "--out", str(out)]
        timed_run(cmd, env)  # warm-up: page cache, .pyc files
        walls = [timed_run(cmd, env)[0] for _ in range(args.runs)]
        figure("report.wall", median(walls), "s", 3.0)
        load, charts, html = in_process(db, Path(tmp) / "inproc.html")
        figure("report.load_data", load, "s")
        figure("report.build_figures", charts, "s")
        figure("report.render_html", html, "s")
        figure("report.html_size", out.stat().st_size / 1_000_000, "MB")
    finish()


if __name__ == "__main__":
    main()
