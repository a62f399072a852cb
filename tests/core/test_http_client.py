"""The HTTP choke point against respx: retries, refresh, rate limits, audit rows."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
import respx

from mktdirector.core import errors as E
from mktdirector.core.clock import Clock
from mktdirector.core.http import Exchange, HttpClient, HttpSettings, describe_request
from mktdirector.core.http_auth import BearerAuth
from mktdirector.core.policy import GenericPolicy
from mktdirector.core.ratelimit import Limiter, MemoryBackend, per_second
from mktdirector.integrations.twitter.policy import TwitterPolicy

BASE = "https://api.sandbox.test"


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def audit() -> list[Exchange]:
    return []


@pytest.fixture
def make_client(clock, audit: list[Exchange]) -> Iterator[Callable[..., HttpClient]]:  # type: ignore[no-untyped-def]
    clients: list[HttpClient] = []

    def make(**kw: Any) -> HttpClient:
        kw.setdefault("limiter", Limiter(MemoryBackend(), clock=clock.time, sleep=clock.sleep))
        kw.setdefault("audit", audit.append)
        client = HttpClient(
            "sandbox", BASE, account="acct", clock=Clock(clock.time, clock.sleep), **kw
        )
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.close()


def statuses(audit: list[Exchange]) -> list[tuple[int | None, int, str | None]]:
    return [(x.status, x.attempt, x.error_kind) for x in audit]


def test_429_then_200_waits_for_retry_after(api, make_client, clock, audit) -> None:  # type: ignore[no-untyped-def]
    route = api.get("/items").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "2"}),
            httpx.Response(200, json=[]),
        ]
    )
    r = make_client().request("GET", "/items")
    assert r.status_code == 200
    assert route.call_count == 2
    assert clock.sleeps == [pytest.approx(2.001)]
    assert statuses(audit) == [(429, 1, "rate_limit"), (200, 2, None)]


def test_429_on_post_is_retried_it_never_reached_processing(api, make_client, clock) -> None:  # type: ignore[no-untyped-def]
    route = api.post("/posts").mock(
        side_effect=[
            httpx.Response(429, headers={"retry-after-ms": "250"}),
            httpx.Response(201, json={"id": "1"}),
        ]
    )
    assert make_client().request("POST", "/posts", json={"text": "hi"}).status_code == 201
    assert route.call_count == 2
    assert clock.sleeps == [pytest.approx(0.251)]


def test_500_on_get_is_retried_three_times_then_server_error(
    api, make_client, clock, audit
) -> None:  # type: ignore[no-untyped-def]
    route = api.get("/items").mock(return_value=httpx.Response(500, json={"message": "boom"}))
    with pytest.raises(E.ServerError) as info:
        make_client().request("GET", "/items")
    assert route.call_count == 4
    assert info.value.status_code == 500 and "boom" in info.value.message
    assert [x.attempt for x in audit] == [1, 2, 3, 4]
    # exponential backoff with jitter: [0.25, 0.5], [0.5, 1], [1, 2]
    assert len(clock.sleeps) == 3
    for wait, top in zip(clock.sleeps, (0.5, 1.0, 2.0), strict=True):
        assert top / 2 <= wait <= top


def test_max_retries_is_configurable(api, make_client) -> None:  # type: ignore[no-untyped-def]
    route = api.get("/items").mock(return_value=httpx.Response(502))
    with pytest.raises(E.ServerError):
        make_client(settings=HttpSettings(max_retries=1)).request("GET", "/items")
    assert route.call_count == 2


def test_500_on_post_is_not_retried(api, make_client, clock) -> None:  # type: ignore[no-untyped-def]
    route = api.post("/posts").mock(return_value=httpx.Response(500))
    with pytest.raises(E.ServerError):
        make_client().request("POST", "/posts", json={})
    assert route.call_count == 1
    assert clock.sleeps == []


def test_500_on_post_marked_idempotent_is_retried(api, make_client) -> None:  # type: ignore[no-untyped-def]
    route = api.post("/search").mock(side_effect=[httpx.Response(500), httpx.Response(200)])
    assert make_client().request("POST", "/search", idempotent=True).status_code == 200
    assert route.call_count == 2


def test_connect_error_on_post_is_retried(api, make_client, audit) -> None:  # type: ignore[no-untyped-def]
    route = api.post("/posts").mock(
        side_effect=[httpx.ConnectError("connection refused"), httpx.Response(201, json={})]
    )
    assert make_client().request("POST", "/posts", json={}).status_code == 201
    assert route.call_count == 2
    assert statuses(audit) == [(None, 1, "network"), (201, 2, None)]


def test_read_timeout_on_post_is_not_retried(api, make_client, audit) -> None:  # type: ignore[no-untyped-def]
    route = api.post("/posts").mock(side_effect=httpx.ReadTimeout("timed out"))
    with pytest.raises(E.ApiTimeoutError) as info:
        make_client().request("POST", "/posts", json={})
    assert route.call_count == 1
    assert info.value.sent is True
    assert "may have reached" in (info.value.hint or "")
    assert statuses(audit) == [(None, 1, "timeout")]


def test_read_timeout_on_get_is_retried(api, make_client) -> None:  # type: ignore[no-untyped-def]
    route = api.get("/items").mock(side_effect=[httpx.ReadTimeout("slow"), httpx.Response(200)])
    assert make_client().request("GET", "/items").status_code == 200
    assert route.call_count == 2


def test_503_with_retry_after_on_post_is_retried(api, make_client, clock) -> None:  # type: ignore[no-untyped-def]
    route = api.post("/posts").mock(
        side_effect=[httpx.Response(503, headers={"Retry-After": "1"}), httpx.Response(201)]
    )
    assert make_client().request("POST", "/posts").status_code == 201
    assert route.call_count == 2
    assert clock.sleeps == [pytest.approx(1.001)]


def test_503_without_retry_after_on_post_is_not_retried(api, make_client) -> None:  # type: ignore[no-untyped-def]
    route = api.post("/posts").mock(return_value=httpx.Response(503))
    with pytest.raises(E.ServerError):
        make_client().request("POST", "/posts")
    assert route.call_count == 1


def test_401_refreshes_once_then_retries_with_the_new_token(api, make_client, audit) -> None:  # type: ignore[no-untyped-def]
    token = {"value": "old-token-1234"}
    refreshed: list[int] = []

    def refresh() -> bool:
        refreshed.append(1)
        token["value"] = "new-token-5678"
        return True

    route = api.get("/me").mock(side_effect=[httpx.Response(401), httpx.Response(200, json={})])
    assert (
        make_client(auth=BearerAuth(lambda: token["value"], refresh=refresh))
        .request("GET", "/me")
        .status_code
        == 200
    )
    assert refreshed == [1]
    assert route.call_count == 2
    sent = [c.request.headers["Authorization"] for c in route.calls]
    assert sent == ["Bearer old-token-1234", "Bearer new-token-5678"]
    assert statuses(audit) == [(401, 1, "auth"), (200, 2, None)]


def test_second_401_raises_authentication_error_naming_authorize(api, make_client, clock) -> None:  # type: ignore[no-untyped-def]
    calls: list[int] = []
    route = api.get("/me").mock(return_value=httpx.Response(401, json={"message": "expired"}))
    with pytest.raises(E.AuthenticationError) as info:
        make_client(auth=BearerAuth(lambda: None, refresh=lambda: calls.append(1) or True)).request(
            "GET", "/me"
        )
    assert calls == [1]
    assert route.call_count == 2
    assert info.value.hint == "mktd authorize sandbox"
    assert int(info.value.exit_code) == 4
    assert sum(clock.sleeps) == 0  # no backoff before the refreshed retry


@pytest.mark.parametrize("refresh", [None, lambda: False])
def test_401_without_a_usable_refresh_is_not_retried(api, make_client, refresh) -> None:  # type: ignore[no-untyped-def]
    route = api.get("/me").mock(return_value=httpx.Response(401))
    with pytest.raises(E.AuthenticationError):
        make_client(auth=BearerAuth(lambda: None, refresh=refresh)).request("GET", "/me")
    assert route.call_count == 1


def test_audit_rows_per_attempt_keep_template_and_drop_query(api, make_client, store) -> None:  # type: ignore[no-untyped-def]
    route = api.get(url__regex=r"/items/.*").mock(
        side_effect=[httpx.Response(500), httpx.Response(200, headers={"x-request-id": "rq-9"})]
    )
    client = make_client(audit=store.record_exchange)
    client.request(
        "GET", "/items/{id}", path_params={"id": "a/b c"}, params={"api_key": "k-123456"}
    )
    assert route.call_count == 2
    assert route.calls[0].request.url.raw_path == b"/items/a%2Fb%20c?api_key=k-123456"
    api.get("/search").mock(return_value=httpx.Response(200))
    client.request("GET", "/search?q=private-words")
    rows = store.calls(limit=10)
    assert [
        (
            r["platform"],
            r["account"],
            r["method"],
            r["path"],
            r["status"],
            r["attempt"],
            r["error_kind"],
            r["request_id"],
        )
        for r in rows
    ] == [
        ("sandbox", "acct", "GET", "/items/{id}", 500, 1, "server", None),
        ("sandbox", "acct", "GET", "/items/{id}", 200, 2, None, "rq-9"),
        ("sandbox", "acct", "GET", "/search", 200, 1, None, None),
    ]
    assert all(isinstance(r["duration_ms"], int) and r["duration_ms"] >= 0 for r in rows)
    assert all(r["time_utc"].endswith("Z") for r in rows)


def test_check_response_hook_turns_a_200_body_into_an_error(api, make_client, audit) -> None:  # type: ignore[no-untyped-def]
    class Checking(GenericPolicy):
        def check_response(self, response: httpx.Response) -> None:
            if response.json().get("status") == "error":
                raise E.ApiResponseError("sandbox said error in a 200", platform="sandbox")

    route = api.post("/batch").mock(return_value=httpx.Response(200, json={"status": "error"}))
    with pytest.raises(E.ApiResponseError):
        make_client(policy=Checking()).request("POST", "/batch", json=[])
    assert route.call_count == 1
    assert statuses(audit) == [(200, 1, "bad_response")]


class _Resets(GenericPolicy):
    """A platform whose rules (not its headers) say when a 429 resets."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def retry_after(self, response: httpx.Response, now: float) -> float | None:
        return self.seconds


