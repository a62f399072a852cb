"""Declared limits (token bucket, fixed windows), server-reported limits, cross-process sharing."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from mktdirector.core.errors import RateLimitError
from mktdirector.core.policy import GenericPolicy
from mktdirector.core.ratelimit import (
    Limiter,
    MemoryBackend,
    format_wait,
    per_day,
    per_second,
    per_window,
)
from mktdirector.integrations.twitter.policy import TwitterPolicy

START = 1_800_057_600.0  # 00:00 UTC, a multiple of 86400 and of 900: windows start here


@pytest.fixture
def limiter(clock) -> Limiter:  # type: ignore[no-untyped-def]
    clock.now = START
    return Limiter(MemoryBackend(), clock=clock.time, sleep=clock.sleep)


def test_token_bucket_with_fake_clock(limiter: Limiter, clock) -> None:  # type: ignore[no-untyped-def]
    limits = [per_second("burst", 2)]
    assert limiter.reserve("p", "a", limits, "GET", "/x") == 0
    assert limiter.reserve("p", "a", limits, "GET", "/x") == 0
    assert limiter.reserve("p", "a", limits, "GET", "/x") == pytest.approx(0.5)
    # a refused call takes nothing: the wait does not grow by asking again
    assert limiter.reserve("p", "a", limits, "GET", "/x") == pytest.approx(0.5)
    clock.now += 0.25
    assert limiter.reserve("p", "a", limits, "GET", "/x") == pytest.approx(0.25)
    clock.now += 0.25
    assert limiter.reserve("p", "a", limits, "GET", "/x") == 0
    assert limiter.reserve("p", "a", limits, "GET", "/x") == pytest.approx(0.5)
    clock.now += 60  # refills to the bucket size, not beyond
    assert [limiter.reserve("p", "a", limits, "GET", "/x") for _ in range(3)] == [
        0,
        0,
        pytest.approx(0.5),
    ]


def test_fixed_window_resets_at_the_boundary(limiter: Limiter, clock) -> None:  # type: ignore[no-untyped-def]
    limits = [per_window("15min", 3, 15)]
    clock.now = START + 100
    assert [limiter.reserve("p", "a", limits, "POST", "/t") for _ in range(3)] == [0, 0, 0]
    assert limiter.reserve("p", "a", limits, "POST", "/t") == pytest.approx(800.0)
    clock.now = START + 900  # next window
    assert limiter.reserve("p", "a", limits, "POST", "/t") == 0


def test_daily_window_is_aligned_to_utc_midnight(limiter: Limiter, clock) -> None:  # type: ignore[no-untyped-def]
    limits = [per_day("day", 1)]
    clock.now = START + 86400 - 10  # 23:59:50 UTC
    assert limiter.reserve("p", "a", limits, "POST", "/t") == 0
    assert limiter.reserve("p", "a", limits, "POST", "/t") == pytest.approx(10.0)


def test_limits_match_method_path_and_scope(limiter: Limiter) -> None:
    limits = [
        per_day("posts", 1, methods=frozenset({"POST"}), paths=("/2/tweets",)),
        per_day("app", 2, scope="app"),
    ]
    assert limiter.reserve("p", "alice", limits, "GET", "/2/tweets") == 0  # app 1/2
    assert limiter.reserve("p", "alice", limits, "POST", "/2/tweets") == 0  # app 2/2, posts 1/1
    # bob has his own "posts" allowance but shares the app-wide one, which is spent
    assert limiter.reserve("p", "bob", limits, "POST", "/2/tweets") > 0
    assert limiter.reserve("p", "bob", limits[:1], "POST", "/2/tweets") == 0
    assert limiter.reserve("p", "alice", limits[:1], "POST", "/2/tweets") > 0
    assert limiter.reserve("p", "alice", limits[:1], "POST", "/2/other") == 0  # path not matched


def test_blocked_call_consumes_no_quota_anywhere(limiter: Limiter) -> None:
    big, small = per_day("big", 10), per_day("small", 1, paths=("/a",))
    assert limiter.reserve("p", None, [big, small], "GET", "/a") == 0
    for _ in range(5):
        assert limiter.reserve("p", None, [big, small], "GET", "/a") > 0
    rows = limiter.backend.rows  # type: ignore[attr-defined]
    assert rows["p|default|big"]["count"] == 1  # the refused calls did not count


def test_acquire_sleeps_within_budget_and_raises_beyond(limiter: Limiter, clock) -> None:  # type: ignore[no-untyped-def]
    limits = [per_second("s", 1)]
    assert limiter.acquire("p", "a", limits, "GET", "/x", budget=5) == 0
    waited = limiter.acquire("p", "a", limits, "GET", "/x", budget=5)
    assert waited == pytest.approx(1.0) and clock.sleeps == [pytest.approx(1.001)]

    day = [per_day("d", 1)]
    clock.now = START + 3600
    limiter.acquire("p", "a", day, "GET", "/x", budget=5)
    with pytest.raises(RateLimitError) as info:
        limiter.acquire("p", "a", day, "GET", "/x", budget=5)
    assert info.value.retry_after == pytest.approx(86400 - 3600)
    assert info.value.status_code == 429 and "same command again" in (info.value.hint or "")
    assert len(clock.sleeps) == 1  # it did not sleep for a day


def test_server_headers_block_until_reset(limiter: Limiter, clock) -> None:  # type: ignore[no-untyped-def]
    reset = clock.now + 30
    r = httpx.Response(
        200,
        headers={
            "x-rate-limit-limit": "50",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(int(reset)),
        },
    )
    figures = limiter.observe("twitter", "a", "/2/tweets", r, TwitterPolicy())
    # Reset headers are truncated whole seconds: mktd waits one second more (tweepy does too).
    assert figures == {"remaining": 0, "reset_at": reset + 1}
    assert limiter.reserve("twitter", "a", [], "POST", "/2/tweets") == pytest.approx(31.0)
    assert limiter.reserve("twitter", "a", [], "POST", "/2/users/me") == 0  # other endpoint
    assert limiter.reserve("twitter", "b", [], "POST", "/2/tweets") == 0  # other account
    clock.now = reset + 1.5
    assert limiter.reserve("twitter", "a", [], "POST", "/2/tweets") == 0


def test_server_remaining_counts_down(limiter: Limiter, clock) -> None:  # type: ignore[no-untyped-def]
    r = httpx.Response(
        200, headers={"x-rate-limit-remaining": "2", "x-rate-limit-reset": str(int(clock.now + 60))}
    )
    limiter.observe("twitter", None, "/2/tweets", r, TwitterPolicy())
    assert limiter.reserve("twitter", None, [], "GET", "/2/tweets") == 0
    assert limiter.reserve("twitter", None, [], "GET", "/2/tweets") == 0
    assert limiter.reserve("twitter", None, [], "GET", "/2/tweets") == pytest.approx(61.0)


def test_retry_after_on_429_blocks_every_endpoint(limiter: Limiter, clock) -> None:  # type: ignore[no-untyped-def]
    limiter.observe(
        "hubspot", None, "/crm/v3/objects", httpx.Response(429, headers={"Retry-After": "12"})
    )
    assert limiter.reserve("hubspot", None, [], "GET", "/anything") == pytest.approx(12.0)
    # a 503 with Retry-After blocks too; a 200 with Retry-After does not
    limiter.observe(
        "sendgrid", None, "/v3/mail/send", httpx.Response(200, headers={"Retry-After": "5"})
    )
    assert limiter.reserve("sendgrid", None, [], "GET", "/x") == 0
    limiter.observe(
        "sendgrid", None, "/v3/mail/send", httpx.Response(503, headers={"Retry-After": "5"})
    )
    assert limiter.reserve("sendgrid", None, [], "GET", "/x") == pytest.approx(5.0)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            {"X-RateLimit-Limit": "600", "X-RateLimit-Remaining": "10", "X-RateLimit-Reset": "30"},
            [("endpoint", 600, 10, START + 30, None)],  # relative reset
        ),
        ({"x-ratelimit-remaining": "many"}, []),
        ({}, []),
    ],
)
def test_generic_counters_table(headers: dict[str, str], expected: list[tuple]) -> None:  # type: ignore[type-arg]
    # Vendor headers (X, HubSpot) are read by their policies: tests/integrations/test_policies.py
    assert GenericPolicy().rate_counters(httpx.Headers(headers), START) == expected


def test_format_wait() -> None:
    assert [format_wait(s) for s in (0.2, 30, 89, 120, 3000, 7200)] == [
        "1 s",
        "30 s",
        "89 s",
        "2 min",
        "50 min",
        "2.0 h",
    ]


# --- shared across processes through SQLite -------------------------------------------------

CHILD = textwrap.dedent(
    """
    import sys
    import time
    from mktdirector.core.ratelimit import Limiter, per_day
    from mktdirector.store import Store

    store = Store(sys.argv[1])
    limiter = Limiter(store, clock=lambda: float(sys.argv[2]))
    limits = [per_day("daily", int(sys.argv[3]))]
    print("ready", flush=True)
    sys.stdin.readline()  # start together with the parent
    allowed = 0
    for _ in range(int(sys.argv[4])):
        allowed += limiter.reserve("sandbox", "acct", limits, "POST", "/posts") == 0
        time.sleep(0.001)  # let the other process in (the busy handler backs off otherwise)
    store.close()
    print(allowed, flush=True)
    """
)


@pytest.mark.slow
def test_window_limit_is_shared_by_two_processes(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    limit, tries = 60, 80
    store.db  # create and migrate before the race  # noqa: B018
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(store.path), str(START + 60), str(limit), str(tries)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().strip() == "ready"
        limiter = Limiter(store, clock=lambda: START + 60)
        limits = [per_day("daily", limit)]
        child.stdin.write("go\n")
        child.stdin.flush()
        mine = 0
        for _ in range(tries):
            mine += limiter.reserve("sandbox", "acct", limits, "POST", "/posts") == 0
            time.sleep(0.001)  # interleave with the child; the total holds either way
        out, _ = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    theirs = int(out.strip())
    assert child.returncode == 0
    assert mine + theirs == limit
    row = {r["name"]: r for r in store.rate_limit_rows("sandbox")}["daily"]
    assert (row["count"], row["remaining"], row["limit_value"]) == (limit, 0, limit)


def _x_429(method: str, path: str, now: float) -> httpx.Response:
    """X's answer when POST /2/tweets is over its 15-minute and 24-hour user windows."""
    reset = str(int(now + 600))
    return httpx.Response(
        429,
        headers={
            "x-rate-limit-limit": "100", "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": reset, "x-user-limit-24hour-limit": "17",
            "x-user-limit-24hour-remaining": "0", "x-user-limit-24hour-reset": reset,
            "retry-after": "600",
        },
        request=httpx.Request(method, f"https://api.x.com{path}"),
    )  # fmt: skip


