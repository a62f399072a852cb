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
    "actor",
]
HEADERS = ["time", "platform", "method", "path", "status", "ms", "try", "error", "by"]
NO_ACTOR = "—"  # rows from before m025 recorded nobody


# Followed calls are lines under one header (like tail -f): a table per batch reprinted the
# header for every new call. The path goes last, so a long one never breaks the alignment.
LINE_COLUMNS = [c for c in COLUMNS if c != "path"] + ["path"]
LINE_WIDTHS = {"time_utc": 24, "platform": 16, "method": 6, "status": 6, "duration_ms": 6,
               "attempt": 3, "error_kind": 14, "actor": 12}  # fmt: skip


def _shown(row: Mapping[str, Any]) -> Mapping[str, Any]:
    """The row as the table and lines show it: who did it, or "—" when nobody was recorded."""
    return {**row, "actor": row.get("actor") or NO_ACTOR}


def show(batch: Sequence[Mapping[str, Any]], json_out: bool) -> None:
    if json_out:
        for row in batch:
            _output.emit_json_line(row)
    elif batch:
        shown = [_shown(r) for r in batch]
        no_wrap = [c for c in COLUMNS if c not in ("path", "actor")]
        _output.table(shown, COLUMNS, headers=HEADERS, no_wrap=no_wrap)


def _line(values: Mapping[str, Any]) -> str:
    return " ".join(
        str("" if values.get(c) is None else values.get(c)).ljust(LINE_WIDTHS.get(c, 0))
        for c in LINE_COLUMNS
    ).rstrip()


def show_lines(batch: Sequence[Mapping[str, Any]], *, header: bool) -> None:
    if header:
        _output.line(_line(dict(zip(COLUMNS, HEADERS, strict=True))), style="bold", soft_wrap=True)
    for row in batch:
        _output.line(_line(_shown(row)), soft_wrap=True)


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
            if json_out:
                show(new, json_out)
            else:
                show_lines(new, header=False)  # the command printed it with the first calls
