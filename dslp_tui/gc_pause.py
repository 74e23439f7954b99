"""Start-up without the cyclic garbage collector.

Importing Textual and SQLAlchemy, building the models and reading a 5,000-card board allocate
some hundred thousand objects that live as long as the app. The collector walked them a dozen
times before the first paint: about 85 ms of a 620 ms start. None of them is garbage, so `dslp`
turns the collector off before its imports; once the first screen shows its data, one
collection frees what start-up left behind and `gc.freeze()` puts the survivors out of later
passes, so the collector never walks them again while keys are pressed.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_paused = False


def pause() -> None:
    """Turn the collector off until `resume()`; no-op when someone else already turned it off."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Collect once, freeze the survivors and turn the collector back on (once; idempotent)."""
    global _paused
    if not _paused:
        return
    _paused = False
    gc.collect()
    gc.freeze()
    gc.enable()


def paused() -> bool:
    return _paused


@contextmanager
def during_startup() -> Iterator[None]:
    """Collector off for the block, unless the app turned it back on earlier (its first paint)."""
    pause()
    try:
        yield
    finally:
        resume()
