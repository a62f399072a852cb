"""Rate limits that hold across processes.

Two sources of truth, both kept in one state table (SQLite in practice, so that the many short
`mktd` processes and the worker share them):
- declared limits per platform and endpoint: a token bucket for per-second limits, fixed windows
  (aligned to the epoch, so daily windows reset at 00:00 UTC) for per-15-minute and per-day limits;
- what the server reports (`Retry-After`, and the counters the platform's policy reads from its
  headers, `integrations/<platform>/policy.py`): an exhausted counter blocks until its reset.

The backend only has to run a read-modify-write over a few keys atomically (`transact`). One
that can also group several of them, and the audit row of the same answer, into one commit
offers `batch()` (the SQLite and PostgreSQL stores do): the choke point then commits twice per
request (reserve before the send; what the answer said plus its audit row after it).
"""

from __future__ import annotations

import fnmatch
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from mktdirector.core.errors import RateLimitError
from mktdirector.core.policy import GenericPolicy, PlatformPolicy, RateCounter
from mktdirector.core.rate_keys import keys_to_check, limit_key, server_keys
from mktdirector.core.retry import parse_retry_after
from mktdirector.core.rolling import (
    ANSWER_SLACK_S,
    MAX_RECENT_CALLS,
    encode_calls,
    recent_calls,
    rolling_reset,
)

Row = dict[str, Any]
RATE_LIMIT_HINT = "Nothing is lost: run the same command again after the reset."
Transform = Callable[[dict[str, Row | None]], tuple[dict[str, Row], float]]


class StateBackend(Protocol):
    def transact(self, keys: list[str], fn: Transform) -> float:
        """Read rows for `keys`, call fn, write the rows it returns, all atomically.

        (Optional: `batch()`, a context in which every transact, and the store's audit rows,
        share one transaction; see `Limiter.batch`. And `merge(updates)`: set these columns of
        these rows without reading them, for what an answer said when it needs no old value.)"""


class MemoryBackend:
    """Process-local state, for tests and for code that runs without a database."""

    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self._lock = threading.Lock()

    def transact(self, keys: list[str], fn: Transform) -> float:
        with self._lock:
            updates, result = fn({k: self.rows.get(k) for k in keys})
            for k, row in updates.items():
                self.rows[k] = dict(row)
            return result

    def merge(self, updates: dict[str, Row]) -> None:
        """Set these columns of these rows (a missing row starts empty); the others stay."""
        with self._lock:
            for k, row in updates.items():
                self.rows[k] = {**self.rows.get(k, {}), **row}


@dataclass(frozen=True)
class Limit:
    """A declared limit. `per_second` limits are token buckets; the rest fixed windows."""

    name: str
    calls: int
    period_s: float
    methods: frozenset[str] | None = None  # None = any method
    paths: tuple[str, ...] = ()  # path-template globs; empty = any path
    scope: str = "user"  # "user": per account; "app": shared by every account of the app

    @property
    def kind(self) -> str:
        return "bucket" if self.period_s <= 1.0 else "window"

    def matches(self, method: str, path: str) -> bool:
        if self.methods is not None and method.upper() not in self.methods:
            return False
        return not self.paths or any(fnmatch.fnmatchcase(path, p) for p in self.paths)


def per_second(name: str, calls: int, **kw: Any) -> Limit:
    return Limit(name, calls, 1.0, **kw)


def per_window(name: str, calls: int, minutes: float, **kw: Any) -> Limit:
    return Limit(name, calls, minutes * 60.0, **kw)


def per_day(name: str, calls: int, **kw: Any) -> Limit:
    return Limit(name, calls, 86400.0, **kw)


_GENERIC = GenericPolicy()


# (declared limits that apply, with their state keys; server-reported keys; every key)
_Plan = tuple[tuple[tuple[str, "Limit"], ...], tuple[str, ...], list[str]]


