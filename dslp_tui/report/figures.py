"""Figure builders: the series of `store.metrics` in, `plotly.graph_objects.Figure` out.

Pure functions (no database, no clock), so a test can build a figure from hand-made series and
read the numbers back from `fig.data`. Imported only when a report is written: plotly stays out
of `dslp --version` and of the app's start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from store.metrics import (
    CLOSED,
    NO_STATUS,
    CycleTime,
    DailySeries,
    GateLeadTime,
    MonthOutcomes,
    OpenCardAge,
    WeeklySeries,
    percentile,
    rolling_median,
)
from store.rules import KINDS, MODEL_STATUSES, PHASES

HEIGHT = 430
WEBGL_ABOVE = 5_000  # points; SVG scatter gets sluggish in the browser beyond this
PHASE_COLORS = {
    "ideation": "#4C78A8",
    "data": "#72B7B2",
    "explore": "#EECA3B",
    "experiment": "#B279A2",
    "model": "#54A24B",
    "deploy": "#F58518",
    "monitoring": "#E45756",
    CLOSED: "#BAB0AC",
}
KIND_COLORS = {
    "ask": "#4C78A8",
    "data": "#72B7B2",
    "explore": "#EECA3B",
    "experiment": "#B279A2",
    "model": "#54A24B",
}
KIND_TITLES = {k: k.title() for k in KINDS}
OUTCOME_COLORS = {"succeeded": "#67d157", "failed": "#c2021c", "on hold": "#ffd04f"}
STATUS_COLORS = {
    "candidate": "#9D755D",
    "approved": "#72B7B2",
    "rejected": "#E45756",
    "staging": "#F58518",
    "production": "#54A24B",
    "retired": "#BAB0AC",
    NO_STATUS: "#DDDDDD",
}
FLAG_COLOR = "#C2021C"


def _iso(values: Sequence[date | datetime]) -> list[str]:
    """ISO strings serialise several times faster than datetimes and plot the same."""
    return [v.isoformat() for v in values]


def _base(title: str, **layout: object) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(
        title={"text": title, "x": 0.01},
        template="plotly_white",
        height=HEIGHT,
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 1, "xanchor": "right"},
        **layout,
    )
    return fig


def _empty(fig: go.Figure, message: str) -> go.Figure:
    """An empty chart says why it is empty instead of drawing blank axes."""
    fig.add_annotation(
        text=message, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5, font={"size": 15}
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def cumulative_flow_figure(flow: DailySeries) -> go.Figure:
    """Stacked areas: closed at the bottom, then the phases from monitoring back to ideation."""
    fig = _base("Cumulative flow: cards per phase", yaxis_title="cards", hovermode="x unified")
    x = _iso(flow.days)
    drawn = 0
    for key, counts in flow.series.items():
        if not any(counts):
            continue
        drawn += 1
        fig.add_trace(
            go.Scatter(
                x=x,
                y=counts,
                name=key.title(),
                mode="lines",
                stackgroup="flow",
                line={"width": 0.5, "color": PHASE_COLORS.get(key)},
            )
        )
    return fig if drawn else _empty(fig, "No cards in this range yet")


def cycle_time_figure(times: Sequence[CycleTime]) -> go.Figure:
    """One dot per closed card (colour = work type), the rolling median and the 85th percentile."""
    fig = _base("Cycle time of closed cards", yaxis_title="days from opened to closed")
    if not times:
        return _empty(fig, "No card closed in this range yet")
    scatter = go.Scattergl if len(times) > WEBGL_ABOVE else go.Scatter
    for kind in KINDS:
        mine = [t for t in times if t.kind == kind]
        if not mine:
            continue
        fig.add_trace(
            scatter(
                x=_iso([t.closed_at for t in mine]),
                y=[round(t.days, 2) for t in mine],
                mode="markers",
                name=KIND_TITLES[kind],
                marker={"color": KIND_COLORS[kind], "size": 6, "opacity": 0.7},
                text=[f"{t.repo}#{t.number} {t.title}" for t in mine],
                hovertemplate="%{text}<br>%{y:.1f} days<extra></extra>",
            )
        )
    days = [t.days for t in times]
    x = _iso([t.closed_at for t in times])
    fig.add_trace(
        scatter(
            x=x,
            y=[round(v, 2) for v in rolling_median(days)],
            mode="lines",
            name="rolling median (last 10 cards)",
            line={"color": "#333333", "width": 2},
        )
    )
    p85 = percentile(days, 85)
    assert p85 is not None
    fig.add_trace(
        go.Scatter(
            x=[x[0], x[-1]],
            y=[round(p85, 2), round(p85, 2)],
            mode="lines",
            name=f"85th percentile: {p85:.1f} days",
            line={"color": FLAG_COLOR, "dash": "dash"},
        )
    )
    return fig


def throughput_figure(weekly: WeeklySeries) -> go.Figure:
    """Bars of cards closed per week, stacked by work type."""
    fig = _base("Throughput: cards closed per week", yaxis_title="cards", barmode="stack")
    if not any(weekly.totals()):
        return _empty(fig, "No card closed in this range yet")
    x = _iso(weekly.weeks)
    for kind, counts in weekly.series.items():
        if any(counts):
            fig.add_trace(
                go.Bar(
                    x=x,
                    y=counts,
                    name=KIND_TITLES.get(kind, kind),
                    marker_color=KIND_COLORS.get(kind),
                    hovertemplate="week of %{x}: %{y}<extra>%{fullData.name}</extra>",
                )
            )
    fig.update_xaxes(title="week starting")
    return fig


def success_rate_figure(months: Sequence[MonthOutcomes]) -> go.Figure:
    """Monthly counts of results as bars (on hold its own bar), the success rate as a line."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.update_layout(
        title={"text": "Experiment success rate per month", "x": 0.01},
        template="plotly_white",
        height=HEIGHT,
        margin={"l": 60, "r": 60, "t": 60, "b": 50},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 1, "xanchor": "right"},
        barmode="group",
    )
    if not months:
        return _empty(fig, "No experiment has an outcome in this range yet")
    x = [m.month.strftime("%Y-%m") for m in months]
    for name, values in (
        ("succeeded", [m.succeeded for m in months]),
        ("failed", [m.failed for m in months]),
        ("on hold", [m.on_hold for m in months]),
    ):
        fig.add_trace(
            go.Bar(x=x, y=values, name=name, marker_color=OUTCOME_COLORS[name]), secondary_y=False
        )
    rates = [None if m.rate is None else round(m.rate, 1) for m in months]
    fig.add_trace(
        go.Scatter(
            x=x,
            y=rates,
            name="success rate",
            mode="lines+markers+text",
            text=[f"{r:.0f}%" if r is not None else "" for r in rates],
            textposition="top center",
            line={"color": "#333333"},
            connectgaps=False,
        ),
        secondary_y=True,
    )
    fig.update_xaxes(type="category")
    fig.update_yaxes(title_text="experiments", secondary_y=False)
    fig.update_yaxes(title_text="succeeded / decided", range=[0, 110], secondary_y=True)
    return fig


