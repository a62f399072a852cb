"""X's rate headers, read in one place (reference card: 15-minute and 24-hour windows).

`x-rate-limit-*` is the endpoint's 15-minute window; `x-user-limit-24hour-*` and
`x-app-limit-24hour-*` are the daily caps of the user and of the app (posts). Resets are epoch
seconds. The limiter, the error messages and the 429 wait all use `rate_windows`.
"""

from __future__ import annotations

import httpx

from mktdirector.core.policy import RateCounter, header_family

X_WINDOWS = (
    ("x-rate-limit", "endpoint"),
    ("x-user-limit-24hour", "user-day"),
    ("x-app-limit-24hour", "app-day"),
)


def rate_windows(headers: httpx.Headers, now: float) -> list[RateCounter]:
    """Every X window the headers announce, as counters (epoch resets, + 1 s for truncation)."""
    found = (header_family(headers, prefix, scope, now) for prefix, scope in X_WINDOWS)
    return [c for c in found if c is not None]


def daily_exhausted(headers: httpx.Headers, now: float) -> bool:
    """True when a 24-hour window (user or app) has nothing left."""
    return any(c.scope != "endpoint" and c.remaining == 0 for c in rate_windows(headers, now))
