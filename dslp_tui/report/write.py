"""Writing the team report: the one entry point of `dslp_tui.report`.

Nothing heavy is imported here: plotly loads inside `write_report`, so importing this module
(the `r` key's handler, `dslp --help`) costs nothing until a report is actually written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

__all__ = ["default_report_path", "write_report"]


def default_report_path(today: date | None = None) -> Path:
    """report-YYYY-MM-DD.html in the current folder."""
    day = today or datetime.now(UTC).date()
    return Path.cwd() / f"report-{day.isoformat()}.html"


def write_report(
    store: Any,
    path: str | Path | None = None,
    repos: Sequence[str] | None = None,
    since: date | None = None,
    *,
    now: datetime | None = None,
) -> Path:
    """Write the report of `repos` (default: all) from `since` (default: the first card) to `path`.

    Raises `store.repos.UnknownRepo` for a name that is not tracked. Safe to call from a
    thread worker: it opens its own short read session.
    """
    from dslp_tui.report.charts import build_charts
    from dslp_tui.report.html import render_html
    from store.report_data import load_report_data
    from store.repos import get_repo

    generated = now or datetime.now(UTC)
    with store.session() as session:
        names = [get_repo(session, name).full_name for name in repos] if repos else None
        data = load_report_data(session, names, since, generated)
    document = render_html(build_charts(data), data, generated)
    target = Path(path) if path is not None else default_report_path(generated.date())
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(document, encoding="utf-8")
    tmp.replace(target)  # a browser never opens a half-written file
    return target
