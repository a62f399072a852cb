"""One clock through the wiring: the limiter, every HTTP client, the platform policies and the
publish queue of a command read the clock its Deps was given, so tests move time instead of
waiting for it."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
import respx

from mktdirector.agents.content import drafts
from mktdirector.agents.content.brand import Brand
from mktdirector.agents.social.publishing import publish_or_queue
from mktdirector.core import errors as E
from mktdirector.core.clock import Clock
from mktdirector.core.retry import classify
from mktdirector.integrations.hubspot.policy import HubSpotPolicy
from mktdirector.wiring import Deps

LI = "http://li.test"
T = 1_800_000_000.0  # 2027-01-15 08:00:00 UTC: far from the machine's clock on purpose
NEXT_MIDNIGHT = (T // 86400 + 1) * 86400


class MovedClock:
    def __init__(self, start: float) -> None:
        self.at = start
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.at

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.at += seconds


@pytest.fixture
def moved(home, monkeypatch) -> MovedClock:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MKTD_LINKEDIN_BASE_URL", LI)
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", "li-token-SECRET-abcdef123456")
    monkeypatch.setenv("HUBSPOT_API_KEY", "pat-na1-00000000-0000-0000-0000-000000000000")
    return MovedClock(T)


def test_deps_hands_its_clock_to_the_limiter_and_every_http_client(moved: MovedClock) -> None:
    clock = Clock(now=moved.now, sleep=moved.sleep)
    deps = Deps(clock=clock)
    try:
        assert deps.limiter.clock() == T
        deps.limiter.sleep(3)
        assert moved.sleeps == [3]
        assert deps.http(platform="generic", base_url="http://generic.test").clock is clock
        assert deps.integration("linkedin").http.clock is clock
    finally:
        deps.close()


def test_platform_reset_arithmetic_reads_the_deps_clock(moved: MovedClock) -> None:
    moved.at = NEXT_MIDNIGHT - 5400  # 22:30 UTC
    deps = Deps(clock=Clock(now=moved.now, sleep=moved.sleep))
    try:
        # HubSpot's daily reset (UTC until the account's zone is known), GA's quota arithmetic.
        assert deps.integration("hubspot").seconds_to_daily_reset() == 5400
        assert deps.integration("google-analytics").clock() == NEXT_MIDNIGHT - 5400
    finally:
        deps.close()


def test_hubspot_reads_a_retry_after_date_against_the_given_clock() -> None:
    reset = datetime.fromtimestamp(T + 30, UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    response = httpx.Response(
        429,
        json={"policyName": "TEN_SECONDLY_ROLLING"},
        headers={"Retry-After": reset},
        request=httpx.Request("POST", "https://api.hubapi.com/crm/v3/objects/contacts"),
    )
    error = classify(response, platform="hubspot", now=T)
    assert error is not None
    got = HubSpotPolicy(daily_reset=lambda: 0.0, now=lambda: T).classify(response, error)
    assert isinstance(got, E.RateLimitError)
    assert got.retry_after == 30


def test_a_rate_limited_linkedin_publish_is_queued_for_the_clocks_midnight(
    moved: MovedClock,
) -> None:
    deps = Deps(clock=Clock(now=moved.now, sleep=moved.sleep))
    try:
        v = drafts.create_draft(
            deps.store, Brand(), platform="linkedin", kind="post", body=["Hello."], utm=False
        )
        drafts.approve(deps.store, v.id)
        with respx.mock(assert_all_called=False) as router:
            router.get(f"{LI}/v2/userinfo").respond(200, json={"sub": "abc", "name": "Ada"})
            router.post(f"{LI}/rest/posts").respond(429, json={"message": "Too many requests"})
            with pytest.raises(E.RateLimitError) as raised:
                publish_or_queue(deps.store, deps.integration("linkedin"), v.id)
        due = datetime.fromtimestamp(NEXT_MIDNIGHT, UTC).isoformat().replace("+00:00", "Z")
        assert raised.value.hint.startswith(f"Queued for {due} (UTC)")
        assert raised.value.retry_after == NEXT_MIDNIGHT - T
        assert moved.sleeps == []  # 16 h away: queued, not waited for
    finally:
        deps.close()
