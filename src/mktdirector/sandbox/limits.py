"""The platforms' rate limits, enforced: fixed windows, rolling windows and UTC days.

Defaults are the published numbers of the reference cards (X pay-per-use table, LinkedIn's
Share on LinkedIn daily limits, HubSpot's lowest burst tier, SendGrid's documented example,
GA4's standard token quotas). Each can be changed with `--limit NAME=N/SECONDS` or
`Sandbox(limits={NAME: (N, SECONDS)})`, e.g. to make a test hit a limit after 3 calls.
Windows live in memory: a restart (or `POST /_sandbox/reset`) starts them afresh.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from mktdirector.sandbox.base import SandboxError

DAY = 86_400.0
FIFTEEN = 900.0

# name -> (calls, window seconds). Suffix: how the window moves (see WINDOW_KIND).
DEFAULT_LIMITS: dict[str, tuple[int, float]] = {
    # X, 15-minute windows per user token and per app (rate-limits.mdx, 2026-08-22).
    "x.create.user": (100, FIFTEEN),
    "x.create.app": (10_000, DAY),
    # Not in the current docs but sent by X on POST /2/tweets (x-user-limit-24hour-*).
    "x.create.user24h": (10_000, DAY),
    "x.delete.user": (50, FIFTEEN),
    "x.lookup.user": (5_000, FIFTEEN),
    "x.lookup.app": (3_500, FIFTEEN),
    "x.get.user": (900, FIFTEEN),
    "x.get.app": (450, FIFTEEN),
    "x.me.user": (75, FIFTEEN),
    "x.timeline.user": (900, FIFTEEN),
    "x.timeline.app": (10_000, FIFTEEN),
    "x.media.user": (500, FIFTEEN),
    "x.media.app": (50_000, DAY),
    # LinkedIn: per member and per app per UTC day; no headers tell the client anything.
    "linkedin.create.member": (150, DAY),
    "linkedin.app": (100_000, DAY),
    # HubSpot: Free/Starter burst (rolling 10 s), daily cap, search (rolling 1 s).
    "hubspot.burst": (100, 10.0),
    "hubspot.daily": (250_000, DAY),
    "hubspot.search": (5, 1.0),
    # SendGrid: per key and endpoint, per minute (the docs' own example numbers).
    "sendgrid.send": (10_000, 60.0),
    "sendgrid.other": (600, 60.0),
    # Salesforce: the org's rolling 24-hour API allocation (Developer Edition: 15,000).
    "salesforce.daily": (15_000, DAY),
    # GA4 core token quotas per property (standard property).
    "ga.tokens.day": (200_000, DAY),
    "ga.tokens.hour": (40_000, 3_600.0),
    "ga.tokens.project_hour": (14_000, 3_600.0),
}
# "rolling": the last N seconds; "utc_day": resets at 00:00 UTC; anything else: a fixed window
# that starts with the first call (how X reports `x-rate-limit-reset`).
WINDOW_KIND = {
    "hubspot.burst": "rolling",
    "hubspot.search": "rolling",
    "salesforce.daily": "rolling",
    "linkedin.create.member": "utc_day",
    "linkedin.app": "utc_day",
    "hubspot.daily": "utc_day",
    "ga.tokens.day": "utc_day",
}
_SPEC = re.compile(r"^(?P<name>[a-z0-9_.]+)=(?P<n>\d+)/(?P<s>\d+(?:\.\d+)?)$")


def parse_limits(items: list[str] | None) -> dict[str, tuple[int, float]]:
    """`["x.create.user=5/900"]` -> {"x.create.user": (5, 900.0)}."""
    out: dict[str, tuple[int, float]] = {}
    for item in items or []:
        m = _SPEC.match(item.strip())
        if not m or m.group("name") not in DEFAULT_LIMITS:
            known = ", ".join(sorted(DEFAULT_LIMITS))
            raise SandboxError(
                f"Bad limit {item!r}: use NAME=CALLS/SECONDS with NAME one of {known}."
            )
        out[m.group("name")] = (int(m.group("n")), float(m.group("s")))
    return out


@dataclass(frozen=True)
class Quota:
    """The state of one window after a call was (or was not) taken."""

    limit: int
    remaining: int
    reset: float  # epoch seconds when the window frees up
    ok: bool


class Limits:
    """Counts calls per (limit name, principal) against the configured windows."""

    def __init__(
        self, clock: Callable[[], float], overrides: Mapping[str, tuple[int, float]] | None = None
    ) -> None:
        self.clock = clock
        self.table = dict(DEFAULT_LIMITS)
        self.table.update(overrides or {})
        self._lock = threading.Lock()
        self._fixed: dict[tuple[str, str], tuple[float, int]] = {}  # start, used
        self._rolling: dict[tuple[str, str], deque[float]] = {}

    def clear(self) -> None:
        with self._lock:
            self._fixed.clear()
            self._rolling.clear()

    def take(self, name: str, who: str, cost: int = 1) -> Quota:
        """Use `cost` calls of `name` for `who`; `ok` is False (and nothing used) when over."""
        return self._apply(name, who, cost)

    def peek(self, name: str, who: str) -> Quota:
        return self._apply(name, who, 0)

    def _apply(self, name: str, who: str, cost: int) -> Quota:
        limit, window = self.table[name]
        kind = WINDOW_KIND.get(name, "fixed")
        now = self.clock()
        key = (name, who)
        with self._lock:
            if kind == "rolling":
                q = self._rolling.setdefault(key, deque())
                while q and q[0] <= now - window:
                    q.popleft()
                ok = len(q) + cost <= limit
                if ok:
                    q.extend([now] * cost)
                reset = (q[0] + window) if q else now + window
                return Quota(limit, max(limit - len(q), 0), reset, ok)
            if kind == "utc_day":
                # A calendar day in UTC, whatever the configured window says.
                day = now // DAY * DAY
                start, used = self._fixed.get(key, (day, 0))
                if start != day:
                    start, used = day, 0
                window = DAY
            else:
                start, used = self._fixed.get(key, (now, 0))
                if now >= start + window:
                    start, used = now, 0
            ok = used + cost <= limit
            if ok:
                used += cost
            self._fixed[key] = (start, used)
            return Quota(limit, max(limit - used, 0), start + window, ok)