def test_vendor_retry_after_hook_is_used_for_a_bare_429(api, make_client, clock) -> None:  # type: ignore[no-untyped-def]
    route = api.get("/items").mock(side_effect=[httpx.Response(429), httpx.Response(200)])
    client = make_client(policy=_Resets(4.0))
    assert client.request("GET", "/items").status_code == 200
    assert route.call_count == 2
    assert clock.sleeps == [pytest.approx(4.001)]


def test_bare_429_without_any_reset_is_raised_for_the_caller_to_queue(api, make_client) -> None:  # type: ignore[no-untyped-def]
    route = api.get("/items").mock(return_value=httpx.Response(429))
    with pytest.raises(E.RateLimitError) as info:
        make_client().request("GET", "/items")
    assert route.call_count == 1
    # The choke point cannot know whether its caller queues the work: it promises no worker.
    assert info.value.retry_after is None and "run the same command again" in (
        info.value.hint or ""
    )


def test_huge_retry_after_raises_instead_of_sleeping(api, make_client, clock) -> None:  # type: ignore[no-untyped-def]
    route = api.get("/items").mock(
        return_value=httpx.Response(429, headers={"Retry-After": "7200"})
    )
    client = make_client(settings=HttpSettings(max_wait=60))
    with pytest.raises(E.RateLimitError) as info:
        client.request("GET", "/items")
    assert route.call_count == 1
    assert info.value.retry_after == 7200.0
    assert "resets in 2.0 h" in info.value.message
    assert int(info.value.exit_code) == 5
    assert clock.sleeps == []
    # the server's answer now blocks every call until the reset, without sending anything
    with pytest.raises(E.RateLimitError) as again:
        client.request("GET", "/items")
    assert route.call_count == 1
    assert again.value.retry_after == pytest.approx(7200.0, abs=0.01)