def test_x_429_on_creating_posts_does_not_block_reading_them(limiter: Limiter, clock) -> None:  # type: ignore[no-untyped-def]
    """Issue 11 item 4: X's windows are per endpoint (method and path), its 24-hour caps are
    the creation endpoint's; a 429 on POST /2/tweets must leave GET /2/tweets (metrics) open."""
    policy = TwitterPolicy()
    limiter.observe("twitter", "a", "/2/tweets", _x_429("POST", "/2/tweets", clock.now), policy)
    limiter.hold("twitter", "a", "/2/tweets", 600.0, method="POST")
    assert limiter.reserve("twitter", "a", [], "POST", "/2/tweets") == pytest.approx(601.0)
    assert limiter.reserve("twitter", "a", [], "GET", "/2/tweets") == 0
    assert limiter.reserve("twitter", "a", [], "GET", "/2/users/{id}/tweets") == 0


def test_hubspot_daily_cap_still_blocks_the_whole_app(limiter: Limiter, clock) -> None:  # type: ignore[no-untyped-def]
    from mktdirector.integrations.hubspot.policy import HubSpotPolicy

    r = httpx.Response(
        429,
        headers={"X-HubSpot-RateLimit-Daily": "250000", "X-HubSpot-RateLimit-Daily-Remaining": "0"},
        request=httpx.Request("POST", "https://api.hubapi.com/crm/v3/objects/contacts"),
    )
    limiter.observe("hubspot", None, "/crm/v3/objects/contacts", r, HubSpotPolicy(lambda: 3600.0))
    assert limiter.reserve("hubspot", None, [], "GET", "/crm/v3/owners") > 0


