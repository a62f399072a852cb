"""The retry policy as tables: classification, retry decisions, Retry-After parsing."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest

from mktdirector.core import errors as E
from mktdirector.core.policy import GenericPolicy
from mktdirector.core.retry import (
    backoff,
    body_excerpt,
    classify,
    never_reached_server,
    parse_retry_after,
    should_retry,
)

NOW = 1_800_000_000.0


def response(
    status: int,
    *,
    json: object = None,
    headers: dict[str, str] | None = None,
    text: str | None = None,
) -> httpx.Response:
    request = httpx.Request("GET", "https://api.test/v1/things")
    if text is not None:
        return httpx.Response(status, text=text, headers=headers, request=request)
    return httpx.Response(status, json=json, headers=headers, request=request)


@pytest.mark.parametrize(
    ("status", "cls", "exit_code"),
    [
        (400, E.BadRequestError, 6),
        (401, E.AuthenticationError, 4),
        (403, E.PermissionDeniedError, 4),
        (404, E.NotFoundError, 6),
        (409, E.ConflictError, 6),
        (410, E.BadRequestError, 6),
        (422, E.BadRequestError, 6),
        (429, E.RateLimitError, 5),
        (500, E.ServerError, 6),
        (502, E.ServerError, 6),
        (503, E.ServerError, 6),
        (504, E.ServerError, 6),
    ],
)
def test_classify_table(status: int, cls: type[E.ApiStatusError], exit_code: int) -> None:
    err = classify(
        response(status, json={"message": "nope"}), platform="x", method="GET", path="/v1/things"
    )
    assert type(err) is cls
    assert err.status_code == status
    assert int(err.exit_code) == exit_code
    assert f"HTTP {status}" in err.message and "nope" in err.message


@pytest.mark.parametrize("status", [200, 201, 204, 301, 304])
def test_classify_success_is_none(status: int) -> None:
    assert classify(response(status, json={}), platform="x") is None


def test_auth_errors_hint_names_the_platform_command() -> None:
    err = classify(response(401, json={}), platform="twitter")
    assert err is not None and err.hint == "mktd authorize twitter"
    err = classify(response(403, json={}), platform="linkedin")
    assert err is not None and "mktd authorize linkedin" in (err.hint or "")


def test_classify_keeps_request_id_and_code() -> None:
    r = response(
        400,
        json={"errors": [{"message": "bad field", "code": "E42"}]},
        headers={"x-request-id": "req-1"},
    )
    err = classify(r, platform="hubspot", method="POST", path="/crm/v3/objects")
    assert err is not None
    assert (err.request_id, err.code, err.method, err.path) == (
        "req-1",
        "E42",
        "POST",
        "/crm/v3/objects",
    )
    assert "bad field" in err.message


def test_classify_rate_limit_carries_retry_after() -> None:
    err = classify(response(429, json={}, headers={"Retry-After": "7"}), platform="x")
    assert isinstance(err, E.RateLimitError) and err.retry_after == 7.0
    err = classify(response(429, json={}), platform="x")
    assert isinstance(err, E.RateLimitError) and err.retry_after is None


def test_body_excerpt_html_and_redaction() -> None:
    msg, code = body_excerpt(
        response(
            502, text="<!DOCTYPE html><p>Bad gateway</p>", headers={"content-type": "text/html"}
        )
    )
    assert msg == "the server answered with an HTML page instead of JSON" and code is None
    msg, _ = body_excerpt(response(401, json={"message": "bad Bearer abcdefghijklmnop"}))
    assert "abcdefghijklmnop" not in msg and "****" in msg


# --- Retry-After -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "1500", "Retry-After": "30"}, 1.5),
        ({"retry-after-ms": "soon", "Retry-After": "30"}, 30.0),
        ({"Retry-After": "30"}, 30.0),
        ({"Retry-After": " 2.5 "}, 2.5),
        ({"Retry-After": "0"}, 0.0),
        ({"Retry-After": "-5"}, 0.0),
        ({"Retry-After": "86400000"}, 86_400_000.0),  # huge: returned, the caller decides
        ({"Retry-After": "garbage"}, None),
        ({"Retry-After": ""}, None),
        ({"Retry-After": "nan"}, None),
        ({"Retry-After": "inf"}, None),
        ({}, None),
    ],
)
def test_parse_retry_after_table(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers, now=NOW) == expected


def test_parse_retry_after_http_date() -> None:
    future = format_datetime(datetime.fromtimestamp(NOW + 90, UTC), usegmt=True)
    assert parse_retry_after({"Retry-After": future}, now=NOW) == pytest.approx(90.0)
    past = format_datetime(datetime.fromtimestamp(NOW - 90, UTC), usegmt=True)
    assert parse_retry_after({"Retry-After": past}, now=NOW) == 0.0
    assert parse_retry_after({"Retry-After": "Wed, 99 Foo 2026 25:00:00 GMT"}, now=NOW) is None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "12"}, 12.0),  # relative seconds
        ({"x-ratelimit-remaining": "3", "x-ratelimit-reset": "12"}, None),
        ({}, None),
    ],
)
def test_generic_reset_table(headers: dict[str, str], expected: float | None) -> None:
    # X's windows are read by its policy: tests/integrations/test_policies.py
    got = GenericPolicy().retry_after(httpx.Response(429, headers=headers), NOW)
    assert got == (pytest.approx(expected) if expected is not None else None)


# --- should_retry: status x method, with the idempotent override ---------------------------


def status_error(
    status: int, headers: dict[str, str] | None = None
) -> tuple[Exception, httpx.Headers]:
    r = response(status, json={}, headers=headers)
    err = classify(r, platform="p", now=NOW)
    assert err is not None
    return err, r.headers


RETRY_AFTER = {"Retry-After": "3"}

# (error factory, method, idempotent override, expected)
CASES = [
    # 5xx: retried when safe to repeat
    (lambda: status_error(500), "GET", None, True),
    (lambda: status_error(500), "PUT", None, True),
    (lambda: status_error(500), "DELETE", None, True),
    (lambda: status_error(500), "POST", None, False),
    (lambda: status_error(500), "PATCH", None, False),
    (lambda: status_error(500), "POST", True, True),  # caller says the POST is idempotent
    (lambda: status_error(500), "GET", False, False),  # caller says the GET is not
    (lambda: status_error(502), "GET", None, True),
    (lambda: status_error(503), "POST", None, False),
    (
        lambda: status_error(503, RETRY_AFTER),
        "POST",
        None,
        True,
    ),  # 503 + Retry-After: not processed
    (lambda: status_error(503, RETRY_AFTER), "GET", False, True),
    (lambda: status_error(500, RETRY_AFTER), "POST", None, False),  # only 503 counts
    # 429 never reached processing
    (lambda: status_error(429), "GET", None, True),
    (lambda: status_error(429), "POST", None, True),
    (lambda: status_error(429), "POST", False, True),
    # client errors are never retried
    (lambda: status_error(400), "GET", None, False),
    (lambda: status_error(401), "GET", None, False),
    (lambda: status_error(403), "GET", None, False),
    (lambda: status_error(404), "GET", None, False),
    (lambda: status_error(409), "PUT", None, False),
    (lambda: status_error(422), "POST", True, False),
    # network errors: a connect failure never left, anything else may have arrived
    (lambda: (E.ApiConnectionError("c", platform="p", sent=False), None), "POST", None, True),
    (lambda: (E.ApiConnectionError("c", platform="p", sent=False), None), "GET", None, True),
    (lambda: (E.ApiConnectionError("r", platform="p", sent=True), None), "GET", None, True),
    (lambda: (E.ApiConnectionError("r", platform="p", sent=True), None), "POST", None, False),
    (lambda: (E.ApiTimeoutError("t", platform="p", sent=True), None), "POST", None, False),
    (lambda: (E.ApiTimeoutError("t", platform="p", sent=True), None), "POST", True, True),
    (lambda: (E.ApiTimeoutError("t", platform="p", sent=False), None), "POST", None, True),
    # not ours / not retryable
    (lambda: (ValueError("bug"), None), "GET", None, False),
    (lambda: (E.ApiResponseError("html", platform="p"), None), "GET", None, False),
    (lambda: (E.ConfigError("cfg"), None), "GET", None, False),
]


@pytest.mark.parametrize(("make", "method", "idempotent", "expected"), CASES)
def test_should_retry_table(make, method: str, idempotent: bool | None, expected: bool) -> None:  # type: ignore[no-untyped-def]
    error, headers = make()
    assert (
        should_retry(error, method=method, idempotent=idempotent, response_headers=headers)
        is expected
    )


def test_never_reached_server() -> None:
    assert never_reached_server(E.ApiConnectionError("c", platform="p", sent=False))
    assert not never_reached_server(E.ApiConnectionError("c", platform="p", sent=True))
    err, headers = status_error(503, RETRY_AFTER)
    assert never_reached_server(err, headers)
    assert not never_reached_server(err, None)


def test_backoff_grows_with_jitter_and_caps() -> None:
    rng = random.Random(7)
    for attempt, base in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (9, 8.0)]:
        waits = [backoff(attempt, rng=rng) for _ in range(200)]
        assert all(base * 0.5 <= w <= base for w in waits)
        assert max(waits) - min(waits) > base * 0.3  # jittered, not constant