def test_a_reset_known_only_from_the_platform_rules_holds_too(api, make_client, clock) -> None:  # type: ignore[no-untyped-def]
    # LinkedIn and GA4 send no reset header: the client's hook knows (00:00 UTC, the quota's
    # words). That wait must hold for the next process as a header's would, not cost a call.
    route = api.post("/posts").mock(return_value=httpx.Response(429, json={"message": "day"}))
    client = make_client(settings=HttpSettings(max_wait=60), policy=_Resets(5000.0))
    with pytest.raises(E.RateLimitError) as first:
        client.request("POST", "/posts", json={})
    assert first.value.retry_after == 5000.0 and route.call_count == 1
    with pytest.raises(E.RateLimitError) as again:
        client.request("POST", "/posts", json={})
    assert route.call_count == 1  # refused here, before sending
    assert again.value.retry_after == pytest.approx(5000.0, abs=0.01)
    # ...for that endpoint only: another one is still called.
    other = api.get("/me").mock(return_value=httpx.Response(200, json={}))
    assert client.request("GET", "/me").status_code == 200 and other.call_count == 1


def test_retry_after_http_date_within_budget_is_waited(api, make_client, clock) -> None:  # type: ignore[no-untyped-def]
    clock.now = time.time()  # HTTP-dates are read against the real clock
    when = format_datetime(datetime.fromtimestamp(int(clock.now) + 31, UTC), usegmt=True)
    route = api.get("/items").mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": when}), httpx.Response(200)]
    )
    assert (
        make_client(settings=HttpSettings(max_wait=60)).request("GET", "/items").status_code == 200
    )
    assert route.call_count == 2
    assert clock.sleeps[0] == pytest.approx(30.5, abs=1.0)


