"""Constants and small helpers shared by the fake GitHub's parts."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, TypeVar

DOC_URL = "https://docs.github.com/rest"
RATE_DOC_URL = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"

#: The DSLP phase labels with the colours and descriptions used by ``bulk_generate``.
DSLP_LABELS: dict[str, tuple[str, str]] = {
    "Ask": ("d876e3", "Frame a question worth answering"),
    "Data": ("0e8a16", "Acquire, clean and document data"),
    "Explore": ("fbca04", "Explore the data and form hypotheses"),
    "Experiment": ("1d76db", "Test a hypothesis with an experiment"),
    "Model": ("b60205", "Build, evaluate and ship a model"),
}

_JSON_SEP = (",", ":")
_T = TypeVar("_T")
_Stamp = datetime | str | int | float


def _iso(t: int | None) -> str | None:
    return None if t is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _to_epoch(value: _Stamp) -> int:
    """Accept what a test naturally has at hand: datetime, ISO string or epoch seconds."""
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=_JSON_SEP)


def _sha(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def _phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Unknown"


# --------------------------------------------------------------------------- faults and log
