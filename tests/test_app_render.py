"""Small renderers with a rule in them: a stale "last synced", a column title that fits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from textual.content import Content

from dslp_tui.widgets.phase_column import BORDER_LABEL_COST, PhaseColumn
from dslp_tui.widgets.render import models_cell, synced_text
from store.read.portfolio import ModelInfo

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_a_weekly_sync_is_not_stale_on_the_day_of_the_next_one() -> None:
    shown = synced_text(NOW - timedelta(days=7), NOW)
    assert shown.plain == "7 days ago" and not shown.style


def test_a_sync_older_than_a_week_is_highlighted() -> None:
    shown = synced_text(NOW - timedelta(days=7, hours=1), NOW)
    assert shown.plain.strip() == "7 days ago" and "on yellow" in str(shown.style)


def test_never_synced_is_highlighted() -> None:
    shown = synced_text(None, NOW)
    assert shown.plain == "never" and "on yellow" in str(shown.style)


@pytest.mark.parametrize(
    ("width", "count", "shown"),
    [
        (24, "12/40", "Ideation 12/40"),
        (16, "376", "Ideat… 376"),
        (16, "1514/2292", "Idea… 1514"),  # no room for the total: the cards shown stay whole
        (12, "0/2292", "Ide… 0"),
        (12, "", "Ideat…"),
        (12, "12345", "12345"),  # the count alone rather than a cut number
    ],
)
def test_a_column_title_never_cuts_its_count(width: int, count: str, shown: str) -> None:
    column = PhaseColumn("ideation")
    column._count = count
    column.label(width)
    plain = Content.from_markup(str(column.border_title)).plain
    assert plain == shown
    assert len(plain) <= max(1, width - BORDER_LABEL_COST)  # Textual cuts nothing more


def _model(number: int, health: str | None) -> ModelInfo:
    return ModelInfo(number, "m", "1", "production", health, "monitoring")


def test_models_in_production_are_counted_by_health_not_listed() -> None:
    assert models_cell([]).plain == "—"
    assert models_cell([_model(1, "drifting")]).plain == "1 drifting"
    many = [_model(n, "healthy") for n in range(130)]
    many += [_model(200 + n, "drifting") for n in range(14)]
    many.append(_model(999, None))
    assert models_cell(many).plain == "145: 130 healthy, 14 drifting, 1 no health"