class Limiter:
    def __init__(
        self,
        backend: StateBackend | None = None,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.backend = backend or MemoryBackend()
        self.clock = clock
        self.sleep = sleep
        # What a call's limits mean is the same every time: which apply, their state keys.
        self._plans: dict[
            tuple[str, str | None, str, str, int], tuple[tuple[Limit, ...], _Plan]
        ] = {}

    def batch(self) -> AbstractContextManager[object]:
        """One transaction for the state updates (and the backend's audit rows) made inside it,
        where the backend offers it; otherwise each update commits on its own."""
        batch: Callable[[], AbstractContextManager[object]] | None = getattr(
            self.backend, "batch", None
        )
        return batch() if batch is not None else nullcontext()

    def reserve(
        self, platform: str, account: str | None, limits: Iterable[Limit], method: str, path: str
    ) -> float:
        """Take one call from every matching limit, or none; return 0 or the seconds to wait."""
        declared, server, keys = self._plan(platform, account, limits, method, path)
        now = self.clock()

        def fn(rows: dict[str, Row | None]) -> tuple[dict[str, Row], float]:
            wait = 0.0
            updates: dict[str, Row] = {}
            for key in server:
                row = rows.get(key)
                if not row:
                    continue
                if (row.get("blocked_until") or 0) > now:
                    wait = max(wait, row["blocked_until"] - now)
                rem, reset = row.get("remaining"), row.get("reset_at")
                if rem is not None and reset and reset > now:
                    if rem <= 0:
                        wait = max(wait, reset - now)
                    else:
                        updates[key] = {**row, "remaining": rem - 1, "updated_at": now}
            for key, lim in declared:
                row = dict(rows.get(key) or {})
                base = {
                    "platform": platform,
                    "account": account,
                    "name": lim.name,
                    "kind": lim.kind,
                }
                if lim.kind == "bucket":
                    rate = lim.calls / lim.period_s
                    tokens = row.get("tokens")
                    tokens = float(lim.calls) if tokens is None else float(tokens)
                    tokens = min(
                        float(lim.calls), tokens + (now - (row.get("updated_at") or now)) * rate
                    )
                    if tokens < 1.0:
                        wait = max(wait, (1.0 - tokens) / rate)
                    updates[key] = {
                        **row,
                        **base,
                        "tokens": tokens - 1.0,
                        "updated_at": now,
                        "limit_value": lim.calls,
                        "remaining": int(tokens - 1.0),
                    }
                else:
                    start = (now // lim.period_s) * lim.period_s
                    count = row.get("count") or 0
                    if (row.get("window_start") or 0) != start:
                        count = 0
                    if count >= lim.calls:
                        wait = max(wait, start + lim.period_s - now)
                    updates[key] = {
                        **row,
                        **base,
                        "window_start": start,
                        "count": count + 1,
                        "updated_at": now,
                        "limit_value": lim.calls,
                        "remaining": lim.calls - count - 1,
                        "reset_at": start + lim.period_s,
                    }
            if wait > 0:
                return {}, wait  # all or nothing: a blocked call consumes no quota
            return updates, 0.0

        return self.backend.transact(keys, fn)

    def _plan(
        self, platform: str, account: str | None, limits: Iterable[Limit], method: str, path: str
    ) -> _Plan:
        """The declared limits that apply to this call (with their keys), the server-reported
        keys that may block it, and all of them: computed once per endpoint and set of limits."""
        if type(limits) is tuple:  # immutable: the same tuple means the same limits
            cache_key = (platform, account, method, path, id(limits))
            hit = self._plans.get(cache_key)
            if hit is not None and hit[0] is limits:
                return hit[1]
        applicable = [lim for lim in limits if lim.matches(method, path)]
        declared = {limit_key(platform, account, lim.name, lim.scope): lim for lim in applicable}
        server = keys_to_check(platform, account, method, path)
        plan = (tuple(declared.items()), server, [*declared, *server])
        if type(limits) is tuple:
            if len(self._plans) >= 1024:
                self._plans.clear()
            self._plans[cache_key] = (limits, plan)  # holds the tuple: its id is not reused
        return plan

    def acquire(
        self,
        platform: str,
        account: str | None,
        limits: Iterable[Limit],
        method: str,
        path: str,
        *,
        budget: float,
    ) -> float:
        """Block until a call is allowed; raise RateLimitError when that is beyond `budget`."""
        limits = tuple(limits)
        waited = 0.0
        while True:
            wait = self.reserve(platform, account, limits, method, path)
            if wait <= 0:
                return waited
            if waited + wait > budget:
                raise RateLimitError(
                    f"{platform} rate limit reached for {method} {path}; "
                    f"next call allowed in {format_wait(wait)}.",
                    platform=platform,
                    status_code=429,
                    method=method,
                    path=path,
                    retry_after=wait,
                    hint=RATE_LIMIT_HINT,
                )
            self.sleep(wait + 0.001)
            waited += wait

    def hold(
        self, platform: str, account: str | None, path: str, seconds: float,
        *, method: str | None = None,
    ) -> None:  # fmt: skip
        """Block the endpoint (`method` and `path`) for `seconds` after a 429 whose reset came
        from the body or the platform's rules rather than a header (`observe` records those)."""
        now = self.clock()
        key = server_keys(platform, account, method, path)["endpoint"]

        def fn(rows: dict[str, Row | None]) -> tuple[dict[str, Row], float]:
            row = dict(rows.get(key) or {})
            until = max(now + seconds, row.get("blocked_until") or 0)
            row.update(platform=platform, account=account, name=key.split("|")[2],
                       kind="server", updated_at=now, blocked_until=until)  # fmt: skip
            return {key: row}, 0.0

        self.backend.transact([key], fn)

    def observe(
        self,
        platform: str,
        account: str | None,
        path: str,
        response: httpx.Response,
        policy: PlatformPolicy = _GENERIC,
    ) -> dict[str, Any]:
        """Tighten the shared state with what the server said. Returns the figures for the audit."""
        now = self.clock()
        found = policy.rate_counters(response.headers, now)
        try:
            method: str | None = response.request.method
        except RuntimeError:  # an answer built without its request (tests): the path alone
            method = None
        per_endpoint = getattr(policy, "per_endpoint_scopes", frozenset({"endpoint"}))
        key_for = server_keys(platform, account, method, path, per_endpoint)
        if response.status_code == 429 or (
            response.status_code == 503 and "retry-after" in response.headers
        ):
            wait = parse_retry_after(response.headers, now)
            if wait is not None:
                found.append(RateCounter("all", None, None, None, now + wait))
        retry_at = found[-1].blocked_until if found and found[-1].scope == "all" else None
        if not found:
            return {}

        rolling: frozenset[str] = getattr(policy, "rolling_scopes", frozenset())
        counted = response.status_code != 429  # a refused call does not enter the window

        def needs_row(c: RateCounter) -> bool:
            # A block keeps the later of two; a rolling record adds to the calls it holds.
            if c.blocked_until is not None:
                return True
            recorded = c.scope in rolling and c.reset_at and c.limit
            return bool(recorded and counted and c.limit and c.limit <= MAX_RECENT_CALLS)

        def update(c: RateCounter, row: Row) -> Row:
            """The columns this counter sets; `row` (the stored one) is read only if needs_row."""
            key = key_for[c.scope]
            new: Row = {"platform": platform, "account": account, "name": key.split("|")[2],
                        "kind": "server", "updated_at": now}  # fmt: skip
            if c.blocked_until is not None:
                new["blocked_until"] = max(c.blocked_until, row.get("blocked_until") or 0)
                return new
            reset_at = c.reset_at
            window = (reset_at - now) if c.scope in rolling and reset_at else None
            if window and not counted and retry_at is not None and reset_at:
                # A refusal's Retry-After is the server's exact answer for its window.
                reset_at = min(reset_at, retry_at)
            elif window and counted and c.limit and c.limit <= MAX_RECENT_CALLS:
                # Kept a little longer than the window: the server dates a call when it
                # arrives, mktd when its answer does, so the boundary call may be missed.
                # A window larger than the record could never be read from it (see
                # rolling_reset): no record is kept then, which saves parsing and rewriting
                # a long text column on every answer.
                calls = recent_calls(row, now - window - ANSWER_SLACK_S) + [now]
                calls = calls[-min(c.limit or MAX_RECENT_CALLS, MAX_RECENT_CALLS) :]
                new["recent_calls"] = encode_calls(calls)
                reset_at = rolling_reset(calls, c.limit, c.remaining, window) or reset_at
            new.update(limit_value=c.limit, remaining=c.remaining, reset_at=reset_at)
            return new

        def fn(rows: dict[str, Row | None]) -> tuple[dict[str, Row], float]:
            updates: dict[str, Row] = {}
            for c in found:
                key = key_for[c.scope]
                row = dict(rows.get(key) or {})
                row.update(update(c, row))
                updates[key] = row
            return updates, 0.0

        merge: Callable[[dict[str, Row]], None] | None = getattr(self.backend, "merge", None)
        if merge is not None and not any(map(needs_row, found)):
            # Every column written is the answer's own: no need to read the rows first (one
            # statement fewer per request at the choke point; the same rows result).
            merge({key_for[c.scope]: update(c, {}) for c in found})
        else:
            self.backend.transact(list(key_for.values()), fn)
        known = [c for c in found if c.remaining is not None]
        best = min(known, key=lambda c: c.remaining or 0, default=None)
        return {"remaining": best.remaining, "reset_at": best.reset_at} if best else {}


def format_wait(seconds: float) -> str:
    s = int(round(seconds))
    if s < 90:
        return f"{max(s, 1)} s"
    if s < 5400:
        return f"{round(s / 60)} min"
    return f"{s / 3600:.1f} h"
