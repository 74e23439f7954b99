"""The embedded demo: three projects that together show every phase, gate and badge.

The data goes through the same code paths as a real sync (GitHub-shaped JSON into
`store.mirror`, offline changes through `store.outbox`, a real git clone scanned by
`sync.gitscan`), so the demo is also a smoke test of the whole mirror.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from store.db import Store
from store.mirror import ensure_repo, replace_branches, upsert_issues, upsert_labels
from store.models import ModelStatus, Repository, SignOff
from store.outbox import change_checklist, record_outcome, record_signoff, seed_checklist
from store.rules import DEFAULT_LABELS
from store.signoff_sync import refresh_counts

NOW = datetime.now(UTC).replace(microsecond=0)


def _ts(days: float) -> str:
    return (NOW - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _issue(
    repo: str,
    number: int,
    title: str,
    labels: list[str],
    *,
    body: str | None = None,
    days: float = 30,
    closed: float | None = None,
    pr: dict[str, Any] | None = None,
    user: str = "ana",
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": abs(hash((repo, number))) % 10**9,
        "number": number,
        "title": title,
        "body": body,
        "state": "closed" if closed is not None else "open",
        "labels": [{"name": n} for n in labels],
        "user": {"login": user},
        "comments": 0,
        "html_url": f"https://github.com/{repo}/{'pull' if pr else 'issues'}/{number}",
        "created_at": _ts(days),
        "updated_at": _ts(closed if closed is not None else max(days - 3, 0.5)),
        "closed_at": _ts(closed) if closed is not None else None,
    }
    if pr is not None:
        merged = _ts(closed) if pr.get("merged") and closed is not None else None
        item["pull_request"] = {"merged_at": merged}
    return item


def _experiment_body(ask: int, tldr: str = "") -> str:
    return (
        f"## Description\n\n***Ask Reference:*** #{ask}\n\nTry one approach.\n\n"
        f"## Metrics\n\nAUC on the hold-out month.\n\n## Results\n\n{tldr}\n"
    )


def _model_body(ask: int, exp: int, tasks: list[tuple[str, bool]]) -> str:
    lines = "\n".join(f"- [{'x' if done else ' '}] {t}" for t, done in tasks)
    return (
        f"## Description\n\n***Ask Reference:*** #{ask}  \n***Based on Experiment:*** #{exp}  \n\n"
        f"Serve the model behind the scoring API.\n\n## Steps\n\n{lines}\n"
    )


CHURN = "acme/churn-prediction"
FORECAST = "acme/demand-forecast"
FRAUD = "acme/fraud-signals"

CHURN_MODEL_TASKS = [
    ("Parametrize model inputs and parameters", True),
    ("Define and create API schema for model consumption", True),
    ("Profile model performance characteristics", False),
]


def _churn() -> list[dict[str, Any]]:
    r = CHURN
    return [
        _issue(
            r,
            1,
            "Reduce voluntary churn in the subscription business",
            ["Ask"],
            days=90,
            body="## Problem Statement\n\nCustomers leave without warning.\n\n"
            "## Approaches and Experiments\n\n- #5\n- #6\n- #11\n",
        ),
        _issue(r, 2, "Get customer events dataset v1", ["Data"], days=80, closed=60),
        _issue(r, 3, "Create churn labels dataset v2", ["Data"], days=40),
        _issue(r, 4, "Explore tenure and support tickets", ["Explore"], days=70, closed=50),
        _issue(
            r,
            5,
            "Logistic regression baseline",
            ["Experiment", "failed"],
            days=55,
            closed=41,
            body=_experiment_body(1, "TLDR: AUC 0.61, below the 0.70 bar; features too coarse."),
        ),
        _issue(
            r,
            6,
            "Gradient boosting on event aggregates",
            ["Experiment", "succeeded"],
            days=45,
            closed=20,
            body=_experiment_body(1, "TLDR: AUC 0.78 with 40 features; go to model."),
        ),
        _issue(
            r,
            7,
            "Implement GBM churn model",
            ["Model"],
            days=19,
            body=_model_body(1, 6, CHURN_MODEL_TASKS),
        ),
        _issue(r, 8, "experiment/6-gbm-aggregates", [], days=44, closed=20, pr={"merged": True}),
        _issue(r, 9, "explore/4-tenure-tickets", [], days=69, closed=50, pr={"merged": False}),
        _issue(r, 10, "Update CONTRIBUTING with branch rules", [], days=12),
        _issue(
            r,
            11,
            "TabNet on raw event sequences",
            ["Experiment"],
            days=10,
            body=_experiment_body(1),
        ),
        _issue(
            r,
            12,
            "Survival model for time-to-churn",
            ["Experiment", "on hold"],
            days=8,
            body=_experiment_body(1),
        ),
    ]


def _forecast() -> list[dict[str, Any]]:
    r = FORECAST
    return [
        _issue(r, 1, "Forecast weekly demand per store", ["Ask"], days=200, user="ben"),
        _issue(r, 2, "Get point-of-sale history 2019-2024", ["Data"], days=190, closed=170),
        _issue(r, 3, "Explore seasonality and promotions", ["Explore"], days=175, closed=160),
        _issue(
            r,
            4,
            "Prophet per store",
            ["Experiment", "failed"],
            days=150,
            closed=130,
            body=_experiment_body(1, "TLDR: MAPE 24%, too slow for 900 stores."),
        ),
        _issue(
            r,
            5,
            "Global LightGBM with calendar features",
            ["Experiment", "succeeded"],
            days=140,
            closed=110,
            body=_experiment_body(1, "TLDR: MAPE 11%, trains in 4 min."),
        ),
        _issue(
            r,
            6,
            "Implement LightGBM demand model",
            ["Model"],
            days=105,
            closed=60,
            body=_model_body(1, 5, [("Register model", True), ("Shadow run", True)]),
        ),
        _issue(
            r,
            7,
            "Implement holiday uplift model",
            ["Model", "Deploy"],
            days=30,
            body=_model_body(1, 5, [("Register model", True), ("Canary release", False)]),
        ),
        _issue(r, 8, "Weather features", ["Experiment"], days=14, body=_experiment_body(1)),
    ]


def _fraud() -> list[dict[str, Any]]:
    r = FRAUD
    return [
        _issue(r, 1, "Flag card-not-present fraud within 200 ms", ["Ask"], days=20, user="chen"),
        _issue(
            r,
            2,
            "Get chargeback data from the payments warehouse",
            ["Data", "blocked - need access"],
            days=18,
            user="chen",
        ),
        _issue(r, 3, "Explore merchant category risk", ["Explore"], days=9, user="chen"),
        _issue(r, 4, "[bold red]Markup[/bold red] in a title stays literal", [], days=3),
    ]


def _make_clone(path: Path) -> None:
    """A real git repository with DSLP branches (one misnamed) for the branch scan."""
    import git

    if (path / ".git").exists():
        return
    from store.db import private_dirs

    private_dirs(path)  # beside the mirror: as private as it
    repo = git.Repo.init(path, initial_branch="main")
    with repo.config_writer() as cfg:
        cfg.set_value("user", "name", "Demo")
        cfg.set_value("user", "email", "demo@example.invalid")
    readme = path / "README.md"
    readme.write_text("# churn-prediction\n")
    repo.index.add([str(readme)])
    repo.index.commit("Start the project")
    for name, fname in [
        ("data/3-churn-labels", "labels.sql"),
        ("experiment/11-tabnet", "tabnet.py"),
        ("model/7-gbm-churn", "serve.py"),
        ("explore/4-tenure-tickets", "eda.ipynb"),
        ("quick-fix-plots", "plots.py"),
    ]:
        head = repo.create_head(name, repo.heads.main.commit)
        head.checkout()
        (path / fname).write_text(f"# work on {name}\n")
        repo.index.add([str(path / fname)])
        repo.index.commit(f"Work on {name}")
    repo.heads.main.checkout()
    # DSLP says explore PRs are closed unmerged; this clone breaks that rule on purpose.
    repo.git.merge("--no-ff", "-m", "Merge explore branch", "explore/4-tenure-tickets")


def seed_demo(store: Store, clone_dir: Path | None = None) -> bool:
    """Fill an empty mirror with the demo; returns False when it already holds projects."""
    from sync.gitscan import scan_clone

    with store.session(write=True) as session:
        if session.execute(select(func.count()).select_from(Repository)).scalar():
            return False
        labels = [{"name": n, "color": c, "description": d} for n, c, d in DEFAULT_LABELS]
        synced = {CHURN: 2, FORECAST: 9, FRAUD: 0.05}
        repos = {}
        for name, items in ((CHURN, _churn()), (FORECAST, _forecast()), (FRAUD, _fraud())):
            repo = ensure_repo(
                session,
                name,
                html_url=f"https://github.com/{name}",
                last_synced_at=NOW - timedelta(days=synced[name]),
            )
            assert repo.id is not None
            upsert_labels(session, repo.id, labels)
            upsert_issues(session, repo.id, items)
            repos[name] = repo
        churn, forecast, fraud = repos[CHURN], repos[FORECAST], repos[FRAUD]
        assert churn.id and forecast.id and fraud.id

        # Models: one in production (Monitoring), its health drifting.
        for number, status, health, version, days in (
            (6, "staging", None, "1.0.0", 70),
            (6, "production", "healthy", "1.0.0", 60),
            (6, None, "drifting", "1.1.0", 4),
            (7, "candidate", None, "0.3.0", 10),
        ):
            session.add(
                ModelStatus(
                    id=f"demo-model-{number}-{days}",
                    repo_id=forecast.id,
                    issue_number=number,
                    status=status,
                    health=health,
                    version=version,
                    origin="github",
                    created_at=NOW - timedelta(days=days),
                )
            )
        session.flush()
        from store.mirror import refresh_model_phase

        refresh_model_phase(session, forecast.id, 6)
        session.add(
            ModelStatus(
                id="demo-model-churn-7",
                repo_id=churn.id,
                issue_number=7,
                status="candidate",
                version="0.1.0",
                origin="github",
                created_at=NOW - timedelta(days=5),
            )
        )

        # Who the demo's token is, and who may sign churn's Deploy gate (its .github/dslp.yml).
        churn.viewer_login = "ana"
        churn.approvers = {
            "experiment": ["eli-risk", "dana-vp"],
            "deploy": ["omar-eng", "maya-lead"],
        }
        logins = {
            "Dana (VP Customer)": "dana-vp",
            "Eli (Risk)": "eli-risk",
            "Fay (Ops)": "fay-ops",
            "Gus (Platform)": "gus-platform",
        }
        # Sign-offs already on GitHub (given) ...
        for repo, gate, who, decision, days, note in (
            (churn, "ideation", "Dana (VP Customer)", "approved", 85, "Success = -2pt churn"),
            (churn, "data", "Dana (VP Customer)", "approved", 58, ""),
            (churn, "experiment", "Eli (Risk)", "changes-requested", 15, "Explain top features"),
            (forecast, "ideation", "Fay (Ops)", "approved", 195, ""),
            (forecast, "data", "Fay (Ops)", "approved", 165, ""),
            (forecast, "explore", "Fay (Ops)", "approved", 158, ""),
            (forecast, "experiment", "Fay (Ops)", "approved", 108, ""),
            (forecast, "model", "Gus (Platform)", "approved", 62, "Shadow run clean"),
        ):
            assert repo.id is not None
            session.add(
                SignOff(
                    id=f"demo-signoff-{repo.id}-{gate}",
                    repo_id=repo.id,
                    gate=gate,
                    stakeholder=who,
                    decision=decision,
                    note=note,
                    origin="github",
                    github_login=logins[who],
                    created_at=NOW - timedelta(days=days),
                )
            )

        # ... one given by a comment from someone who is no approver: shown, not counted
        assert churn.id is not None
        session.add(
            SignOff(
                id="cmd-9001-0",
                repo_id=churn.id,
                gate="experiment",
                stakeholder="@bo-analyst",
                decision="approved",
                note="looks fine to me",
                issue_number=11,
                origin="github",
                github_login="bo-analyst",
                source="comment",
                comment_github_id=9001,
                created_at=NOW - timedelta(days=3),
            )
        )
        refresh_counts(session, churn.id)

        # Hand-off checklists of the Model cards.
        seed_checklist(session, churn.id, 7, CHURN_MODEL_TASKS)
        seed_checklist(
            session, forecast.id, 7, [("Register model", True), ("Canary release", False)]
        )

        # ... and offline changes not pushed yet (pending in the outbox).
        record_outcome(
            session,
            churn,
            11,
            status="succeeded",
            tldr="TabNet reaches AUC 0.81 on the hold-out month",
            metrics={"auc": 0.81, "recall_at_10": 0.42},
            params={"epochs": 40},
            run_links=["https://mlflow.example.invalid/runs/42"],
            author="ana",
        )
        record_signoff(
            session,
            churn,
            gate="explore",
            stakeholder="Dana (VP Customer)",
            decision="approved",
            note="Tenure insight is convincing",
            issue_number=1,
        )
        change_checklist(session, churn, 7, check="Tests for features", actor="ana")

    clone = clone_dir or (store.path.parent if store.path else Path.cwd()) / "demo-clones" / "churn"
    _make_clone(clone)
    with store.session(write=True) as session:
        repo = ensure_repo(session, CHURN, local_path=str(clone))
        assert repo.id is not None
        replace_branches(session, repo.id, "local", scan_clone(clone, "main", range(1, 13)))
    return True
