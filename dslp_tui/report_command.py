"""`dslp report`: the team report as one HTML file. Registers the subcommand; imports lazily."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from dslp_tui.errors import CliError
from dslp_tui.report.write import write_report

__all__ = ["cmd_report", "register", "write_report"]


def register(sub: Any, add_db: Callable[[argparse.ArgumentParser], None]) -> None:
    p = sub.add_parser(
        "report",
        help="write the team report (flow, cycle time, throughput, success rates) as HTML",
        description="Write one self-contained HTML file (plotly.js embedded, opens offline) with "
        "the flow, cycle time, throughput, experiment success, work type, model and WIP charts.",
    )
    p.add_argument("repos", nargs="*", metavar="OWNER/NAME", help="default: every tracked repo")
    p.add_argument("--since", metavar="DATE", help="first day shown, YYYY-MM-DD (default: all)")
    p.add_argument(
        "--out", metavar="FILE.html", help="where to write (default: report-YYYY-MM-DD.html here)"
    )
    p.add_argument("--open", action="store_true", help="open the report in the browser")
    add_db(p)
    p.set_defaults(func=cmd_report)


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_since(value: str | None, today: date | None = None) -> date | None:
    if value is None:
        return None
    text = value.strip()
    try:
        if not _ISO_DAY.fullmatch(text):  # fromisoformat also takes 20261101 and 2026-W45
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise CliError(f"--since {value!r} is not a date: use YYYY-MM-DD") from None
    # The user's own today: east of UTC it is already tomorrow in UTC's terms, and vice versa.
    if day > (today or datetime.now(UTC).astimezone().date()):
        raise CliError(f"--since {value} is in the future: nothing to report yet")
    return day


def cmd_report(args: argparse.Namespace) -> int:
    from store.db import open_store

    since = parse_since(args.since)
    out = Path(args.out).expanduser() if args.out else None
    if out is not None and out.is_dir():
        raise CliError(f"--out {out} is a folder: give a file name such as {out}/report.html")
    store = open_store(args.db, create=False)
    try:
        path = write_report(store, out, args.repos or None, since)
    finally:
        store.dispose()
    size = path.stat().st_size / 1_000_000
    print(f"wrote {path} ({size:.1f} MB)")
    if args.open:
        import webbrowser

        webbrowser.open(path.resolve().as_uri())
    return 0
