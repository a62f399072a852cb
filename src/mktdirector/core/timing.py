"""The clock the choke point, the limiter and the platform policies read: `now()` and `sleep()`.

Injected, so tests move time forward instead of waiting, and a reset computed from a header
("X resets at 1800000900") is compared with the same clock the wait is spent on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Clock:
    """Wall-clock seconds since the epoch and a way to wait; the real ones by default."""

    now: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep


SYSTEM_CLOCK = Clock()
