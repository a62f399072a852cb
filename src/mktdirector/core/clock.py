"""Time as a dependency: code that reads the time or waits is handed a clock, so tests move time
instead of waiting for it (a lease to run out, a rate window to roll, a daily reset at midnight).

Most code needs one half: `Now` to stamp and compare (epoch seconds), `Sleep` to wait. The choke
point, the limiter and the platform policies take a `Clock` (both halves), so a reset computed
from a header ("X resets at 1800000900") is compared with the same clock the wait is spent on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

Now = Callable[[], float]  # epoch seconds, like time.time
Sleep = Callable[[float], None]  # like time.sleep


@dataclass(frozen=True)
class Clock:
    """Wall-clock seconds since the epoch and a way to wait; the real ones by default."""

    now: Now = time.time
    sleep: Sleep = time.sleep


SYSTEM_CLOCK = Clock()
