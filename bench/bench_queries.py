"""Read-model benchmark: a card's detail and the portfolio on the 20,000-issue mirror.

The mirror of bench/generate.py, topped up to `--signoffs` sign-offs (2,000 by default) and
`--statuses` model-status rows, since those are what grew with history: the portfolio used to
read every sign-off and status row of every repository, and opening a card read every card of
its repository. Each figure is the median of `--runs` calls in this process after a warm-up,
on one session, as the screens call them.

Run: `python bench/bench_queries.py [--runs 21] [--db PATH]` (generates the mirror when PATH is
missing). The same file runs on a tree from before the read models moved (it falls back to
`store.queries`), which is how the "before" figures in the README were taken.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import figure, finish
from generate import BIG_REPO, EPOCH, make_mirror


def _readers() -> tuple[Callable[..., Any], Callable[..., Any]]:
    try:
        from store.read.card import card_detail
        from store.read.portfolio import project_summaries
    except ImportError:  # a tree from before the split
        from store.queries import card_detail, project_summaries  # type: ignore[no-redef]
    return card_detail, project_summaries


def _top_up(db: Path, signoffs: int, statuses: int) -> tuple[int, int]:
    from sqlalchemy import func, insert, select

    from store.db import open_store
    from store.models import Issue, ModelStatus, Repository, SignOff
    from store.rules import DECISIONS, MODEL_HEALTH, PHASES

    rng = random.Random(1)
    store = open_store(db)
    try:
        with store.session(write=True) as s:
            repo_ids = list(s.execute(select(Repository.id)).scalars())
            have = s.execute(select(func.count()).select_from(SignOff)).scalar_one()
            rows = [
                {
                    "id": f"bench-so-{i}",
                    "repo_id": rng.choice(repo_ids),
                    "gate": rng.choice(PHASES),
                    "stakeholder": "bench",
                    "decision": rng.choice(DECISIONS),
                    "note": "",
                    "created_at": EPOCH - timedelta(days=rng.uniform(1, 400)),
                    "origin": "github",
                }
                for i in range(max(0, signoffs - have))
            ]
            if rows:
                s.execute(insert(SignOff), rows)
            models = s.execute(
                select(Issue.repo_id, Issue.number).where(Issue.kind == "model")  # type: ignore[arg-type]
            ).all()
            have_status = s.execute(select(func.count()).select_from(ModelStatus)).scalar_one()
            extra = [
                {
                    "id": f"bench-ms-{i}",
                    "repo_id": rid,
                    "issue_number": number,
                    "health": rng.choice(MODEL_HEALTH),
                    "created_at": EPOCH - timedelta(days=rng.uniform(1, 400)),
                    "origin": "github",
                }
                for i, (rid, number) in enumerate(
                    rng.choices(models, k=max(0, statuses - have_status))
                )
            ]
            if extra:
                s.execute(insert(ModelStatus), extra)
        with store.session() as s:
            return (
                s.execute(select(func.count()).select_from(SignOff)).scalar_one(),
                s.execute(select(func.count()).select_from(ModelStatus)).scalar_one(),
            )
    finally:
        store.dispose()


def _median_ms(call: Callable[[], Any], runs: int) -> float:
    call()  # warm-up: statement caches, SQLite's page cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--signoffs", type=int, default=2_000)
    parser.add_argument("--statuses", type=int, default=5_000)
    args = parser.parse_args()
    db = args.db or Path(tempfile.mkdtemp(prefix="dslp-bench-")) / "bench-mirror.db"
    if not db.exists():
        make_mirror(db)
    signoffs, statuses = _top_up(db, args.signoffs, args.statuses)
    print(f"mirror {db}: {signoffs} sign-offs, {statuses} model-status rows", flush=True)

    from sqlalchemy import select

    from store.db import open_store
    from store.models import Issue, Repository

    card_detail, project_summaries = _readers()
    store = open_store(db)
    try:
        with store.session() as s:
            rid = s.execute(
                select(Repository.id).where(Repository.full_name == BIG_REPO)
            ).scalar_one()

            def first(kind: str) -> int:
                return int(
                    s.execute(
                        select(Issue.number)
                        .where(Issue.repo_id == rid, Issue.kind == kind)  # type: ignore[arg-type]
                        .order_by(Issue.number)
                    )
                    .scalars()
                    .first()
                )

            ask, experiment, model = first("ask"), first("experiment"), first("model")
            for name, number in (("ask", ask), ("experiment", experiment), ("model", model)):
                ms = _median_ms(lambda n=number: card_detail(s, BIG_REPO, n), args.runs)
                figure(f"card_open_{name}_5000_card_repo", ms, "ms", 50)
            figure(
                "portfolio_load_50_projects",
                _median_ms(lambda: project_summaries(s), args.runs),
                "ms",
                150,
            )
    finally:
        store.dispose()
    finish()


if __name__ == "__main__":
    main()
