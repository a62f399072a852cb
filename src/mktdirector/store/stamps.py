"""Ids and times in the store's conventions (DESIGN.md section 8), whatever the backend.

Ids are text ULIDs (sortable by creation); times are ISO-8601 UTC text with milliseconds and a
`Z`, so they sort and compare as text.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, datetime

# A ULID's text is 26 Crockford base-32 digits of its 128 bits (48 of milliseconds, 80 random),
# read 10 bits (two digits) at a time: every audit row takes one, and this costs 2 µs where
# python-ulid's object and its str() cost 5 (benchmarks/choke_point.py). Same text, same order:
# within one millisecond the next id is the last plus one, as python-ulid does, so the rows a
# process writes in one millisecond keep their order (the audit log sorts by time, then id).
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_DIGIT_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]
_SHIFTS = range(120, -1, -10)


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_last = [0, 0]  # the millisecond and value of the latest id
_lock = threading.Lock()


def new_id() -> str:
    ms = time.time_ns() // 1_000_000
    with _lock:
        same_ms = ms == _last[0]
        value = _last[1] + 1 if same_ms else ms << 80 | int.from_bytes(os.urandom(10), "big")
        _last[:] = (ms, value)
    return ulid_text(value)


def ulid_text(value: int) -> str:
    """The 26-character text of a 128-bit ULID value (what `str(ulid.ULID)` gives)."""
    return "".join([_DIGIT_PAIRS[(value >> shift) & 1023] for shift in _SHIFTS])