def test_budget_argument_overrides_max_wait(api, make_client, clock) -> None:  # type: ignore[no-untyped-def]
    api.get("/items").mock(return_value=httpx.Response(429, headers={"Retry-After": "30"}))
    with pytest.raises(E.RateLimitError):
        make_client(settings=HttpSettings(max_wait=60)).request("GET", "/items", budget=5)
    assert clock.sleeps == []


def test_vendor_headers_block_the_next_call(api, make_client, clock) -> None:  # type: ignore[no-untyped-def]
    reset = int(clock.now) + 30
    route = api.get("/2/tweets").mock(
        return_value=httpx.Response(
            200,
            headers={
                "x-rate-limit-limit": "10",
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(reset),
            },
        )
    )
    client = make_client(policy=TwitterPolicy())
    client.request("GET", "/2/tweets")
    # beyond the budget: raised before sending
    with pytest.raises(E.RateLimitError) as info:
        client.request("GET", "/2/tweets", budget=10)
    assert route.call_count == 1
    assert info.value.retry_after == pytest.approx(31.0)  # truncated reset second + 1
    assert clock.sleeps == []
    # within the budget: waits for the reset, then sends
    client.request("GET", "/2/tweets", budget=60)
    assert route.call_count == 2
    assert clock.sleeps == [pytest.approx(31.001)]


def test_audit_records_remaining_quota(api, make_client, audit, clock) -> None:  # type: ignore[no-untyped-def]
    reset = int(clock.now) + 900
    api.get("/2/users/me").mock(
        return_value=httpx.Response(
            200, headers={"x-rate-limit-remaining": "74", "x-rate-limit-reset": str(reset)}
        )
    )
    make_client(policy=TwitterPolicy()).request("GET", "/2/users/me")
    assert (audit[0].rate_remaining, audit[0].rate_reset_at) == (74, float(reset) + 1)


def test_declared_limits_throttle_the_client(api, make_client, clock) -> None:  # type: ignore[no-untyped-def]
    route = api.get("/items").mock(return_value=httpx.Response(200))
    client = make_client(limits=[per_second("s", 2)])
    for _ in range(4):
        client.request("GET", "/items")
    assert route.call_count == 4
    assert clock.sleeps == [pytest.approx(0.501), pytest.approx(0.499, abs=0.01)]


def test_wire_log_is_redacted_and_has_no_query(api, make_client, caplog) -> None:  # type: ignore[no-untyped-def]
    api.get("/items").mock(return_value=httpx.Response(200))
    client = make_client(
        settings=HttpSettings(debug=True), headers={"Authorization": "Bearer supersecret-abcdef"}
    )
    with caplog.at_level(logging.DEBUG, logger="mktd.wire"):
        client.request("GET", "/items", params={"access_token": "querysecret-123456"})
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == "mktd.wire")
    assert "> GET https://api.sandbox.test/items" in text
    assert "< 200 GET https://api.sandbox.test/items" in text
    assert "supersecret" not in text and "querysecret" not in text


