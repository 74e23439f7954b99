"""The report's seven charts: series from `store.metrics`, a figure, a caption and a caveat.

Captions say how to read a chart; notes say what it could not know, which depends on when this
mirror started recording (its first sync): the past before that is reconstructed from GitHub's
created/closed stamps and the cards' phase at that sync.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import plotly.graph_objects as go

from dslp_tui.report import figures
from store import metrics
from store.report_data import ReportData


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    caption: str  # how to read it, one line
    note: str  # what it could not know
    figure: go.Figure


CAPTIONS = {
    "flow": "Each band is the number of cards in a phase on that day; a band that widens is "
    "a queue growing, a closed band that rises steadily is work finishing.",
    "cycle": "Each dot is a closed card at the day it closed, higher is slower; the dark line "
    "is the typical time lately, 85% of cards closed at or below the dashed line.",
    "throughput": "Bar height is the cards closed that week, the colours split them by work "
    "type; look for a steady height rather than peaks.",
    "success": "Bars count experiments that succeeded, failed or are on hold per month; the line "
    "is succeeded / (succeeded + failed), on hold left out until it is decided.",
    "work_type": "Each bar is one week's open card-days split by work type: a growing share "
    "means more of the team's time goes to that kind of work.",
    "models": "Left: how many models sit in each status over time; right: days from a phase's "
    "first card to its gate's approval, crosses are gates still waiting.",
    "wip": "Each dot is an open card in its current phase, higher is older (days since "
    "opened, or live for a model in monitoring); red dots are older than 85% of the cards "
    "that closed, look at them first.",
}
TITLES = {
    "flow": "Cumulative flow",
    "cycle": "Cycle time",
    "throughput": "Throughput",
    "success": "Experiment success rate",
    "work_type": "Time by work type",
    "models": "Models and sign-offs",
    "wip": "Work in progress and age",
}


def _day(stamp: datetime | None) -> str:
    return stamp.strftime("%Y-%m-%d") if stamp else "never"


def notes(data: ReportData) -> dict[str, str]:
    """Per chart, what the mirror could not know before it started recording."""
    first = data.first_recorded
    if first is None:
        since = "No sync has been recorded yet, so"
        when = "until the first sync"
    else:
        since = f"This mirror has recorded history since {_day(first)}; before that"
        when = f"before {_day(first)}"
    return {
        "flow": f"{since} a card is shown in the phase it had when first recorded, from the day "
        "it was opened; opened and closed days are GitHub's own.",
        "cycle": "Opened and closed stamps are GitHub's, complete for all history; when work "
        "actually started is unknown, so waiting time before work counts as cycle time.",
        "throughput": "Closed stamps are GitHub's, complete for all history; a card counts as the "
        "work type it has now, and cards closed as not planned are left out.",
        "success": "Outcomes are the status labels and outcomes logged in dslp; an open "
        f"experiment's month is when its outcome was first seen, which {when} is only known "
        "from GitHub's last-update stamp.",
        "work_type": "Open days come from GitHub's opened and closed stamps; a card counts as the "
        "work type it has now, idle open days count as active ones, and a live model's days in "
        "monitoring are left out (watched, not worked on).",
        "models": "Model statuses are known only from when they were logged in dslp or read from "
        f"its comments on GitHub; phase entries {when} are dated at the first card's opening.",
        "wip": "A snapshot at the last sync: cards changed on GitHub since then are shown as "
        "they were; age counts from opening, not from entering the current phase.",
    }


def build_charts(data: ReportData) -> list[Chart]:
    """The seven charts, in the order a lead reads them: flow, speed, results, effort, risk."""
    times = metrics.cycle_times(data)
    card_days = metrics.active_days_by_week(data)
    p85 = metrics.percentile([t.days for t in times], 85)
    built = {
        "flow": figures.cumulative_flow_figure(metrics.cumulative_flow(data)),
        "cycle": figures.cycle_time_figure(times),
        "throughput": figures.throughput_figure(metrics.throughput_by_week(data)),
        "success": figures.success_rate_figure(metrics.outcomes_by_month(data)),
        "work_type": figures.work_type_figure(metrics.shares(card_days), card_days),
        "models": figures.models_figure(
            metrics.models_by_status(data), metrics.signoff_lead_times(data)
        ),
        "wip": figures.wip_figure(metrics.open_card_ages(data), p85),
    }
    caveats = notes(data)
    return [Chart(k, TITLES[k], CAPTIONS[k], caveats[k], fig) for k, fig in built.items()]