def work_type_figure(share: WeeklySeries, card_days: WeeklySeries) -> go.Figure:
    """100% stacked bars: each work type's share of the week's active card-days."""
    fig = _base("Time by work type: share of active card-days per week", barmode="stack")
    if not any(card_days.totals()):
        return _empty(fig, "No card was open in this range")
    x = _iso(share.weeks)
    for kind, values in share.series.items():
        days = card_days.series[kind]
        if not any(days):
            continue
        fig.add_trace(
            go.Bar(
                x=x,
                y=[round(v, 1) for v in values],
                customdata=days,
                name=KIND_TITLES.get(kind, kind),
                marker_color=KIND_COLORS.get(kind),
                hovertemplate="%{y:.0f}% (%{customdata} card-days)<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_yaxes(title="% of card-days", range=[0, 100])
    fig.update_xaxes(title="week starting")
    return fig


def models_figure(statuses: DailySeries, leads: Sequence[GateLeadTime]) -> go.Figure:
    """Left: models per status over time. Right: days from a phase's first card to sign-off."""
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.58, 0.42],
        subplot_titles=("Models by status", "Sign-off lead time per gate"),
        horizontal_spacing=0.1,
    )
    fig.update_layout(
        title={"text": "Models and sign-offs", "x": 0.01},
        template="plotly_white",
        height=HEIGHT,
        margin={"l": 60, "r": 20, "t": 80, "b": 50},
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0},
    )
    x = _iso(statuses.days)
    models = 0
    for status in (*MODEL_STATUSES, NO_STATUS):
        counts = statuses.series.get(status, [])
        if any(counts):
            models += 1
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=counts,
                    name=status,
                    mode="lines",
                    stackgroup="models",
                    line={"width": 0.5, "color": STATUS_COLORS[status]},
                    legendgroup="models",
                ),
                row=1,
                col=1,
            )
    if not models:
        fig.add_annotation(
            text="No Model cards yet", showarrow=False, row=1, col=1, x=0.5, y=0.5,
            xref="x domain", yref="y domain",
        )  # fmt: skip
    order = {p: i for i, p in enumerate(PHASES)}
    done = sorted((g for g in leads if g.approved), key=lambda g: order.get(g.gate, 99))
    waiting = sorted((g for g in leads if not g.approved), key=lambda g: order.get(g.gate, 99))
    if done:
        fig.add_trace(
            go.Box(
                x=[g.gate for g in done],
                y=[round(g.days, 1) for g in done],
                text=[g.repo for g in done],
                name="approved",
                boxpoints="all",
                jitter=0.3,
                pointpos=0,
                marker_color="#54A24B",
                hovertemplate="%{text}: %{y:.1f} days<extra>approved</extra>",
            ),
            row=1,
            col=2,
        )
    if waiting:
        fig.add_trace(
            go.Scatter(
                x=[g.gate for g in waiting],
                y=[round(g.days, 1) for g in waiting],
                text=[g.repo for g in waiting],
                name="still waiting",
                mode="markers",
                marker={"symbol": "x", "color": FLAG_COLOR, "size": 9},
                hovertemplate="%{text}: waiting %{y:.1f} days<extra></extra>",
            ),
            row=1,
            col=2,
        )
    if not done and not waiting:
        fig.add_annotation(
            text="No gate has cards yet", showarrow=False, row=1, col=2, x=0.5, y=0.5,
            xref="x2 domain", yref="y2 domain",
        )  # fmt: skip
    gates = [p for p in PHASES if any(g.gate == p for g in leads)]
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=gates, row=1, col=2)
    fig.update_yaxes(title_text="models", row=1, col=1)
    fig.update_yaxes(title_text="days", rangemode="tozero", row=1, col=2)
    return fig