def test_describe_request_masks_auth_for_dry_run(make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(headers={"Authorization": "Bearer abcdefghijklmnop"})
    request = client.build_request("POST", "/posts/{id}", path_params={"id": 7}, json={"a": 1})
    d = describe_request(client.auth_headers(request))
    assert d["method"] == "POST" and d["url"] == f"{BASE}/posts/7"
    assert d["headers"]["authorization"] == "****"
    assert d["body"] == {"a": 1}
    assert d["headers"]["user-agent"].startswith("mktd/")


def test_query_strings_and_hosts_never_leave_the_request(no_sleep) -> None:  # type: ignore[no-untyped-def]
    """A signed upload URL or a query with keys is sent as is, but rate-limit keys, errors and
    audit rows see only the path template."""
    import respx as _respx

    from mktdirector.core.errors import ServerError
    from mktdirector.core.http import HttpClient, template_of

    assert template_of("https://up.test/dms-uploads/abc?m=SIG&ut=SECRETSIG") == "/dms-uploads/abc"
    assert template_of("/rest/x?q=entity&entity=(share:1)") == "/rest/x"
    seen: list[Exchange] = []
    client = HttpClient("linkedin", "https://api.test", audit=seen.append,
                        clock=Clock(sleep=no_sleep.sleep), settings=HttpSettings(max_retries=0))  # fmt: skip
    with _respx.mock() as router:
        route = router.put("https://up.test/dms-uploads/abc").mock(
            return_value=httpx.Response(500, text="boom")
        )
        with pytest.raises(ServerError) as info:
            client.request("PUT", "https://up.test/dms-uploads/abc?m=SIG&ut=SECRETSIG")
    assert route.calls[0].request.url.params["ut"] == "SECRETSIG"  # sent exactly as given
    assert "SECRETSIG" not in str(info.value) and info.value.path == "/dms-uploads/abc"
    assert [e.path for e in seen] == ["/dms-uploads/abc"]
    assert "SECRETSIG" not in json.dumps(client.limiter.backend.rows)  # type: ignore[attr-defined]


def test_the_refresh_call_is_audited_between_the_401_and_the_resend(
    api, make_client, audit
) -> None:  # type: ignore[no-untyped-def]
    # Alert rules and `mktd logs` read rows in order: the 401 came first, then the token call.
    def refresh() -> bool:
        audit.append(Exchange("sandbox", "acct", "POST", "/oauth/token", 200, 1, 1))
        return True

    api.get("/me").mock(side_effect=[httpx.Response(401), httpx.Response(200, json={})])
    make_client(auth=BearerAuth(lambda: "t", refresh=refresh)).request("GET", "/me")
    assert [(x.path, x.status, x.attempt) for x in audit] == [
        ("/me", 401, 1),
        ("/oauth/token", 200, 1),
        ("/me", 200, 2),
    ]


def test_a_failed_refresh_is_raised_after_the_401_is_audited(api, make_client, audit) -> None:  # type: ignore[no-untyped-def]
    def refresh() -> bool:
        raise E.AuthenticationError("token endpoint refused", platform="sandbox", status_code=400)

    route = api.get("/me").mock(return_value=httpx.Response(401))
    with pytest.raises(E.AuthenticationError) as info:
        make_client(auth=BearerAuth(lambda: "t", refresh=refresh)).request("GET", "/me")
    assert info.value.message == "token endpoint refused" and route.call_count == 1
    assert statuses(audit) == [(401, 1, "auth")]


def test_one_refresh_per_request_even_across_retries(api, make_client, audit) -> None:  # type: ignore[no-untyped-def]
    refreshed: list[int] = []
    route = api.get("/me").mock(
        side_effect=[httpx.Response(401), httpx.Response(503), httpx.Response(401)]
    )
    auth = BearerAuth(lambda: "t", refresh=lambda: refreshed.append(1) or True)
    with pytest.raises(E.AuthenticationError):
        make_client(auth=auth).request("GET", "/me")
    assert refreshed == [1] and route.call_count == 3
    assert statuses(audit) == [(401, 1, "auth"), (503, 2, "server"), (401, 3, "auth")]
