"""HubSpot's burst limit is a rolling window: after "0 remaining" the limiter waits until the
oldest call leaves the window, not a whole window from now (issue 17, item 3).

The server here is the sandbox's own rolling-window counter (`sandbox.limits.Limits`) on the
test's fake clock, so the limiter is checked against the enforcement `mktd sandbox serve` uses.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from mktdirector.core.ratelimit import MAX_RECENT_CALLS, Limiter, MemoryBackend, recent_calls
from mktdirector.integrations.hubspot.policy import HubSpotPolicy
from mktdirector.sandbox.limits import Limits

LIMIT, WINDOW = 5, 10.0
PATH = "/crm/v3/objects/contacts/batch/upsert"
POLICY = HubSpotPolicy(lambda: 3600.0)


class RollingHubSpot:
    """Answers like the sandbox's HubSpot room: rolling LIMIT per WINDOW, headers on every call."""

    def __init__(self, clock, limit: int = LIMIT) -> None:  # type: ignore[no-untyped-def]
        self.limits = Limits(clock.time, {"hubspot.burst": (limit, WINDOW)})
        self.too_many = 0
        self.accepted = 0

    def call(self) -> httpx.Response:
        q = self.limits.take("hubspot.burst", "user")
        headers = {
            "X-HubSpot-RateLimit-Max": str(q.limit),
            "X-HubSpot-RateLimit-Remaining": str(q.remaining),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(WINDOW * 1000)),
        }
        request = httpx.Request("POST", f"https://api.hubapi.com{PATH}")
        if not q.ok:
            self.too_many += 1
            return httpx.Response(429, headers=headers, request=request)
        self.accepted += 1
        return httpx.Response(200, headers=headers, request=request)


def send(limiter: Limiter, hub: RollingHubSpot, clock, service: float = 1.0) -> None:  # type: ignore[no-untyped-def]
    """One call through the limiter; the server takes `service` seconds to answer."""
    limiter.acquire("hubspot", None, [], "POST", PATH, budget=60)
    response = hub.call()
    clock.now += service
    limiter.observe("hubspot", None, PATH, response, POLICY)


@pytest.fixture
def limiter(clock) -> Limiter:  # type: ignore[no-untyped-def]
    return Limiter(MemoryBackend(), clock=clock.time, sleep=clock.sleep)


def test_after_zero_remaining_it_waits_for_the_oldest_call_to_leave(limiter, clock) -> None:  # type: ignore[no-untyped-def]
    hub = RollingHubSpot(clock)
    first = clock.now
    for _ in range(LIMIT):  # calls answered at first+1 .. first+5; the 5th says 0 remaining
        send(limiter, hub, clock)
    assert clock.sleeps == []
    send(limiter, hub, clock)
    # The first call's answer came at first+1: it leaves the window at first+11. Now is
    # first+5, so the wait is 6 s (+1 ms of margin), not the 10 s a fixed window would take.
    assert clock.sleeps == [pytest.approx(6.001)]
    assert clock.now == pytest.approx(first + 1 + WINDOW + 0.001 + 1.0)
    assert (hub.accepted, hub.too_many) == (LIMIT + 1, 0)