def test_which_limits_apply_is_worked_out_once_per_endpoint_for_a_tuple_of_limits(
    limiter: Limiter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The choke point asks twice per request with the client's own tuple: the glob matching
    and key building are done once; a list (which can change) is read again every time."""
    from mktdirector.core.ratelimit import Limit

    matched: list[str] = []
    real = Limit.matches
    monkeypatch.setattr(
        Limit, "matches", lambda self, m, p: matched.append(self.name) or real(self, m, p)
    )
    limits = (per_window("window", 100, 15), per_second("search", 100, paths=("/search/*",)))
    for _ in range(5):
        assert limiter.reserve("p", "a", limits, "GET", "/search/x") == 0
    assert matched == ["window", "search"]  # once, not five times
    assert limiter.reserve("p", "a", limits, "GET", "/other") == 0  # another endpoint: its own
    assert matched[2:] == ["window", "search"]
    changing = [per_window("day", 1, 1440)]
    assert limiter.reserve("p", "a", changing, "GET", "/x") == 0
    changing.append(per_window("other", 1, 1440))  # the new limit counts at once
    assert limiter.reserve("p", "a", changing, "GET", "/x") > 0
    rows = limiter.backend.rows  # type: ignore[attr-defined]
    assert rows["p|a|window"]["count"] == 6 and rows["p|a|search"]["tokens"] == pytest.approx(95)
