"""The app as bench/bench_app.py starts it: `dslp --db X`, then out once a screen shows its data.

`python bench/app_entry.py --db X --exit-after portfolio|board [--open OWNER/NAME] [--mark F]`
starts the app as `dslp` does (the collector off from the first import on, see gc_pause),
optionally on a project's board (`DslpApp(start_repo=...)`), and exits right after the first
refresh that shows the `--exit-after` screen's data, having written the wall-clock instant of
that frame (`time.time()`) to the `--mark` file for the harness to subtract its start from.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any


def bench_app(store: Any, exit_after: str, mark: Path | None, start_repo: str | None) -> Any:
    """A DslpApp that leaves after the first paint of `exit_after` (imports Textual: call it
    inside the start-up pause, as `dslp` does)."""
    from dslp_tui import app as app_module
    from dslp_tui.app import DslpApp

    class BenchApp(DslpApp):
        # Textual reads a relative CSS_PATH next to the subclass's file: name the app's own.
        CSS_PATH = str(Path(app_module.__file__).with_name(str(DslpApp.CSS_PATH)))
        _waiting = True

        def painted(self, screen: str) -> None:
            if self._waiting and screen == exit_after:
                self._waiting = False
                self.call_after_refresh(self._leave)  # before the collector's resume, as timed
            super().painted(screen)

        def _leave(self) -> None:
            if mark is not None:  # the frame is out: the instant for the harness
                mark.write_text(repr(time.time()), encoding="utf-8")
            self.exit()

    return BenchApp(store, start_repo=start_repo)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, metavar="PATH", help="the mirror to open")
    parser.add_argument("--exit-after", required=True, choices=["portfolio", "board"])
    parser.add_argument("--open", metavar="OWNER/NAME", help="start on this project's board")
    parser.add_argument("--mark", type=Path, help="write the painted instant here")
    args = parser.parse_args()
    from dslp_tui.gc_pause import during_startup

    with during_startup():  # as `dslp` (cli.cmd_app): from the first heavy import on
        from store.db import open_store

        store = open_store(args.db, create=True)
        app = bench_app(store, args.exit_after, args.mark, args.open)
        app.run()
    return app.return_code or 0


if __name__ == "__main__":
    raise SystemExit(main())
