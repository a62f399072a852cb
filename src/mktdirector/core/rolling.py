"""Rolling windows the server counts: which of mktd's own calls are still in one, and when the
next call is free (core/ratelimit.py keeps the record in the shared state row of the counter).
"""

from __future__ import annotations

from typing import Any

Row = dict[str, Any]

# Enough for every published HubSpot burst tier (250 per 10 s at most); bounds the row's size.
MAX_RECENT_CALLS = 500
# How much earlier than its answer the server may have counted a call (its service time).
ANSWER_SLACK_S = 2.0


def recent_calls(row: Row, after: float) -> list[float]:
    """The times (when their answers arrived) of this key's calls made after `after`, oldest
    first. Stored as one compact text column so that every process sharing the store sees them."""
    raw = row.get("recent_calls") or ""
    return [t for t in map(float, filter(None, raw.split(","))) if t > after]


def encode_calls(calls: list[float]) -> str:
    return ",".join(f"{t:.3f}" for t in calls)


def rolling_reset(
    calls: list[float], limit: int | None, remaining: int | None, window: float
) -> float | None:
    """When a rolling counter the server reports as exhausted frees its next call, or None.

    The server's window holds `limit` calls; if mktd made at least that many in the window
    (give or take the slack), they are the window's calls, and the oldest of them, the `limit`-th
    latest, leaves it `window` seconds after its answer arrived (the server counted it no later
    than that, so this never ends the wait early). With fewer, someone else shares the quota and
    mktd cannot tell when its calls leave: None (the caller keeps the whole window from now).
    Calls still in flight from other processes are not in the record yet: a 429 can then
    happen, and its Retry-After is honoured."""
    if remaining is None or remaining > 0 or not limit or len(calls) < limit:
        return None
    # Every recorded call is inside the window (the caller dropped older ones): this is later
    # than now, unless the oldest has just left, which the reserve reads as "go".
    return calls[-limit] + window
