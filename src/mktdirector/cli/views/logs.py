"""How `mktd logs` shows calls: a table, or one JSON object per line; and following new ones."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mktdirector.cli import _output

COLUMNS = [
    "time_utc",
    "platform",
    "method",
    "path",
    "status",
    "duration_ms",
    "attempt",
    "error_kind",
]
HEADERS = ["time", "platform", "method", "path", "status", "ms", "try", "error"]


def show(batch: Sequence[Mapping[str, Any]], json_out: bool) -> None:
    if json_out:
        for row in batch:
            _output.emit_json_line(row)
    elif batch:
        _output.table(batch, COLUMNS, headers=HEADERS)


def follow(
    newer: Callable[[str | None], Sequence[Mapping[str, Any]]],
    shown: Sequence[Mapping[str, Any]],
    json_out: bool,
    *,
    interval: float,
    max_polls: int,
) -> None:
    """Poll for calls after the last one shown, until interrupted (or `max_polls`, for tests)."""
    last = shown[-1]["id"] if shown else None
    polls = 0
    while max_polls == 0 or polls < max_polls:
        time.sleep(interval)
        polls += 1
        new = newer(last)
        if new:
            last = new[-1]["id"]
            show(new, json_out)
