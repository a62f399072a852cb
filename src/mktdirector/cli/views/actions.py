"""How `mktd logs --source S` shows the actions log: who did what, how it ended, which draft."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mktdirector.cli import _output

COLUMNS = ["time_utc", "actor", "action", "outcome", "draft", "duration_ms", "args"]
HEADERS = ["time", "actor", "action", "outcome", "draft", "ms", "arguments"]


def show(batch: Sequence[Mapping[str, Any]], json_out: bool) -> None:
    if json_out:
        for row in batch:
            _output.emit_json_line(row)
    elif batch:
        _output.table([_row(r) for r in batch], COLUMNS, headers=HEADERS)


def _row(r: Mapping[str, Any]) -> dict[str, Any]:
    args = json.dumps(r.get("arguments") or {}, ensure_ascii=False)
    draft = r.get("draft_id") or ""
    # The end of a draft id is what people type (`mktd drafts show ID` takes it).
    return {**r, "draft": draft[-10:], "args": args if len(args) <= 40 else args[:39] + "…"}


def follow(
    newer: Callable[[str | None], Sequence[Mapping[str, Any]]],
    shown: Sequence[Mapping[str, Any]],
    json_out: bool,
    *,
    interval: float,
    max_polls: int,
) -> None:
    """Poll for actions after the last one shown, until interrupted (or `max_polls`)."""
    last = shown[-1]["id"] if shown else None
    polls = 0
    while max_polls == 0 or polls < max_polls:
        time.sleep(interval)
        polls += 1
        new = newer(last)
        if new:
            last = new[-1]["id"]
            show(new, json_out)