def wip_figure(ages: Sequence[OpenCardAge], p85: float | None) -> go.Figure:
    """Open cards per phase by age, those older than the 85th percentile of cycle time in red."""
    fig = _base("Work in progress: open cards by phase and age", yaxis_title="age in days")
    if not ages:
        return _empty(fig, "No open cards")
    counts = {p: sum(a.phase == p for a in ages) for p in PHASES}
    label = {p: f"{p} ({counts[p]})" for p in PHASES}
    categories = [label[p] for p in PHASES if counts[p]]
    # A live model is not late work: cycle time says nothing about how long it stays live.
    late = [p85 is not None and a.phase != "monitoring" and a.age_days > p85 for a in ages]
    old = [a for a, is_late in zip(ages, late, strict=True) if is_late]
    young = [a for a, is_late in zip(ages, late, strict=True) if not is_late]
    # No card has finished yet: no 85th percentile to compare with, so no verdict either.
    within = "within the 85th percentile" if p85 is not None else "open cards (none closed yet)"
    for name, group, color in (
        (within, young, "#4C78A8"),
        ("older than the 85th percentile", old, FLAG_COLOR),
    ):
        if not group:
            continue
        fig.add_trace(
            go.Box(
                x=[label[a.phase] for a in group],
                y=[round(a.age_days, 1) for a in group],
                text=[f"{a.repo}#{a.number} {a.title}" for a in group],
                name=name,
                boxpoints="all",
                jitter=0.5,
                pointpos=0,
                fillcolor="rgba(0,0,0,0)",
                line={"width": 0},
                marker={"color": color, "size": 6, "opacity": 0.75},
                hovertemplate="%{text}<br>%{y:.0f} days old<extra></extra>",
            )
        )
    if p85 is not None:
        fig.add_trace(
            go.Scatter(
                x=categories,
                y=[round(p85, 2)] * len(categories),
                mode="lines",
                name=f"85th percentile of cycle time: {p85:.1f} days",
                line={"color": FLAG_COLOR, "dash": "dash"},
            )
        )
    fig.update_layout(boxmode="overlay")
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=categories)
    return fig
