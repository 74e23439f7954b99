"""Shared bits of the benchmarks: medians, RSS of children, the one-line figure format."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FAILED: list[str] = []


def figure(
    name: str, value: float, unit: str, target: float | None = None, *, lower: bool = True
) -> None:
    """Print `name value unit`, and remember a miss so the script exits non-zero."""
    verdict = ""
    if target is not None:
        ok = value <= target if lower else value >= target
        verdict = f"  (target {'<=' if lower else '>='} {target:g}: {'ok' if ok else 'MISSED'})"
        if not ok:
            FAILED.append(name)
    print(f"{name} {value:.3f} {unit}{verdict}", flush=True)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def timed_run(cmd: Sequence[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed, done.stdout


def children_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def env_with(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env


def finish() -> None:
    if FAILED:
        print(f"missed targets: {', '.join(FAILED)}", file=sys.stderr)
        raise SystemExit(1)
