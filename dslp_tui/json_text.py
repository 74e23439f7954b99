"""JSON for people and programs at once: indented down to a depth, each deeper value on one line.

`json.dumps(indent=2)` runs Python's pure-Python encoder and spreads a 6,600-card board over
60,000 lines; with each card on its own line the board prints in a fraction of the time and
still reads (and greps) one card per line.
"""

from __future__ import annotations

import json
from typing import Any


def dumps(value: Any, *, inline_below: int, _depth: int = 0) -> str:
    """`value` as JSON, dicts and lists indented by two spaces to `inline_below` levels deep."""
    if _depth >= inline_below or not isinstance(value, (dict, list)) or not value:
        return json.dumps(value, separators=(", ", ": "))
    pad = "  " * (_depth + 1)
    if isinstance(value, dict):
        items = [
            f"{pad}{json.dumps(str(k))}: {dumps(v, inline_below=inline_below, _depth=_depth + 1)}"
            for k, v in value.items()
        ]
        opening, closing = "{", "}"
    else:
        items = [f"{pad}{dumps(v, inline_below=inline_below, _depth=_depth + 1)}" for v in value]
        opening, closing = "[", "]"
    return opening + "\n" + ",\n".join(items) + "\n" + "  " * _depth + closing
