"""A synthetic mirror for the benchmarks: N GitHub-shaped issues+PRs over M DSLP projects.

`make_mirror(db_path, issues=20_000, projects=50, seed=0)` writes it through the store's own
write path (`store.mirror.upsert_issues`, batched, one transaction per project), so what the app
and the reports read is exactly what a sync would have stored. Deterministic by seed.

The first project, `BIG_REPO`, holds `BIG_CARDS` cards (plus its PRs) for the board benchmark;
the rest of the items are spread over the other projects. The mix: the five DSLP kind labels and
some unlabelled issues, about a third closed, a fifth PRs, outcome labels and logged outcomes on
experiments, sign-offs at the gates, model statuses (some in production), branches, a few
entries still in the outbox.

Run alone: `python bench/generate.py OUT.db [--issues 20000] [--projects 50] [--seed 0]`.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BIG_REPO = "bench/big-board"
BIG_CARDS = 5_000
EPOCH = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)  # fixed: the same seed gives the same file

KIND_LABELS = ("Ask", "Data", "Explore", "Experiment", "Model")
KIND_WEIGHTS = (0.08, 0.14, 0.18, 0.45, 0.10)  # the rest (5%) carries no kind label
OUTCOME_LABELS = ("succeeded", "failed", "on hold", "blocked - need access")
PEOPLE = ("ana", "bo", "chen", "dana", "eli", "farah", "gus", "hana")
TOPICS = (
    "churn",
    "demand",
    "fraud",
    "pricing",
    "ranking",
    "forecast",
    "segments",
    "anomaly",
    "uplift",
    "ltv",
)
METHODS = (
    "gradient boosting",
    "logistic baseline",
    "TabNet",
    "LSTM",
    "random forest",
    "target encoding",
    "SHAP review",
    "time-series CV",
    "feature store",
    "SQL extract",
)
BODY = (
    "## Description\n\n{what} for the {topic} project.\n\n"
    "Ask Reference: #{ask}\n\n"
    "## Steps\n\n- [x] Define the split\n- [ ] Train {method}\n- [ ] Compare with baseline\n\n"
    "## Results\n\n{results}\n"
)

PLAIN_BODY = "## Description\n\n{what} for the {topic} project.\n\n## Steps\n\n- [ ] Do it\n"


def _ts(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _project_sizes(issues: int, projects: int) -> list[int]:
    """Items per project: the big board first (5,000 cards and its PRs), the rest spread evenly."""
    if projects < 1:
        raise ValueError("projects must be >= 1")
    big = min(issues, int(BIG_CARDS / 0.83) + 1)  # ~17% of its items are PRs
    if projects == 1:
        return [max(issues, big)]
    rest = max(0, issues - big)
    per, extra = divmod(rest, projects - 1)
    return [big] + [per + (1 if i < extra else 0) for i in range(projects - 1)]


def _items(
    rng: random.Random,
    repo: str,
    count: int,
    *,
    cards: int | None,
    pr_ratio: float,
    id_base: int,
) -> list[dict[str, Any]]:
    """`count` GitHub REST issue dicts (PRs with a `pull_request` key), numbered from 1."""
    out: list[dict[str, Any]] = []
    asks: list[int] = []
    made_cards = 0
    topic = rng.choice(TOPICS)
    for number in range(1, count + 1):
        is_pr = out and (made_cards >= cards if cards is not None else rng.random() < pr_ratio)
        created = EPOCH - timedelta(days=rng.uniform(1, 720))
        closed = rng.random() < 0.35
        updated = created + timedelta(days=rng.uniform(0, 30))
        user = rng.choice(PEOPLE)
        method = rng.choice(METHODS)
        if is_pr:
            ref = rng.randint(1, number - 1)
            kind = rng.choice(KIND_LABELS[1:4]).lower()
            merged = closed and rng.random() < 0.7
            item: dict[str, Any] = {
                "title": f"{method} for #{ref}",
                "labels": [],
                "pull_request": {
                    "url": f"https://api.github.com/repos/{repo}/pulls/{number}",
                    "merged_at": _ts(updated) if merged else None,
                },
                "body": f"Closes #{ref}\n\nBranch {kind}/{ref}-{method.split()[0].lower()}",
            }
        else:
            made_cards += 1
            roll = rng.random()
            kind_label = None
            acc = 0.0
            for label, weight in zip(KIND_LABELS, KIND_WEIGHTS, strict=True):
                acc += weight
                if roll < acc:
                    kind_label = label
                    break
            labels = [kind_label] if kind_label else []
            if kind_label == "Experiment" and (closed or rng.random() < 0.2):
                labels.append(rng.choice(OUTCOME_LABELS[:3]))
            elif rng.random() < 0.02:
                labels.append("blocked - need access")
            if kind_label == "Model" and rng.random() < 0.3:
                labels.append("Deploy")
            if kind_label == "Ask":
                asks.append(number)
            results = (
                f"TLDR: {method} gives AUC 0.{rng.randint(60, 92)} on the hold-out month"
                if kind_label == "Experiment" and closed
                else "pending"
            )
            shape = rng.random()
            body = (
                None
                if shape < 0.15
                else PLAIN_BODY.format(what=f"{kind_label or 'Task'} on {method}", topic=topic)
                if shape < 0.6
                else BODY.format(
                    what=f"{(kind_label or 'Task')} on {method}",
                    topic=topic,
                    ask=rng.choice(asks) if asks else 1,
                    method=method,
                    results=results,
                )
            )
            item = {
                "title": f"{kind_label or 'Task'}: {method} on {topic} ({number})",
                "labels": labels,
                "body": body,
            }
        item.update(
            {
                "id": id_base + number,
                "number": number,
                "state": "closed" if closed else "open",
                "state_reason": "completed" if closed else None,
                "user": {"login": user},
                "comments": rng.randint(0, 4),
                "html_url": f"https://github.com/{repo}/{'pull' if is_pr else 'issues'}/{number}",
                "created_at": _ts(created),
                "updated_at": _ts(updated),
                "closed_at": _ts(updated) if closed else None,
            }
        )
        item["labels"] = [{"name": name} for name in item["labels"]]
        out.append(item)
    return out


def make_mirror(
    db_path: str | Path, *, issues: int = 20_000, projects: int = 50, seed: int = 0
) -> None:
    """Write a fresh synthetic mirror at `db_path` (replacing any file there)."""
    from sqlalchemy import insert

    from store.db import open_store
    from store.mirror import ensure_repo, replace_branches, upsert_issues, upsert_labels
    from store.models import ExperimentOutcome, ModelStatus, OutboxEntry, SignOff
    from store.rules import DECISIONS, MODEL_HEALTH, PHASES

    path = Path(db_path)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    rng = random.Random(seed)
    labels = [{"name": n, "color": "ededed", "description": None} for n in KIND_LABELS]
    labels += [{"name": n, "color": "ededed", "description": None} for n in OUTCOME_LABELS]
    labels.append({"name": "Deploy", "color": "ededed", "description": None})
    store = open_store(path)
    try:
        for index, size in enumerate(_project_sizes(issues, projects)):
            name = BIG_REPO if index == 0 else f"team{index % 7}/{rng.choice(TOPICS)}-{index:02d}"
            items = _items(
                rng,
                name,
                size,
                cards=BIG_CARDS if index == 0 else None,
                pr_ratio=0.2,
                id_base=(index + 1) * 10_000_000,
            )
            with store.session(write=True) as s:
                repo = ensure_repo(
                    s,
                    name,
                    html_url=f"https://github.com/{name}",
                    added_at=EPOCH - timedelta(days=800),
                    last_synced_at=EPOCH - timedelta(days=rng.choice((0.2, 1, 3, 6, 9, 20))),
                )
                rid = repo.id
                assert rid is not None
                pending: list[tuple[str, int, str, int | None, dict[str, Any]]] = []
                upsert_labels(s, rid, labels)
                cards = [it for it in items if "pull_request" not in it]
                kinds = {
                    k: [it["number"] for it in cards if {"name": k} in it["labels"]]
                    for k in KIND_LABELS
                }
                # Model statuses first: upsert_issues reads them to put a model in production
                # into Monitoring.
                statuses = []
                for n in kinds["Model"]:
                    roll = rng.random()
                    status = "production" if roll < 0.3 else ("staging" if roll < 0.5 else None)
                    if status is None:
                        continue
                    statuses.append(
                        {
                            "id": f"ms-{rid}-{n}",
                            "repo_id": rid,
                            "issue_number": n,
                            "version": f"1.{rng.randint(0, 9)}.0",
                            "status": status,
                            "health": rng.choice(MODEL_HEALTH) if status == "production" else None,
                            "created_at": EPOCH - timedelta(days=rng.uniform(1, 60)),
                            "origin": "github",
                        }
                    )
                if statuses:
                    s.execute(insert(ModelStatus), statuses)
                for start in range(0, len(items), 100):  # one page of the issues list each
                    upsert_issues(s, rid, items[start : start + 100])
                experiments = kinds["Experiment"]
                logged = rng.sample(experiments, k=len(experiments) // 4)
                outcomes = [
                    {
                        "id": f"oc-{rid}-{n}",
                        "repo_id": rid,
                        "issue_number": n,
                        "status": rng.choice(("succeeded", "failed", "on hold")),
                        "tldr": f"{rng.choice(METHODS)}: AUC 0.{rng.randint(60, 92)}",
                        "metrics": {"auc": round(rng.uniform(0.6, 0.92), 3)},
                        "params": {},
                        "run_links": [f"https://mlflow.example.invalid/r/{rid}-{n}"],
                        "author": rng.choice(PEOPLE),
                        "created_at": EPOCH - timedelta(days=rng.uniform(1, 300)),
                        "origin": "github",
                    }
                    for n in logged
                ]
                if outcomes:
                    s.execute(insert(ExperimentOutcome), outcomes)
                signoffs = [
                    {
                        "id": f"so-{rid}-{gate}-{k}",
                        "repo_id": rid,
                        "gate": gate,
                        "stakeholder": rng.choice(PEOPLE),
                        "decision": rng.choice(DECISIONS),
                        "note": "",
                        "created_at": EPOCH - timedelta(days=rng.uniform(1, 200)),
                        "origin": "github",
                    }
                    for gate in PHASES
                    if rng.random() < 0.6
                    for k in range(rng.randint(1, 3))
                ]
                if signoffs:
                    s.execute(insert(SignOff), signoffs)
                branch_for = rng.sample(
                    [it["number"] for it in cards], k=min(len(cards), max(3, len(cards) // 8))
                )
                branches = [{"name": "main"}, {"name": "development"}]
                for n in branch_for:
                    kind = next((k.lower() for k in KIND_LABELS[1:] if n in kinds[k]), None)
                    slug = rng.choice(METHODS).split()[0].lower()
                    branches.append({"name": f"{kind}/{n}-{slug}" if kind else f"{n}-{slug}"})
                branches.append({"name": f"wip-{rng.choice(PEOPLE)}"})  # a misnamed one
                replace_branches(s, rid, "remote", branches)
                # A few changes made offline, still waiting for a push (fixed ids and stamps:
                # the same seed writes the same rows).
                if experiments and rng.random() < 0.5:
                    entry = f"local-{rid}-outcome"
                    n = rng.choice(experiments)
                    s.execute(
                        insert(ExperimentOutcome),
                        [
                            {
                                "id": entry,
                                "repo_id": rid,
                                "issue_number": n,
                                "status": "succeeded",
                                "tldr": "logged on the train",
                                "metrics": {},
                                "params": {},
                                "run_links": [],
                                "created_at": EPOCH,
                                "origin": "local",
                            }
                        ],
                    )
                    pending.append((entry, rid, "outcome", n, {"status": "succeeded"}))
                if rng.random() < 0.3:
                    entry = f"local-{rid}-signoff"
                    gate = rng.choice(PHASES)
                    by = rng.choice(PEOPLE)
                    s.execute(
                        insert(SignOff),
                        [
                            {
                                "id": entry,
                                "repo_id": rid,
                                "gate": gate,
                                "stakeholder": by,
                                "decision": "approved",
                                "note": "",
                                "created_at": EPOCH,
                                "origin": "local",
                            }
                        ],
                    )
                    pending.append(
                        (
                            entry,
                            rid,
                            "signoff",
                            None,
                            {"gate": gate, "by": by, "decision": "approved"},
                        )
                    )
                if pending:
                    s.execute(
                        insert(OutboxEntry),
                        [
                            {
                                "id": e,
                                "repo_id": r,
                                "kind": k,
                                "issue_number": n,
                                "payload": p,
                                "state": "pending",
                                "created_at": EPOCH,
                                "updated_at": EPOCH,
                            }
                            for e, r, k, n, p in pending
                        ],
                    )
    finally:
        store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--issues", type=int, default=20_000)
    parser.add_argument("--projects", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    start = time.perf_counter()
    make_mirror(args.db, issues=args.issues, projects=args.projects, seed=args.seed)
    print(f"wrote {args.db} in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
