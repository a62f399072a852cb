"""What the choke point asks a platform: the vendor-neutral protocol and the generic readers.

Each vendor's knowledge (its error bodies, its rate headers, its reset rules) lives in a
`PlatformPolicy` in that vendor's package (`integrations/<platform>/policy.py`). Core knows only
what every API shares: `Retry-After` (in `retry.py`) and the `X-RateLimit-*` family read here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple, Protocol

import httpx

from mktdirector.core.errors import ApiStatusError
from mktdirector.core.retry import REQUEST_ID_HEADERS

EPOCH_THRESHOLD = 1_000_000_000  # a reset above this is epoch seconds, below it "seconds from now"


class RateCounter(NamedTuple):
    """One quota a server reported: `scope` is endpoint, user-day, app-day or all."""

    scope: str
    limit: int | None
    remaining: int | None
    reset_at: float | None  # epoch seconds
    blocked_until: float | None = None


class PlatformPolicy(Protocol):
    """A vendor's rules the choke point applies to every response."""

    # The headers that carry the platform's id of a request (for support tickets).
    request_id_headers: tuple[str, ...]
    # The RateCounter scopes that bind only the endpoint (method and path) that reported them;
    # the others bind every call of the account (user-day, all) or of the app (app-day).
    per_endpoint_scopes: frozenset[str]
    # The scopes the server counts over a ROLLING window (a call leaves it a window after it
    # was made); their counters' reset is "now + the window". Once such a counter is exhausted
    # the limiter waits for the oldest call to leave, not a whole window from now.
    rolling_scopes: frozenset[str]

    def classify(self, response: httpx.Response, error: ApiStatusError) -> ApiStatusError | None:
        """A more precise error than the generic table for an error response (None = keep)."""
        ...

    def check_response(self, response: httpx.Response) -> None:
        """Raise for an error the vendor reports inside a 2xx body."""
        ...

    def rate_counters(self, headers: httpx.Headers, now: float) -> list[RateCounter]:
        """The quotas the response's headers announce."""
        ...

    def retry_after(self, response: httpx.Response, now: float) -> float | None:
        """Seconds until a 429 without Retry-After may be retried (from headers or rules)."""
        ...


class GenericPolicy:
    """The rules of an API mktd knows nothing special about; vendors override what differs."""

    request_id_headers: tuple[str, ...] = REQUEST_ID_HEADERS
    per_endpoint_scopes: frozenset[str] = frozenset({"endpoint"})
    rolling_scopes: frozenset[str] = frozenset()

    def classify(self, response: httpx.Response, error: ApiStatusError) -> ApiStatusError | None:
        return None

    def check_response(self, response: httpx.Response) -> None:
        return None

    def rate_counters(self, headers: httpx.Headers, now: float) -> list[RateCounter]:
        found = header_family(headers, "x-ratelimit", "endpoint", now)
        return [found] if found is not None else []

    def retry_after(self, response: httpx.Response, now: float) -> float | None:
        return exhausted_reset(self.rate_counters(response.headers, now), now)


def header_number(headers: httpx.Headers, name: str) -> float | None:
    """A numeric header, or None when it is missing or not a number."""
    raw = headers.get(name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def reset_epoch(value: float | None, now: float) -> float | None:
    """A reset header as epoch seconds: epoch values as given, small values from `now`."""
    if value is None:
        return None
    # Reset headers are whole epoch seconds, truncated: the window really ends up to a second
    # later, and a call in that second is refused (tweepy waits reset - now + 1).
    return value + 1.0 if value > EPOCH_THRESHOLD else now + value


def header_family(
    headers: httpx.Headers, prefix: str, scope: str, now: float
) -> RateCounter | None:
    """`<prefix>-limit`, `-remaining` and `-reset` as one counter (None when not announced).

    A remaining count that is not a number makes the whole family unreadable.
    """
    remaining = header_number(headers, f"{prefix}-remaining")
    reset = reset_epoch(header_number(headers, f"{prefix}-reset"), now)
    if remaining is None and (f"{prefix}-remaining" in headers or reset is None):
        return None
    limit = header_number(headers, f"{prefix}-limit")
    return RateCounter(
        scope,
        int(limit) if limit is not None else None,
        int(remaining) if remaining is not None else None,
        reset,
    )


def exhausted_reset(counters: Iterable[RateCounter], now: float) -> float | None:
    """Seconds until the latest exhausted counter resets (None when none is exhausted)."""
    waits = [
        c.reset_at - now
        for c in counters
        if c.reset_at is not None and (c.remaining is None or c.remaining <= 0)
    ]
    return max(max(waits), 0.0) if waits else None
