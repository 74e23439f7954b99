"""The Textual driver of a `dslp serve` session: Textual's web driver, writing whole packets.

Textual 8.2's `WebDriver` writes each packet to the pipe with one `os.write`, unlocked, from
two threads: the app's (screen updates) and its input thread (the chunks of a file delivered
to the browser, such as the team report). A pipe write of more than PIPE_BUF bytes is not
atomic and may be partial, so the two interleave and textual-serve reads a broken stream (a
report download cut short, the session dropped). Here every packet goes out whole, under a
lock. `serve_web` names this class in each session's `TEXTUAL_DRIVER`.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from textual.drivers.web_driver import WebDriver


class WholePacketWebDriver(WebDriver):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lock, fileno = threading.Lock(), self.fileno

        def write_whole(data: bytes) -> int:
            view = memoryview(data)
            with lock:
                while view:
                    view = view[os.write(fileno, view) :]
            return len(data)

        self._write = write_whole  # type: ignore[assignment]  # Textual types it as a partial
