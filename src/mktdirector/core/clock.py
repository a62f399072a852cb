"""Time as a dependency: code that reads the time or waits is handed a clock, so tests move time
instead of waiting for it (a lease to run out, a rate window to roll, a daily reset at midnight).

Most code needs one half: `Now` to stamp and compare (epoch seconds), `Sleep` to wait. Code that
needs both, and tests that hand one object to everything, use a `Clock`; the system's is
`SYSTEM_CLOCK`. A test clock implements the same two methods and advances on `sleep`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

Now = Callable[[], float]  # epoch seconds, like time.time
Sleep = Callable[[float], None]  # like time.sleep


class Clock(Protocol):
    def time(self) -> float:
        """Seconds since the epoch."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait `seconds` (a test clock moves its time forward instead)."""
        ...


class SystemClock:
    """The real clock: time.time and time.sleep."""

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


SYSTEM_CLOCK: Clock = SystemClock()