def test_a_long_run_paces_at_the_servers_rate_with_no_429(limiter, clock) -> None:  # type: ignore[no-untyped-def]
    hub = RollingHubSpot(clock)
    start = clock.now
    calls = 8 * LIMIT
    for _ in range(calls):
        send(limiter, hub, clock, service=0.1)
    assert hub.too_many == 0 and hub.accepted == calls
    # Each later call waits only for the call LIMIT before it: 7 windows of waiting, each
    # ~10 s + 1 ms margin + one 0.1 s service time, plus the last window's 5 service times.
    floor = (calls // LIMIT - 1) * WINDOW + LIMIT * 0.1
    assert clock.now - start <= floor * 1.02
    # One counted wait per window: once the oldest call has left, the next LIMIT calls find
    # their slots already free (each left WINDOW after its answer), so they go back to back.
    assert len(clock.sleeps) == calls // LIMIT - 1
    assert all(s == pytest.approx(WINDOW - (LIMIT - 1) * 0.1 + 0.001) for s in clock.sleeps)


def test_a_call_the_server_dated_earlier_than_its_answer_still_counts(limiter, clock) -> None:  # type: ignore[no-untyped-def]
    """The server counts a call when it arrives, mktd records it when the answer comes: the
    oldest call's answer may already be more than a window old while the server still counts
    it. mktd must not take that for a stranger's call and wait a whole window (it did)."""
    hub = RollingHubSpot(clock)
    start = clock.now
    send(limiter, hub, clock, service=0.5)  # arrives at +0, answered at +0.5
    clock.now = start + 9.0
    for _ in range(LIMIT - 2):
        send(limiter, hub, clock, service=0.1)
    send(limiter, hub, clock, service=1.3)  # arrives at +9.3, answered at +10.6: "0 remaining"
    # The first call left the server's window at +10.0: the next call may go now.
    assert limiter.reserve("hubspot", None, [], "POST", PATH) == 0
    assert hub.call().status_code == 200 and hub.too_many == 0


def test_a_429_still_honours_retry_after(limiter, clock) -> None:  # type: ignore[no-untyped-def]
    hub = RollingHubSpot(clock)
    for _ in range(LIMIT):
        send(limiter, hub, clock)
    request = httpx.Request("POST", f"https://api.hubapi.com{PATH}")
    refused = httpx.Response(
        429,
        headers={
            "Retry-After": "9",
            "X-HubSpot-RateLimit-Max": str(LIMIT),
            "X-HubSpot-RateLimit-Remaining": "0",
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
        },  # fmt: skip
        request=request,
    )
    before = recent_calls(limiter.backend.rows[_endpoint_key()], 0)  # type: ignore[attr-defined]
    limiter.observe("hubspot", None, PATH, refused, POLICY)
    # The rolling record says 6 s, the server says 9 s: the server wins.
    assert limiter.reserve("hubspot", None, [], "POST", PATH) == pytest.approx(9.0)
    # A refused call does not enter the server's window, nor the record.
    assert recent_calls(limiter.backend.rows[_endpoint_key()], 0) == before  # type: ignore[attr-defined]


def test_quota_shared_with_someone_else_keeps_the_whole_window(limiter, clock) -> None:  # type: ignore[no-untyped-def]
    hub = RollingHubSpot(clock)
    hub.call()  # another app on the same account used one call: mktd knows only 4 of the 5
    for _ in range(LIMIT - 1):
        send(limiter, hub, clock)
    answered = clock.now
    # The 4th answer said 0 remaining; mktd cannot tell when the stranger's call leaves.
    assert limiter.reserve("hubspot", None, [], "POST", PATH) == pytest.approx(WINDOW)
    assert clock.now == answered


def test_the_record_of_recent_calls_is_bounded(limiter, clock) -> None:  # type: ignore[no-untyped-def]
    hub = RollingHubSpot(clock, limit=MAX_RECENT_CALLS)
    for _ in range(MAX_RECENT_CALLS + 50):
        send(limiter, hub, clock, service=0.001)
    row = limiter.backend.rows[_endpoint_key()]  # type: ignore[attr-defined]
    assert len(recent_calls(row, 0)) == MAX_RECENT_CALLS
    assert len(row["recent_calls"]) < MAX_RECENT_CALLS * 16
    assert hub.too_many == 0  # the record still paced the window it could hold


def test_a_window_larger_than_the_record_keeps_no_record(limiter, clock) -> None:  # type: ignore[no-untyped-def]
    """A record of MAX_RECENT_CALLS calls can never show a larger window full, so none is kept
    (the choke point then neither parses nor rewrites it on every answer); the server's own
    remaining count and reset still hold the calls back."""
    hub = RollingHubSpot(clock, limit=MAX_RECENT_CALLS + 1)
    for _ in range(20):
        send(limiter, hub, clock, service=0.001)
    row = limiter.backend.rows[_endpoint_key()]  # type: ignore[attr-defined]
    assert not row.get("recent_calls")
    assert row["remaining"] == MAX_RECENT_CALLS + 1 - 20


def test_two_processes_sharing_the_store_stay_inside_the_window(tmp_path: Path, clock) -> None:  # type: ignore[no-untyped-def]
    """Two Stores on one file (two connections, as two processes have): each sees the other's
    calls through the shared row, so together they never exceed the rolling window."""
    from mktdirector.store import Store

    db = tmp_path / "mktd.db"
    a, b = Store(db), Store(db)
    try:
        a.db  # migrate once  # noqa: B018
        first = Limiter(a, clock=clock.time, sleep=clock.sleep)
        second = Limiter(b, clock=clock.time, sleep=clock.sleep)
        hub = RollingHubSpot(clock)
        for i in range(6 * LIMIT):
            send(first if i % 2 else second, hub, clock, service=0.2)
        assert (hub.too_many, hub.accepted) == (0, 6 * LIMIT)
        # Waits followed the rolling window: under 5 windows for 6 windows' worth of calls.
        assert clock.now - 1_800_000_000.0 < 5 * WINDOW + 6 * LIMIT * 0.2 + 1
        rows = {r["name"]: r for r in a.rate_limit_rows("hubspot")}
        assert len(recent_calls(dict(rows[f"server:POST {PATH}"]), 0)) == LIMIT
    finally:
        a.close()
        b.close()


def _endpoint_key() -> str:
    return f"hubspot|default|server:POST {PATH}"
