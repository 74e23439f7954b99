"""The offline commands write only the local store, and `dslp labels apply` is strict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dslp_tui.cli import main
from store.db import Store
from store.labels_file import LabelFileError, parse_labels
from tests.fakegithub import FakeGitHub

CHURN = "acme/churn-prediction"

# The DSLP template's own labels.yaml, as published: unquoted '#' colours and mis-indented entries.
TEMPLATE_LABELS = """\
- name: Ask
  description: Define and scope problem and solution
  color: #c9ecff

- name: Communicate
  description: Write reports, create dashboards, summarize findings, etc.
  color: #f9f345

  - name: succeeded
  description: This was successful
  color: #67d157
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_log_json_is_stored_and_pending(
    demo_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(demo_store.path)
    code, out, err = run(
        capsys,
        "log",
        f"{CHURN}#12",
        "--outcome",
        "on-hold",
        "--tldr",
        "Waiting for labels v2",
        "--metric",
        "cindex=0.58",
        "--metric",
        "epochs=40",
        "--param",
        "model=cox",
        "--run-url",
        "https://runs.example.invalid/9",
        "--next",
        "get-data",
        "--by",
        "ana",
        "--db",
        db,
        "--json",
    )
    assert code == 0, err
    entry = json.loads(out)
    assert entry["status"] == "on hold" and entry["metrics"] == {"cindex": 0.58, "epochs": 40}
    assert entry["pending_sync"] is True and entry["next"] == "get-data"
    code, out, _ = run(capsys, "outbox", "--db", db, "--json")
    kinds = [(e["kind"], e["number"], e["state"]) for e in json.loads(out)["entries"]]
    assert ("outcome", 12, "pending") in kinds
    code, out, _ = run(capsys, "board", CHURN, "--db", db, "--json")
    card = next(c for c in json.loads(out)["columns"]["experiment"] if c["number"] == 12)
    assert card["pending_sync"] is True and card["outcome"] == "on hold"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["log", "acme/churn-prediction", "--outcome", "failed", "--tldr", "x"],
            "OWNER/NAME#NUMBER",
        ),
        (["log", f"{CHURN}#12", "--outcome", "failed", "--tldr", " "], "needs a TLDR"),
        (
            ["log", f"{CHURN}#12", "--outcome", "failed", "--tldr", "x", "--metric", "auc"],
            "NAME=VALUE",
        ),
        (["log", f"{CHURN}#1", "--outcome", "failed", "--tldr", "x"], "Experiment issues"),
        (["log", f"{CHURN}#404", "--outcome", "failed", "--tldr", "x"], "not in the mirror"),
        (
            ["signoff", CHURN, "--gate", "launch", "--by", "x", "--decision", "approved"],
            "phase key",
        ),
        (["checklist", f"{CHURN}#5"], "not a Model issue"),
        (["checklist", f"{CHURN}#7", "--check", "nothing like this"], "no checklist item matches"),
        (["model", f"{CHURN}#7"], "give --status, --health or --version"),
        (["model", f"{CHURN}#7", "--version", "garbage!!"], "is not a version"),
        (["model", f"{CHURN}#7", "--version", ""], "is not a version"),
        (["log", f"{CHURN}#{10**23}", "--outcome", "failed", "--tldr", "x"], "issue number"),
        (
            [
                *["signoff", CHURN, "--gate", "data", "--by", "x"],
                *["--decision", "approved", "--issue", "999"],
            ],
            "not in the mirror",
        ),
        (["checklist", f"{CHURN}#7", "--check", ""], "give the item"),
        (
            ["log", f"{CHURN}#12", "--outcome", "failed", "--tldr", "x", "--run-url", "mlflow/1"],
            "is not an http(s) address",
        ),
        (
            ["log", f"{CHURN}#12", "--outcome", "failed", "--tldr", "x", "--commit", "main; rm"],
            "is not a commit hash",
        ),
        (["log", f"{CHURN}#12", "--outcome", "failed", "--tldr", "x" * 1001], "keep it under"),
        (["checklist", f"{CHURN}#7", "--add", " "], "give the item"),
        (
            ["checklist", f"{CHURN}#7", "--add", "Retraining plan agreed"],
            "already on the checklist",
        ),
        *[
            (
                ["log", f"{CHURN}#12", "--outcome", "failed", "--tldr", "x", "--metric", metric],
                message,
            )
            for metric, message in (
                ("auc=nan", "must be a number"),
                ("auc=inf", "must be a number"),
                ("auc=1e400", "must be a number"),
                ("auc=abc", "must be a number"),
                ("auc=", "NAME=VALUE"),
                ("=1", "NAME=VALUE"),
            )
        ],
    ],
)
def test_bad_input_is_one_line_exit_2(
    demo_store: Store, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(capsys, *args, "--db", str(demo_store.path))
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1


def test_signoff_checklist_and_model_are_pending(
    demo_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(demo_store.path)
    assert (
        run(
            capsys,
            "signoff",
            CHURN,
            "--gate",
            "model",
            "--by",
            "Gus",
            "--decision",
            "changes-requested",
            "--note",
            "add rollback",
            "--db",
            db,
        )[0]
        == 0
    )
    code, out, _ = run(
        capsys, "checklist", f"{CHURN}#7", "--check", "Model registered", "--db", db, "--json"
    )
    items = {i["text"]: i["done"] for i in json.loads(out)["items"]}
    assert items["Model registered and packaged"] is True
    assert (
        run(
            capsys,
            "model",
            f"{CHURN}#7",
            "--status",
            "production",
            "--version",
            "1.0.0",
            "--db",
            db,
        )[0]
        == 0
    )
    code, out, _ = run(capsys, "status", "--db", db, "--json")
    assert code == 0
    churn = next(p for p in json.loads(out)["projects"] if p["repo"] == CHURN)
    assert churn["outbox_pending"] == 6
    assert churn["cards"]["monitoring"] == 1 and churn["phase"] == "monitoring"


def test_template_label_file_is_refused_with_its_lines() -> None:
    with pytest.raises(LabelFileError) as err:
        parse_labels(TEMPLATE_LABELS, "labels.yaml")
    text = str(err.value)
    assert text.startswith("labels.yaml: line 3: label 'Ask' has no colour")
    assert "nothing was applied" in text and "\n" not in text


def test_mis_indented_entries_are_refused_with_their_line_once_colours_are_quoted() -> None:
    fixed_colours = (
        TEMPLATE_LABELS.replace("color: #", "color: '#").replace("\n\n", "'\n\n").rstrip("\n")
        + "'\n"
    )
    with pytest.raises(LabelFileError, match=r"labels.yaml: line 9: not valid YAML"):
        parse_labels(fixed_colours, "labels.yaml")


def test_labels_apply_creates_updates_and_dry_runs(
    fake: FakeGitHub,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake.add_repo("acme/x")
    fake.add_label("acme/x", "Ask", "000000", "old")
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    base = ["labels", "apply", "acme/x", "--api-url", fake.base_url, "--db", str(tmp_path / "m.db")]
    code, out, _ = run(capsys, *base, "--dry-run")
    assert code == 0 and "would change 11 of 11 labels" in out
    assert fake.count(method="POST") == 0 and fake.count(method="PATCH") == 0
    code, out, _ = run(capsys, *base)
    assert code == 0 and "did change 11 of 11" in out
    labels = {lab["name"]: lab["color"] for lab in fake.labels("acme/x")}
    assert labels["Ask"] == "c9ecff" and labels["blocked - need access"] == "ed9a53"
    code, out, _ = run(capsys, *base)
    assert "did change 0 of 11" in out


def test_labels_apply_with_a_broken_file_applies_nothing(
    fake: FakeGitHub,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake.add_repo("acme/x")
    broken = tmp_path / "labels.yaml"
    broken.write_text(TEMPLATE_LABELS)
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    code, _, err = run(
        capsys, "labels", "apply", "acme/x", "--file", str(broken), "--api-url", fake.base_url
    )
    assert code == 2 and "line 3" in err and err.count("\n") == 1
    assert fake.requests == []


def test_duplicate_keys_overwriting_a_label_are_reported() -> None:
    text = "- name: Ask\n  color: 'c9ecff'\n  name: Data\n  color: '1c587c'\n"
    with pytest.raises(LabelFileError, match=r"line 3: duplicate key 'name' \(first on line 1\)"):
        parse_labels(text, "labels.yaml")


def test_metrics_keep_big_integers_exact_and_params_may_be_words(
    demo_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys,
        *["log", f"{CHURN}#12", "--outcome", "failed", "--tldr", "x", "--json"],
        *["--metric", "n=99999999999999999999999", "--metric", "auc=0.81"],
        *["--param", "model=lgbm", "--param", "depth=6"],
        *["--db", str(demo_store.path)],
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["metrics"] == {"n": 99999999999999999999999, "auc": 0.81}
    assert data["params"] == {"model": "lgbm", "depth": 6}


def test_version_alone_is_a_model_change(
    demo_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "model", f"{CHURN}#7", "--version", "1.2.0", "--db", str(demo_store.path)
    )
    assert code == 0, err
    assert "version 1.2.0 (pending sync)" in out


def test_the_configured_user_signs_what_the_cli_logs(
    demo_store: Store, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dslp_tui.config import config_path

    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('user = "Ana (data science)"\n', encoding="utf-8")
    code, out, err = run(
        capsys,
        *["log", f"{CHURN}#12", "--outcome", "failed", "--tldr", "x", "--json"],
        *["--db", str(demo_store.path)],
    )
    assert code == 0, err
    assert json.loads(out)["author"] == "Ana (data science)"
