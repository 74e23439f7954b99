"""App benchmark on a generated 20,000-issue / 50-project mirror (issues 5 and 7).

Figures, all from one run so they share the machine's mood:
- `import_floor`: `python -c "import textual.app, sqlmodel"`, the start-up floor;
- `start_to_portfolio` / `start_to_board`: wall time from starting the app on `--db X` (a real
  process on a real pseudo-terminal, 120x40) to the portfolio painted / to the 5,000-card
  board painted, then exiting. The process is bench/app_entry.py: the app started as `dslp`
  starts it, which exits right after the first refresh that shows that screen's data
  (`--exit-after portfolio|board`) and writes that instant to a mark file; `--open owner/name`
  opens a board directly. The `_exited` figures include the exit, so they are upper bounds;
- the same two as ratios to the floor (target <= 1.5x);
- `key_press_*`: key-press-to-repaint on the 5,000-card board, in-process with `run_test`: each
  `pilot.press("down")` on the board minus the median cost of the same press in a tiny app in
  the same run (the pilot's own overhead, about 60 ms here), median and p95 of 50 presses;
  the collector paused for start-up and frozen at the first paint, as `dslp` does. At each
  `--size` (default 120x40; the figures of another size end in `_WxH`), and the same for
  `l`/`h` between columns (`key_column_*`: past the last column on screen, the next one comes
  in and the columns are measured again);
- `peak_rss_app`: the largest max-RSS of the app processes (wait4 of each child).
Medians of `--runs` runs (default 5) after a warm-up. Exit status 1 when a target is missed.

Run: `python bench/bench_app.py [--runs 5] [--db PATH] [--keep] [--size WxH]... [--keys-only]`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import os
import pty
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

from common import ROOT, figure, finish, median
from generate import BIG_REPO, make_mirror

TARGET_RATIO = 1.5
TARGET_KEY_MS = 50.0
TARGET_RSS_MB = 150.0
PRESSES = 50


APP_ENTRY = ROOT / "bench" / "app_entry.py"


def run_on_pty(
    cmd: list[str],
    env: dict[str, str],
    *,
    mark: Path | None = None,
    size: tuple[int, int] = (120, 40),
    timeout: float = 60,
) -> tuple[float, float, float]:
    """Run `cmd` on a fresh pseudo-terminal: (seconds to the paint mark, to exit, peak RSS MB).

    The app writes the wall-clock instant of the marked paint to `mark` (bench/app_entry.py).
    """
    master, slave = pty.openpty()
    cols, rows = size
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    if mark is not None:
        mark.unlink(missing_ok=True)
    wall_start = time.time()
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    tail = b""
    deadline = start + timeout
    try:
        while True:  # drain the terminal so the app never blocks on a full pty buffer
            ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.perf_counter()))
            if not ready:
                proc.kill()
                raise SystemExit(f"{' '.join(cmd)}: no exit within {timeout} s")
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            tail = (tail + chunk)[-4000:]
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        os.close(master)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        text = tail.decode(errors="replace")
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {text[-1500:]}")
    painted = float(mark.read_text()) - wall_start if mark is not None else elapsed
    return painted, elapsed, usage.ru_maxrss / 1024


def run_plain(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def start_figures(db: Path, runs: int) -> tuple[float, float]:
    env = dict(os.environ)
    env.update({"TERM": "xterm-256color", "TEXTUAL_ANIMATIONS": "none", "DSLP_DB": str(db)})
    env["PYTHONPATH"] = str(ROOT)
    floor_cmd = [sys.executable, "-c", "import textual.app, sqlmodel"]
    mark = db.with_name("paint.mark")
    app = [sys.executable, str(APP_ENTRY), "--db", str(db), "--mark", str(mark)]
    commands = {
        "portfolio": [*app, "--exit-after", "portfolio"],
        "board": [*app, "--exit-after", "board", "--open", BIG_REPO],
    }
    # Warm-up: page cache, .pyc files.
    run_plain(floor_cmd, env)
    for cmd in commands.values():
        run_on_pty(cmd, env, mark=mark)
    floors: list[float] = []
    rss: list[float] = []
    paint: dict[str, list[float]] = {"portfolio": [], "board": []}
    exits: dict[str, list[float]] = {"portfolio": [], "board": []}
    for _ in range(runs):  # interleaved, so a noisy moment hits every figure alike
        floors.append(run_plain(floor_cmd, env))
        for screen, cmd in commands.items():
            painted, exited, peak = run_on_pty(cmd, env, mark=mark)
            paint[screen].append(painted)
            exits[screen].append(exited)
            rss.append(peak)
    floor = median(floors)
    figure("import_floor", floor, "s")
    for screen, name in (("portfolio", "portfolio"), ("board", "board_5000")):
        figure(f"start_to_{name}_painted", median(paint[screen]), "s")
        figure(f"start_to_{name}_ratio", median(paint[screen]) / floor, "x", TARGET_RATIO)
        figure(f"start_to_{name}_exited", median(exits[screen]), "s")
    return max(rss), floor


DEFAULT_SIZE = (120, 40)


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    if not (width.isdigit() and height.isdigit()):
        raise argparse.ArgumentTypeError(f"{text!r}: WIDTHxHEIGHT, such as 80x24")
    return int(width), int(height)


async def _press_costs(
    app: object,
    presses: int,
    prepare: object,
    size: tuple[int, int],
    keys: tuple[str, str] = ("down", "up"),
    turn: int = 10,
) -> list[float]:
    """The cost of each press: `keys[0]` `turn` times, then `keys[1]` as often, and so on."""
    from textual.app import App

    assert isinstance(app, App)
    costs: list[float] = []
    async with app.run_test(size=size) as pilot:
        await prepare(pilot)  # type: ignore[operator]
        for i in range(presses + 5):
            key = keys[0] if (i // turn) % 2 == 0 else keys[1]
            start = time.perf_counter()
            await pilot.press(key)
            elapsed = time.perf_counter() - start
            if i >= 5:  # the first presses warm caches
                costs.append(elapsed)
    return costs


def key_figures(db: Path, size: tuple[int, int]) -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import OptionList

    from dslp_tui import gc_pause
    from dslp_tui.app import DslpApp
    from dslp_tui.screens.board import BoardScreen
    from store.db import open_store

    class Tiny(App[None]):
        def compose(self) -> ComposeResult:
            yield OptionList(*[f"row {i}" for i in range(10)])

    async def tiny_ready(pilot: object) -> None:
        await pilot.pause()  # type: ignore[attr-defined]

    async def board_ready(pilot: object) -> None:
        app = pilot.app  # type: ignore[attr-defined]
        for _ in range(3):
            await pilot.pause()  # type: ignore[attr-defined]
            await app.workers.wait_for_complete()
        assert isinstance(app.screen, BoardScreen) and app.screen.board is not None
        await pilot.press("l", "l", "l")  # type: ignore[attr-defined]  # the experiment column
        await pilot.pause()  # type: ignore[attr-defined]
        assert app.screen.focused is not None and app.screen.focused.id == "list-experiment"

    store = open_store(db)
    try:
        base = asyncio.run(_press_costs(Tiny(), PRESSES, tiny_ready, size))
        gc_pause.pause()  # as `dslp` starts: the first paint collects once and freezes
        app = DslpApp(store, cursor_blink=False, start_repo=BIG_REPO)
        board = asyncio.run(_press_costs(app, PRESSES, board_ready, size))
        gc_pause.pause()
        app = DslpApp(store, cursor_blink=False, start_repo=BIG_REPO)
        # l over the eight columns and back with h: every turn goes past the screen's edge
        moves = asyncio.run(_press_costs(app, PRESSES, board_ready, size, ("l", "h"), turn=7))
    finally:
        store.dispose()
    baseline = median(base)
    tag = "" if size == DEFAULT_SIZE else f"_{size[0]}x{size[1]}"
    figure(f"key_press_baseline_pilot{tag}", baseline * 1000, "ms")
    for name, costs in (("key_press", board), ("key_column", moves)):
        extra = sorted(max(0.0, c - baseline) * 1000 for c in costs)
        p95 = extra[min(len(extra) - 1, round(0.95 * (len(extra) - 1)))]
        target = TARGET_KEY_MS if name == "key_press" else None
        figure(f"{name}_board_5000{tag}_median", median(extra), "ms", target)
        figure(f"{name}_board_5000{tag}_p95", p95, "ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", type=Path, help="reuse (or write) the mirror here")
    parser.add_argument("--keep", action="store_true", help="keep the generated mirror")
    parser.add_argument(
        "--size",
        action="append",
        type=_size,
        metavar="WxH",
        help="terminal size of the key-press figures (repeat for several; default 120x40)",
    )
    parser.add_argument(
        "--keys-only", action="store_true", help="only the key-press figures, no start-up runs"
    )
    args = parser.parse_args()
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    with contextlib.ExitStack() as stack:
        if args.db is None:
            tmp = Path(tempfile.mkdtemp(prefix="dslp-bench-"))
            if not args.keep:
                stack.callback(shutil.rmtree, tmp, ignore_errors=True)
            db = tmp / "bench-mirror.db"
        else:
            db = args.db
        if not db.exists():
            start = time.perf_counter()
            make_mirror(db, issues=20_000, projects=50, seed=0)
            figure("generate_mirror_20000", time.perf_counter() - start, "s")
        if not args.keys_only:
            rss, _floor = start_figures(db, args.runs)
        for size in args.size or [DEFAULT_SIZE]:
            key_figures(db, size)
        if not args.keys_only:
            figure("peak_rss_app", rss, "MB", TARGET_RSS_MB)
    finish()


if __name__ == "__main__":
    main()
