"""Each vendor's policy reads its own headers (rate rows moved out of core's tables, unchanged)."""

from __future__ import annotations

import httpx
import pytest
import respx

from mktdirector.core.http import Exchange, HttpClient, HttpSettings
from mktdirector.core.policy import GenericPolicy, PlatformPolicy, exhausted_reset
from mktdirector.integrations.hubspot.policy import HubSpotPolicy
from mktdirector.integrations.linkedin.policy import LinkedInPolicy
from mktdirector.integrations.twitter.limits import rate_windows
from mktdirector.integrations.twitter.policy import TwitterPolicy

NOW = 1_800_000_000.0
START = 1_800_057_600.0  # 00:00 UTC, so the daily reset is START + 1 day


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            {
                "x-rate-limit-limit": "900",
                "x-rate-limit-remaining": "899",
                "x-rate-limit-reset": "1800000900",
            },
            [("endpoint", 900, 899, 1800000901.0, None)],  # whole seconds: + 1
        ),
        (
            {
                "x-app-limit-24hour-limit": "17",
                "x-app-limit-24hour-remaining": "3",
                "x-app-limit-24hour-reset": "1800086400",
                "x-user-limit-24hour-limit": "100",
                "x-user-limit-24hour-remaining": "0",
                "x-user-limit-24hour-reset": "1800050000",
            },
            [("user-day", 100, 0, 1800050001.0, None), ("app-day", 17, 3, 1800086401.0, None)],
        ),
        ({"x-rate-limit-remaining": "many"}, []),
        ({}, []),
    ],
)
def test_x_counters_table(headers: dict[str, str], expected: list[tuple]) -> None:  # type: ignore[type-arg]
    assert TwitterPolicy().rate_counters(httpx.Headers(headers), START) == expected


def test_hubspot_counters() -> None:
    headers = {
        "X-HubSpot-RateLimit-Max": "100",
        "X-HubSpot-RateLimit-Remaining": "4",
        "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
        "X-HubSpot-RateLimit-Daily": "250000",
        "X-HubSpot-RateLimit-Daily-Remaining": "1000",
    }
    policy = HubSpotPolicy(daily_reset=lambda: 0.0)
    assert policy.rate_counters(httpx.Headers(headers), START) == [
        ("endpoint", 100, 4, START + 10, None),
        ("app-day", 250000, 1000, START + 86400, None),
    ]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        # epoch resets are truncated whole seconds: one more second to be past the window
        ({"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(NOW + 60))}, 61.0),
        ({"x-rate-limit-remaining": "5", "x-rate-limit-reset": str(int(NOW + 60))}, None),
        (
            {
                "x-app-limit-24hour-remaining": "0",
                "x-app-limit-24hour-reset": str(int(NOW + 600)),
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(int(NOW + 60)),
            },
            601.0,
        ),
        ({"x-rate-limit-remaining": "0", "x-rate-limit-reset": "junk"}, None),
        ({}, None),
    ],
)
def test_x_exhausted_reset_table(headers: dict[str, str], expected: float | None) -> None:
    got = exhausted_reset(rate_windows(httpx.Headers(headers), NOW), NOW)
    assert got == (pytest.approx(expected) if expected is not None else None)


def test_x_429_waits_for_the_exhausted_window_else_the_latest_reset() -> None:
    exhausted = {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(NOW + 120))}
    assert TwitterPolicy().retry_after(
        httpx.Response(429, headers=exhausted), NOW
    ) == pytest.approx(121.0)
    # a bare 429 whose windows look open still waits for X's latest announced reset
    open_windows = {
        "x-rate-limit-remaining": "3",
        "x-rate-limit-reset": str(int(NOW + 60)),
        "x-user-limit-24hour-remaining": "9",
        "x-user-limit-24hour-reset": str(int(NOW + 900)),
    }
    assert TwitterPolicy().retry_after(
        httpx.Response(429, headers=open_windows), NOW
    ) == pytest.approx(901.0)
    assert TwitterPolicy().retry_after(httpx.Response(429), NOW) is None


def test_request_ids_come_from_the_platforms_own_header() -> None:
    def audited(policy: PlatformPolicy) -> Exchange:
        audit: list[Exchange] = []
        with HttpClient("p", "https://api.test", policy=policy, audit=audit.append,
                        settings=HttpSettings(max_retries=0)) as http:  # fmt: skip
            http.request("GET", "/me")
        return audit[0]

    with respx.mock:
        respx.get("https://api.test/me").respond(200, headers={"x-li-uuid": "li-77"})
        assert audited(LinkedInPolicy(version=lambda: "202610")).request_id == "li-77"
        assert audited(GenericPolicy()).request_id is None  # core knows no vendor's header
