"""Small renderers with a rule in them: when "last synced" turns into a warning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dslp_tui.widgets.render import synced_text

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
