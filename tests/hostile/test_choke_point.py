"""The HTTP choke point against a hostile server: every case ends by its deadline, classified.

Issue 12 item 1: httpx times out each read separately, so a server sending one byte every
0.2 s held mktd forever. These tests fail (hang until their own guard) without a total deadline.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from hostile_server import HostileServer

from mktdirector.core import errors as E
from mktdirector.core.clock import Clock
from mktdirector.core.http import Exchange, HttpClient, HttpSettings
from mktdirector.core.ratelimit import Limiter, MemoryBackend

DEADLINE = 1.0
SLACK = 1.5  # thread start-up, the server's own pace, a loaded CI machine

pytestmark = pytest.mark.slow


def guarded(fn: Callable[[], Any], limit: float) -> tuple[Any, BaseException | None, float]:
    """Run `fn` in a thread; a hang fails the test after `limit` seconds instead of hanging it."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - handed back to the test
            out["error"] = e

    started = time.monotonic()
    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(limit)
    assert not t.is_alive(), f"still running after {limit} s: no total deadline"
    return out.get("value"), out.get("error"), time.monotonic() - started


def client(url: str, audit: list[Exchange], **settings: Any) -> HttpClient:
    settings.setdefault("deadline", DEADLINE)
    settings.setdefault("max_retries", 0)
    return HttpClient(
        "hostile",
        url,
        limiter=Limiter(MemoryBackend()),
        audit=audit.append,
        clock=Clock(time.time, lambda s: None),  # backoff without waiting
        settings=HttpSettings(**settings),
    )


EXPECTED = {
    "slowloris": E.ApiTimeoutError,
    "slow-body": E.ApiTimeoutError,
    "idle": E.ApiTimeoutError,
    "huge-body": E.ApiResponseError,
    "huge-declared": E.ApiResponseError,
    "html-502": E.ServerError,
    "cut-body": E.ApiConnectionError,
    "redirect": E.ApiResponseError,
}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_every_hostile_answer_ends_by_the_deadline_classified(case: str) -> None:
    audit: list[Exchange] = []
    with HostileServer(case) as server, client(server.url, audit) as http:
        _, error, took = guarded(lambda: http.request("GET", "/2/users/me"), 20)
    assert isinstance(error, EXPECTED[case]), repr(error)
    assert took < DEADLINE + SLACK
    assert error.hint
    assert [a.error_kind for a in audit] == [error.kind]  # one audit row, with its kind


def test_a_deadline_error_says_what_happened_and_how_to_allow_more() -> None:
    audit: list[Exchange] = []
    with HostileServer("slowloris") as server, client(server.url, audit) as http:
        _, error, _ = guarded(lambda: http.request("GET", "/2/users/me"), 20)
    assert isinstance(error, E.ApiTimeoutError)
    assert "no complete answer within 1 s" in error.message
    assert error.hint is not None and "mktd config set hostile.deadline" in error.hint
    assert error.sent  # the request left: a create must be reconciled, not resent blindly


def test_a_deadline_is_retried_per_the_policy_then_given_up() -> None:
    audit: list[Exchange] = []
    with HostileServer("slowloris") as server, client(server.url, audit, max_retries=2) as http:
        _, error, took = guarded(lambda: http.request("GET", "/2/users/me"), 30)
        requests = server.requests
    assert isinstance(error, E.ApiTimeoutError)
    assert requests == 3  # the first try and two retries, each cut at the deadline
    assert [a.attempt for a in audit] == [1, 2, 3]
    assert 3 * DEADLINE <= took < 3 * DEADLINE + SLACK


def test_a_create_that_hit_the_deadline_is_not_resent() -> None:
    audit: list[Exchange] = []
    with HostileServer("slow-body") as server, client(server.url, audit, max_retries=3) as http:
        _, error, _ = guarded(lambda: http.request("POST", "/2/tweets", json={"text": "hi"}), 20)
        requests = server.requests
    assert isinstance(error, E.ApiTimeoutError) and error.sent
    assert requests == 1


def test_an_outer_deadline_bounds_all_retries_together() -> None:
    from mktdirector.core import deadline

    audit: list[Exchange] = []
    with HostileServer("idle") as server, client(server.url, audit, max_retries=5) as http:

        def call() -> Any:
            with deadline.within(1.5):
                return http.request("GET", "/2/users/me")

        _, error, took = guarded(call, 20)
    assert isinstance(error, E.ApiTimeoutError)
    assert took < 1.5 + SLACK
    assert len(audit) == 2  # 1 s, then the half second left; no retry after the outer deadline


def test_an_upload_gets_the_longer_upload_deadline() -> None:
    audit: list[Exchange] = []
    with (
        HostileServer("idle") as server,
        client(server.url, audit, deadline=0.5, upload_deadline=1.5) as http,
    ):
        _, error, took = guarded(
            lambda: http.request("PUT", "/upload", content=b"x" * 200_000, idempotent=True), 20
        )
    assert isinstance(error, E.ApiTimeoutError)
    assert 1.5 <= took < 1.5 + SLACK


def test_a_small_body_within_the_cap_is_read_whole() -> None:
    # The cap must not cut ordinary answers: the truncated-json case is a complete HTTP message.
    audit: list[Exchange] = []
    with HostileServer("truncated-json") as server, client(server.url, audit) as http:
        response, error, _ = guarded(lambda: http.request("GET", "/x"), 20)
    assert error is None
    assert response.content == b'{"data": {"id": "12'


def test_a_wait_for_the_rate_limit_does_not_eat_the_deadline() -> None:
    # The deadline bounds the exchange on the wire; a wait for a rate window comes before it.
    from mktdirector.core.ratelimit import per_second

    audit: list[Exchange] = []
    with HostileServer("truncated-json") as server:
        http = HttpClient(
            "hostile", server.url, limits=[per_second("s", 1)],
            limiter=Limiter(MemoryBackend(), clock=time.time, sleep=time.sleep),
            audit=audit.append, settings=HttpSettings(deadline=0.5, max_retries=0),
        )  # fmt: skip
        with http:
            first, error1, _ = guarded(lambda: http.request("GET", "/a"), 20)
            second, error2, took = guarded(lambda: http.request("GET", "/b"), 20)
    assert error1 is None and error2 is None, (error1, error2)
    assert took >= 0.5  # it did wait for the window
    assert second.status_code == 200
