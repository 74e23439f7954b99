"""`dslp sync` on a terminal: rich progress bars on a TTY, plain lines when piped (cron)."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from store.db import Store
from sync.events import Progress, RepoDone, SyncEvent, SyncReport, Waiting


def _summary(report: SyncReport) -> str:
    requests = sum(r.requests for r in report.repos)
    cached = sum(r.not_modified for r in report.repos)
    new = sum(r.new for r in report.repos)
    updated = sum(r.updated for r in report.repos)
    pushed = sum(r.pushed for r in report.repos)
    ok = sum(r.ok for r in report.repos)
    return (
        f"synced {ok}/{len(report.repos)} repos in {report.seconds:.1f} s: {new} new, "
        f"{updated} updated, {pushed} pushed; {requests} requests, {cached} not modified (304)"
    )


def _line(event: SyncEvent) -> str | None:
    if isinstance(event, Waiting):
        return f"{event.repo}: waiting {event.seconds:.0f} s ({event.reason})"
    if isinstance(event, RepoDone):
        if event.skipped:
            return f"{event.repo}: skipped ({event.skipped})"
        if event.ok:
            return f"{event.repo}: ok ({event.new} new, {event.updated} updated)"
        return f"{event.repo}: FAILED: {event.error}"
    if isinstance(event, Progress) and event.total is not None:
        return f"{event.repo}: {event.resource} {event.done}"
    return None


def run_sync_cli(store: Store, repos: list[str] | None, args: argparse.Namespace) -> int:
    """One sync, or with `--watch` one every interval until interrupted (ctrl+c, SIGTERM)."""
    interval = getattr(args, "watch", None)
    if not interval:
        return _sync_once(store, repos, args)
    try:
        while True:
            started = time.monotonic()
            _sync_once(store, repos, args)
            wait = max(0.0, interval - (time.monotonic() - started))
            print(f"next sync in {wait / 60:.0f} min (ctrl+c stops)", flush=True)
            time.sleep(wait)
    except KeyboardInterrupt:
        print("stopped watching", flush=True)
        return 0


def _sync_once(store: Store, repos: list[str] | None, args: argparse.Namespace) -> int:
    from sync.engine import sync_repos

    kwargs: dict[str, Any] = {"api_url": args.api_url, "full": args.full, "max_wait": args.max_wait}
    if sys.stdout.isatty():
        report = _with_bars(store, repos, kwargs)
    else:

        def plain(event: SyncEvent) -> None:
            text = _line(event)
            if text:
                print(text, flush=True)

        report = sync_repos(store, repos, on_event=plain, **kwargs)
    failed = [r for r in report.repos if not r.ok]
    for r in failed:
        print(f"dslp: {r.repo}: {r.error}", file=sys.stderr)
    for r in report.repos:
        if r.skipped:
            print(f"dslp: {r.skipped}: skipped", file=sys.stderr)
    print(_summary(report))
    return 1 if failed else 0


def _with_bars(store: Store, repos: list[str] | None, kwargs: dict[str, Any]) -> SyncReport:
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
    from rich.progress import Progress as Bars

    from sync.engine import sync_repos

    tasks: dict[tuple[str, str], Any] = {}
    with Bars(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), transient=False
    ) as bars:

        def on_event(event: SyncEvent) -> None:
            if isinstance(event, Progress):
                key = (event.repo, event.resource)
                if key not in tasks:
                    tasks[key] = bars.add_task(f"{event.repo} {event.resource}", total=None)
                bars.update(tasks[key], completed=event.done, total=event.total)
            else:
                text = _line(event)
                if text:
                    bars.console.print(text, markup=False, highlight=False)

        return sync_repos(store, repos, on_event=on_event, **kwargs)
