"""One self-contained HTML file: plotly.js inlined once in <head>, every chart a <div> after it.

No external URL is loaded, so the file opens offline and can be mailed to stakeholders as is.
Everything that comes from GitHub (project names, card titles) is escaped: titles go through
plotly's JSON encoder, which escapes `<` and `/`, the rest through `html.escape`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from html import escape

import plotly.io as pio
from plotly.offline import get_plotlyjs

from dslp_tui import __version__
from dslp_tui.report.charts import Chart
from store.report_data import ReportData

CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d"]}
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;
background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:24px}
header{background:#fff;border:1px solid #e3e3e3;border-radius:8px;padding:16px 20px;
margin-bottom:20px}
h1{font-size:1.5em;margin:0 0 6px}
.meta{color:#555;margin:4px 0}
table{border-collapse:collapse;margin-top:10px;font-size:.9em}
td,th{padding:3px 12px 3px 0;text-align:left}
th{color:#666;font-weight:600}
section{background:#fff;border:1px solid #e3e3e3;border-radius:8px;padding:12px 16px;
margin-bottom:20px}
h2{font-size:1.15em;margin:4px 0}
.caption{margin:4px 0 8px}
.note{color:#666;font-size:.88em;margin:8px 0 2px;border-left:3px solid #ffd04f;padding-left:8px}
footer{color:#888;font-size:.8em;text-align:center;padding:10px}
"""
MAX_LISTED = 60  # projects listed in the title block; more are summarised


def _stamp(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "never"


def _title_block(data: ReportData, generated: datetime) -> str:
    names = [r.name for r in data.repos]
    if not names:
        scope = "No projects tracked yet"
    elif len(names) <= 3:
        scope = ", ".join(names)
    else:
        scope = f"{len(names)} projects"
    cards = Counter(c.repo for c in data.cards)
    open_cards = Counter(c.repo for c in data.cards if c.in_progress)
    rows = "".join(
        f"<tr><td>{escape(r.name)}</td><td>{cards[r.name]}</td><td>{open_cards[r.name]}</td>"
        f"<td>{_stamp(r.last_synced)}</td></tr>"
        for r in data.repos[:MAX_LISTED]
    )
    more = (
        f"<p class='meta'>and {len(data.repos) - MAX_LISTED} more projects</p>"
        if len(data.repos) > MAX_LISTED
        else ""
    )
    table = (
        "<table><tr><th>project</th><th>cards</th><th>open</th><th>last sync</th></tr>"
        f"{rows}</table>{more}"
        if rows
        else ""
    )
    never = [r.name for r in data.repos if r.last_synced is None]
    unsynced = (
        f"<p class='meta'>Never synced (local data only): {escape(', '.join(never[:10]))}"
        f"{' ...' if len(never) > 10 else ''}</p>"
        if never
        else ""
    )
    return (
        f"<header><h1>DSLP team report: {escape(scope)}</h1>"
        f"<p class='meta'>From <b>{data.start.isoformat()}</b> to <b>{data.end.isoformat()}</b>"
        f" &middot; data last synced <b>{_stamp(data.last_synced)}</b>"
        f" &middot; {len(data.cards)} cards</p>{unsynced}{table}</header>"
    )


def render_html(charts: Sequence[Chart], data: ReportData, generated: datetime) -> str:
    """The whole document as one string."""
    sections = []
    for n, chart in enumerate(charts, start=1):
        div = pio.to_html(
            chart.figure,
            include_plotlyjs=False,
            full_html=False,
            config=CONFIG,
            div_id=f"chart-{chart.key}",
            default_height=f"{chart.figure.layout.height or 430}px",
            validate=False,
        )
        sections.append(
            f"<section id='{chart.key}'><h2>{n}. {escape(chart.title)}</h2>"
            f"<p class='caption'>{escape(chart.caption)}</p>{div}"
            f"<p class='note'>{escape(chart.note)}</p></section>"
        )
    title = f"DSLP report {data.start.isoformat()} to {data.end.isoformat()}"
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{STYLE}</style>"
        f"<script type='text/javascript'>{get_plotlyjs()}</script></head>"
        f"<body><main>{_title_block(data, generated)}{''.join(sections)}"
        f"<footer>Generated {_stamp(generated)} by dslp {escape(__version__)} from the local "
        "mirror; plotly.js is embedded, so this file works offline.</footer></main></body></html>"
    )
