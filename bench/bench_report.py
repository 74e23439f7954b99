"""Report benchmark: `dslp report` over a 20,000-issue, 50-project mirror.

Figures: wall time of the real command in a subprocess (imports included; target 3 s), the
in-process split (load, figures, HTML), and the size of the HTML file. The mirror comes from
`bench/generate.py` (`make_mirror`) when it exists, else from the small generator below, which
writes through `store.mirror` so history events are recorded the way a sync records them.
Run: `python bench/bench_report.py [--issues 20000] [--projects 50] [--runs 3]`.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import env_with, figure, finish, median, timed_run

NOW = datetime.now(UTC).replace(microsecond=0)
KINDS = [("Ask", 5), ("Data", 20), ("Explore", 20), ("Experiment", 40), ("Model", 15)]


def _stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _item(number: int, kind: str, rng: random.Random) -> dict[str, Any]:
    created = NOW - timedelta(days=rng.uniform(1, 730))
    closed = created + timedelta(days=rng.expovariate(1 / 20))
    is_closed = closed < NOW and rng.random() < 0.8
    labels = [kind]
    if kind == "Experiment" and (is_closed or rng.random() < 0.2):
        labels.append(rng.choices(["succeeded", "failed", "on hold"], [3, 6, 1])[0])
    if kind == "Model" and rng.random() < 0.2:
        labels.append("Deploy")
    return {
        "id": None,
        "number": number,
        "title": f"{kind} card {number}",
        "body": None,
        "state": "closed" if is_closed else "open",
        "labels": [{"name": n} for n in labels],
        "user": {"login": "bench"},
        "created_at": _stamp(created),
        "updated_at": _stamp(closed if is_closed else created),
        "closed_at": _stamp(closed) if is_closed else None,
    }


def make_small_mirror(db_path: Path, *, issues: int, projects: int, seed: int = 0) -> None:
    """Cards with GitHub-like stamps, a later page of label changes, model statuses, sign-offs."""
    from store.db import open_store
    from store.mirror import ensure_repo, refresh_model_phase, upsert_issues
    from store.models import ModelStatus, SignOff
    from store.rules import PHASES

    rng = random.Random(seed)
    store = open_store(db_path)
    per = issues // projects
    for p in range(projects):
        with store.session(write=True) as s:
            repo = ensure_repo(s, f"bench/project-{p:02d}", last_synced_at=NOW)
            assert repo.id is not None
            names, weights = zip(*KINDS, strict=True)
            items = [_item(n, rng.choices(names, weights)[0], rng) for n in range(1, per + 1)]
            for start in range(0, len(items), 100):
                upsert_issues(s, repo.id, items[start : start + 100])
            changed = []
            for it in rng.sample(items, len(items) // 5):  # a later sync sees label changes
                it = {**it, "labels": [*it["labels"], {"name": "Model"}]}
                it["updated_at"] = _stamp(NOW - timedelta(days=rng.uniform(0, 30)))
                changed.append(it)
            for start in range(0, len(changed), 100):
                upsert_issues(s, repo.id, changed[start : start + 100])
            models = [it for it in items if it["labels"][0]["name"] == "Model"]
            for it in models[: len(models) // 2]:
                when = NOW - timedelta(days=rng.uniform(0, 300))
                for k, status in enumerate(
                    ("candidate", "staging", "production")[: rng.randint(1, 3)]
                ):
                    s.add(
                        ModelStatus(
                            id=f"{p}-{it['number']}-{k}",
                            repo_id=repo.id,
                            issue_number=it["number"],
                            status=status,
                            created_at=when + timedelta(days=10 * k),
                        )
                    )
                s.flush()
                refresh_model_phase(s, repo.id, it["number"])
            for i, gate in enumerate(PHASES):
                s.add(
                    SignOff(
                        id=f"{p}-{gate}",
                        repo_id=repo.id,
                        gate=gate,
                        stakeholder="Dana",
                        decision="approved" if rng.random() < 0.7 else "changes-requested",
                        created_at=NOW - timedelta(days=700 - 90 * i + rng.uniform(0, 30)),
                    )
                )
    store.dispose()


def build_mirror(db: Path, issues: int, projects: int) -> str:
    try:
        from generate import make_mirror  # type: ignore[import-not-found]
    except ImportError:
        make_small_mirror(db, issues=issues, projects=projects)
        return "bench_report's generator"
    make_mirror(db, issues=issues, projects=projects, seed=0)
    return "bench/generate.py"


def in_process(db: Path, out: Path) -> tuple[float, float, float]:
    from dslp_tui.report.charts import build_charts
    from dslp_tui.report.html import render_html
    from store.db import open_store
    from store.history import load_report_data

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
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "mirror.db"
        start = time.perf_counter()
        source = build_mirror(db, args.issues, args.projects)
        print(f"# mirror from {source} in {time.perf_counter() - start:.1f} s", flush=True)
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
