"""The team report: numbers in the figures, the self-contained HTML, and `dslp report`."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from dslp_tui.cli import main
from dslp_tui.report.charts import build_charts
from dslp_tui.report.write import write_report
from store.db import Store, open_store
from store.mirror import ensure_repo
from store.report_data import load_report_data
from tests.test_history import NOW, add_issue, build_known_mirror, d


@pytest.fixture
def known_mirror(store: Store) -> Store:
    return build_known_mirror(store)


def charts_of(store: Store, repos: list[str] | None = None, since: date | None = None) -> dict:  # type: ignore[type-arg]
    with store.session() as s:
        data = load_report_data(s, repos, since, NOW)
    return {c.key: c for c in build_charts(data)}


def trace(fig, name: str):  # type: ignore[no-untyped-def]
    found = [t for t in fig.data if t.name == name or (t.name or "").startswith(name)]
    assert found, f"no trace {name!r} in {[t.name for t in fig.data]}"
    return found[0]


def annotations(fig) -> list[str]:  # type: ignore[no-untyped-def]
    return [a.text for a in fig.layout.annotations]


def test_seven_charts_each_with_caption_and_note(known_mirror: Store) -> None:
    charts = charts_of(known_mirror)
    assert list(charts) == ["flow", "cycle", "throughput", "success", "work_type", "models", "wip"]
    for chart in charts.values():
        assert chart.caption and "\n" not in chart.caption
        assert chart.note


def test_figures_carry_the_known_numbers(known_mirror: Store) -> None:
    charts = charts_of(known_mirror)
    success = charts["success"].figure
    # January and February had no results: shown as months with none, not left out
    assert list(trace(success, "success rate").y) == [None, None, 75.0]
    assert list(trace(success, "succeeded").y) == [0, 0, 3]
    assert list(trace(success, "failed").y) == [0, 0, 1]
    assert list(trace(success, "on hold").y) == [0, 0, 1]

    cycle = charts["cycle"].figure
    assert list(trace(cycle, "Experiment").y) == [4, 9, 19, 24]
    assert list(trace(cycle, "Data").y) == [10]
    assert list(trace(cycle, "85th percentile").y) == [24, 24]
    assert list(trace(cycle, "rolling median").y) == [10, 7, 9, 9.5, 10]

    throughput = charts["throughput"].figure
    assert sum(trace(throughput, "Experiment").y) == 4
    assert sum(trace(throughput, "Data").y) == 1  # the not-planned one is left out

    flow = charts["flow"].figure
    assert trace(flow, "Closed").y[-1] == 6 and trace(flow, "Monitoring").y[-1] == 1

    wip = charts["wip"].figure
    old = trace(wip, "older than")
    assert sorted(old.y) == [30.5, 30.5, 89.5, 89.5]  # above p85 = 24 days
    assert sorted(trace(wip, "within").y) == [1.5, 11.5]  # the live model is never "late"
    assert "experiment (2)" in wip.layout.xaxis.categoryarray

    models = charts["models"].figure
    assert trace(models, "production").y[-1] == 1
    assert list(trace(models, "approved").y) == [69.0]


def test_time_by_work_type_is_a_share_of_card_days(known_mirror: Store) -> None:
    fig = charts_of(known_mirror, ["o/a"], date(2026, 3, 30))["work_type"].figure
    assert list(trace(fig, "Experiment").y) == [50.0]
    assert list(trace(fig, "Experiment").customdata) == [4]
    assert list(trace(fig, "Ask").y) == [25.0]


def test_a_project_with_no_closed_cards(known_mirror: Store) -> None:
    charts = charts_of(known_mirror, ["o/b"])
    assert "No card closed in this range yet" in annotations(charts["cycle"].figure)
    assert "No card closed in this range yet" in annotations(charts["throughput"].figure)
    assert "No experiment has an outcome" in annotations(charts["success"].figure)[0]
    wip = charts["wip"].figure
    # nothing closed: no 85th percentile, so no line, no flag and no claim about it
    assert [t.name for t in wip.data] == ["open cards (none closed yet)"]
    assert list(wip.data[0].y) == [30.5]


def test_an_empty_mirror_still_makes_a_report(store: Store, tmp_path: Path) -> None:
    charts = charts_of(store)
    for key in ("flow", "cycle", "throughput", "success", "work_type", "wip"):
        assert annotations(charts[key].figure), key
        assert not charts[key].figure.data, key
    path = write_report(store, tmp_path / "empty.html", now=NOW)
    html = path.read_text()
    assert "No projects tracked yet" in html and "No sync has been recorded yet" in html


def test_html_is_self_contained_and_escapes_github_text(
    known_mirror: Store, tmp_path: Path
) -> None:
    with known_mirror.session(write=True) as s:
        repo = ensure_repo(s, "o/a")
        assert repo.id is not None
        add_issue(s, repo.id, 99, "ask", d(3, 2), closed=d(3, 3))
        from sqlalchemy import update

        from store.models import Issue

        s.execute(
            update(Issue)
            .where(Issue.number == 99)
            .values(title="</script><script>alert(1)</script>")
        )
    path = write_report(known_mirror, tmp_path / "r.html", now=NOW)
    html = path.read_text()
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, re.IGNORECASE)
    assert html.count("Plotly.newPlot(") == 7
    assert len(re.findall(r"<script[^>]*>", html)) == 8  # plotly.js once + one per chart
    assert "<script>alert(1)" not in html
    assert "From <b>2026-01-01</b> to <b>2026-03-31</b>" in html
    assert "o/a" in html and "o/b" in html
    assert "DSLP team report" in html


def test_dslp_report_end_to_end(
    known_mirror: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = str(known_mirror.path)
    out = tmp_path / "out" / "team.html"
    assert main(["report", "o/a", "--since", "2026-02-01", "--out", str(out), "--db", db]) == 0
    assert out.exists() and out.stat().st_size > 1_000_000  # plotly.js is in it
    assert f"wrote {out}" in capsys.readouterr().out
    html = out.read_text()
    assert "From <b>2026-02-01</b>" in html and "o/b" not in html

    monkeypatch.chdir(tmp_path)
    assert main(["report", "--db", db]) == 0
    assert len(list(tmp_path.glob("report-????-??-??.html"))) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "last week"], "is not a date: use YYYY-MM-DD"),
        (["--since", "20260201"], "is not a date: use YYYY-MM-DD"),
        (["--since", "2026-W05"], "is not a date: use YYYY-MM-DD"),
        (["--since", "2999-01-01"], "is in the future"),
        (["no/such"], "no/such is not tracked"),
    ],
)
def test_dslp_report_usage_errors_are_one_line_exit_2(
    known_mirror: Store, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", *args, "--db", str(known_mirror.path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_dslp_report_on_a_missing_mirror(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--db", str(tmp_path / "absent.db")]) == 2
    assert "no mirror at" in capsys.readouterr().err


def test_the_demo_report_renders(demo_store: Store, tmp_path: Path) -> None:
    path = write_report(demo_store, tmp_path / "demo.html")
    assert path.stat().st_size > 1_000_000


def test_version_and_help_do_not_import_plotly() -> None:
    code = (
        "import sys; from dslp_tui.cli import build_parser; build_parser(); "
        "import dslp_tui.report, dslp_tui.report_command; "
        "assert not [m for m in sys.modules if m.startswith('plotly')], 'plotly imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_write_report_reopens_after_migration(tmp_path: Path) -> None:
    store = open_store(tmp_path / "m.db")
    try:
        assert write_report(store, tmp_path / "x.html").exists()
    finally:
        store.dispose()
