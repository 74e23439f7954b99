"""The team report: numbers in the figures, the self-contained HTML, and `dslp report`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from dslp_tui.cli import main
from dslp_tui.report.charts import build_charts
from dslp_tui.report.write import write_report
from store.db import Store
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


def html_charts(html: str) -> dict[str, dict[str, Any]]:
    """Per chart, in page order: its caption and the traces plotly.js is given, by name.

    Read back from the HTML itself (each `Plotly.newPlot(id, data, layout, config)` call), so
    what is checked is what a reader's browser draws.
    """
    decoder = json.JSONDecoder()
    out: dict[str, dict[str, Any]] = {}
    for m in re.finditer(r"<section id='(\w+)'><h2>[^<]*</h2><p class='caption'>([^<]*)</p>", html):
        call = html.index("Plotly.newPlot(", m.end()) + len("Plotly.newPlot(")
        args: list[Any] = []
        pos = call
        for _ in range(3):
            while html[pos] in " \n\t,":
                pos += 1
            value, pos = decoder.raw_decode(html, pos)
            args.append(value)
        div, data, layout = args
        assert div == f"chart-{m[1]}"
        out[m[1]] = {
            "caption": unescape(m[2]),
            "traces": {t.get("name"): t for t in data},
            "annotations": [a.get("text") for a in layout.get("annotations", [])],
        }
    return out


def ys(chart: dict[str, Any], name: str) -> list[Any]:
    found = [t for n, t in chart["traces"].items() if n == name or (n or "").startswith(name)]
    assert found, f"no trace {name!r} in {list(chart['traces'])}"
    return list(found[0]["y"])


def title_rows(html: str) -> list[tuple[str, int, int]]:
    """(project, cards, open) rows of the title block's table."""
    return [
        (unescape(name), int(cards), int(open_))
        for name, cards, open_ in re.findall(
            r"<tr><td>([^<]*)</td><td>(\d+)</td><td>(\d+)</td>", html
        )
    ]


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
    assert "DSLP team report: o/a, o/b" in html
    assert title_rows(html) == [("o/a", 12, 5), ("o/b", 1, 1)]


def test_the_html_draws_the_known_numbers_under_each_caption(
    known_mirror: Store, tmp_path: Path
) -> None:
    html = write_report(known_mirror, tmp_path / "r.html", now=NOW).read_text()
    charts = html_charts(html)
    assert list(charts) == ["flow", "cycle", "throughput", "success", "work_type", "models", "wip"]
    captions = {key: chart["caption"] for key, chart in charts.items()}
    assert "succeeded / (succeeded + failed), on hold left out" in captions["success"]
    assert "85% of cards closed at or below the dashed line" in captions["cycle"]
    assert "red dots are older than 85% of the cards" in captions["wip"]
    assert all(len(c) > 60 for c in captions.values()), captions

    assert ys(charts["flow"], "Closed")[-1] == 6 and ys(charts["flow"], "Monitoring")[-1] == 1
    assert ys(charts["cycle"], "Experiment") == [4, 9, 19, 24]
    assert ys(charts["cycle"], "Data") == [10]
    assert ys(charts["cycle"], "85th percentile: 24.0 days") == [24, 24]
    assert ys(charts["cycle"], "rolling median") == [10, 7, 9, 9.5, 10]
    assert sum(ys(charts["throughput"], "Experiment")) == 4
    assert sum(ys(charts["throughput"], "Data")) == 1
    assert ys(charts["success"], "succeeded") == [0, 0, 3]
    assert ys(charts["success"], "failed") == [0, 0, 1]
    assert ys(charts["success"], "on hold") == [0, 0, 1]
    assert ys(charts["success"], "success rate") == [None, None, 75.0]
    # the last week, 30-31 March: 1.5 open days each for two experiments, two Asks (o/a's and
    # o/b's) and the explore opened on the 30th; the live model is watched, not worked on
    last_week = {k: ys(charts["work_type"], k)[-1] for k in charts["work_type"]["traces"]}
    assert last_week == {
        "Ask": 40.0,
        "Data": 0.0,
        "Explore": 20.0,
        "Experiment": 40.0,
        "Model": 0.0,
    }
    assert ys(charts["models"], "production")[-1] == 1
    assert ys(charts["models"], "approved") == [69.0]
    assert sorted(ys(charts["wip"], "older than")) == [30.5, 30.5, 89.5, 89.5]
    assert sorted(ys(charts["wip"], "within")) == [1.5, 11.5]
    assert charts["models"]["annotations"] == ["Models by status", "Sign-off lead time per gate"]


def test_dslp_report_end_to_end(
    known_mirror: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = str(known_mirror.path)
    out = tmp_path / "out" / "team.html"
    assert main(["report", "o/a", "--since", "2026-02-01", "--out", str(out), "--db", db]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    html = out.read_text()
    assert "From <b>2026-02-01</b>" in html and "o/b" not in html
    assert title_rows(html) == [("o/a", 11, 5)]  # o/a's cards; the January ones as well
    charts = html_charts(html)  # the range ends today: only what today cannot move is checked
    assert ys(charts["cycle"], "Experiment") == [4, 9, 19, 24]
    assert ys(charts["cycle"], "Data") == [10]  # closed 11 February: in the range
    assert [sum(ys(charts["success"], k)) for k in ("succeeded", "failed", "on hold")] == [3, 1, 1]
    assert sum(ys(charts["throughput"], "Experiment")) == 4
    assert ys(charts["flow"], "Closed")[-1] == 6

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


def test_the_demo_report_shows_the_demo(demo_store: Store, tmp_path: Path) -> None:
    """The numbers follow from the demo's cards (dslp_tui/demo.py), dated relative to now."""
    html = write_report(demo_store, tmp_path / "demo.html").read_text()
    assert title_rows(html) == [
        ("acme/churn-prediction", 9, 5),
        ("acme/demand-forecast", 8, 4),  # its live model counts as open work
        ("acme/fraud-signals", 3, 3),
    ]
    charts = html_charts(html)
    assert len(charts) == 7 and all(c["traces"] for c in charts.values())
    cycle = charts["cycle"]
    dots = [y for k in ("Data", "Explore", "Experiment", "Model") for y in ys(cycle, k)]
    assert sorted(dots) == [14, 15, 20, 20, 20, 20, 25, 30, 45]  # days from opened to closed
    assert ys(cycle, "85th percentile: 30.0 days") == [30, 30]
    throughput = charts["throughput"]
    assert {k: sum(ys(throughput, k)) for k in ("Data", "Explore", "Experiment", "Model")} == {
        "Data": 2,
        "Explore": 2,
        "Experiment": 4,
        "Model": 1,
    }
    # churn: #5 failed, #6 succeeded, #11 succeeded offline, #12 on hold; forecast: #4, #5
    success = charts["success"]
    assert [sum(ys(success, k)) for k in ("succeeded", "failed", "on hold")] == [3, 2, 1]
    wip = charts["wip"]
    ages = ys(wip, "within") + ys(wip, "older than")
    assert sorted(round(a) for a in ages) == [8, 9, 10, 14, 18, 19, 20, 30, 40, 60, 90, 200]


def test_version_and_help_do_not_import_plotly() -> None:
    code = (
        "import sys; from dslp_tui.cli import build_parser; build_parser(); "
        "import dslp_tui.report, dslp_tui.report_command; "
        "assert not [m for m in sys.modules if m.startswith('plotly')], 'plotly imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
