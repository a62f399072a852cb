"""Every fault kind of the sandbox, observed from mktd's clients and from raw httpx."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from mktdirector.core import errors as E
from mktdirector.sandbox import Sandbox, SandboxError
from mktdirector.sandbox.env import TOKEN_ENV
from mktdirector.sandbox.faults import Faults, parse
from mktdirector.wiring import Deps

# One keep-alive client: a new httpx.Client costs ~30 ms (TLS context) per call.
# No kept-alive sockets: each test's sandbox is gone after it, and its socket would leak.
http = httpx.Client(timeout=10, limits=httpx.Limits(max_keepalive_connections=0))

X = {"Authorization": f"Bearer {TOKEN_ENV['TWITTER_ACCESS_TOKEN']}"}
SPEC = (
    "x.create:timeout-after-create@2,linkedin.create:500@1,hubspot.upsert:429@*,x.create:reset,"
    "x.me:401-once,sendgrid.send:delay=2.5"
)


@pytest.fixture
def client(make_deps: Callable[..., Deps]) -> Callable[..., Any]:
    """A platform client pointed at the sandbox, without retries (closed after the test)."""

    def make(platform: str, timeout: float = 5.0) -> Any:
        deps = make_deps(**{"http.timeout": timeout, "http.max_wait": 0, "http.max_retries": 0})
        return deps.integration(platform)

    return make


def outcomes(sb: Sandbox, route: str) -> dict[str, int]:
    return sb.state()["requests"][route]["outcomes"]


# grammar ------------------------------------------------------------------------------------------
def test_the_brief_spec_parses() -> None:
    rules = parse(SPEC)
    assert [(r.platform, r.route, r.action.kind) for r in rules] == [
        ("x", "create", "timeout-after-create"),
        ("linkedin", "create", "status"),
        ("hubspot", "upsert", "429"),
        ("x", "create", "reset"),
        ("x", "me", "401"),
        ("sendgrid", "send", "delay"),
    ]
    assert (rules[0].first, rules[0].last) == (2, 2)
    assert (rules[2].first, rules[2].last) == (1, None) and rules[4].last == 1
    assert rules[5].action.seconds == 2.5 and rules[1].action.status == 500


@pytest.mark.parametrize(
    "bad",
    [
        "x.create",
        "x.create:explode",
        "x.create:500@0",
        "x.create:500@3-2",
        "create:500",
        "x.create:delay=soon",
        "x.create:401-once@2",
        "x.create:429-after",
    ],
)
def test_bad_specs_are_refused(bad: str) -> None:
    with pytest.raises(SandboxError):
        parse(bad)


def test_when_counts_matching_requests_per_rule() -> None:
    f = Faults("x.create:500@2-3,x.*:delay=1@4+,twitter.me:503")
    plans = [f.plan("x.create") for _ in range(5)]
    assert [p.action.status if p.action else None for p in plans] == [None, 500, 500, None, None]
    assert [p.delay for p in plans] == [0, 0, 0, 1, 1]
    assert f.plan("x.me").action.status == 503 and f.plan("linkedin.me").action is None  # type: ignore[union-attr]


# network faults -----------------------------------------------------------------------------------
@pytest.mark.slow  # waits out real timeouts and delays over a socket
def test_timeout_after_create_creates_the_post(sb: Sandbox, client: Callable[..., Any]) -> None:
    sb.set_faults("x.create:timeout-after-create=3@2")
    x = client("twitter", timeout=0.5)
    x.create_post("first goes through")
    with pytest.raises(E.ApiConnectionError):
        x.create_post("second times out, but exists")
    texts = [p["text"] for p in sb.state()["posts"]["x"]]
    assert texts == ["first goes through", "second times out, but exists"]
    assert outcomes(sb, "x.create") == {"201": 1, "timeout-after-201": 1}


@pytest.mark.slow  # waits out real timeouts and delays over a socket
def test_timeout_before_creates_nothing(sb: Sandbox, client: Callable[..., Any]) -> None:
    sb.set_faults("x.create:timeout=2")
    with pytest.raises(E.ApiConnectionError):
        client("twitter", timeout=0.5).create_post("never arrives")
    assert sb.state()["posts"]["x"] == []


def test_reset_before_and_after(sb: Sandbox, client: Callable[..., Any]) -> None:
    sb.set_faults("x.create:reset@1,linkedin.create:reset-after@1")
    with pytest.raises(E.ApiConnectionError):
        client("twitter").create_post("reset before")
    client("twitter").create_post("reset before")  # the next one goes through
    with pytest.raises(E.ApiConnectionError):
        client("linkedin").create_post("reset after")
    state = sb.state()
    assert [p["text"] for p in state["posts"]["x"]] == ["reset before"]
    assert [p["text"] for p in state["posts"]["linkedin"]] == ["reset after"]
    assert outcomes(sb, "x.create") == {"reset": 1, "201": 1}
    assert outcomes(sb, "linkedin.create") == {"reset-after-201": 1}


def test_close_without_answer(sb: Sandbox) -> None:
    sb.set_faults("x.me:close")
    with pytest.raises(httpx.TransportError):
        http.get(f"{sb.url}/x/2/users/me", headers=X)


@pytest.mark.slow  # waits out real timeouts and delays over a socket
def test_delay(sb: Sandbox) -> None:
    sb.set_faults("x.me:delay=0.4")
    started = time.monotonic()
    assert http.get(f"{sb.url}/x/2/users/me", headers=X).status_code == 200
    assert time.monotonic() - started >= 0.4


@pytest.mark.slow  # waits out real timeouts and delays over a socket
def test_delay_after_creates_first_then_answers_late(sb: Sandbox) -> None:
    """The post exists while the client still waits: where a crash test kills the client."""
    sb.set_faults("x.create:delay-after=0.6,x.create:delay=0.1")
    assert parse("x.create:delay-after=0.6")[0].action.kind == "delay-after"
    started = time.monotonic()
    pool = ThreadPoolExecutor(1)
    answer = pool.submit(http.post, f"{sb.url}/x/2/tweets", headers=X, json={"text": "late"})
    deadline = time.monotonic() + 5
    while not sb.state()["posts"]["x"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [p["text"] for p in sb.state()["posts"]["x"]] == ["late"]
    assert not answer.done()  # created, not yet answered
    assert answer.result(timeout=5).status_code == 201
    assert time.monotonic() - started >= 0.7  # both delays add up
    pool.shutdown()


# status faults ------------------------------------------------------------------------------------
def test_5xx_before_and_after_the_work(sb: Sandbox, client: Callable[..., Any]) -> None:
    sb.set_faults("linkedin.create:500@1,x.create:503-after@1")
    with pytest.raises(E.ServerError):
        client("linkedin").create_post("first try fails")
    assert sb.state()["posts"]["linkedin"] == []
    client("linkedin").create_post("first try fails")
    with pytest.raises(E.ServerError):
        client("twitter").create_post("created, then a 503")
    assert [p["text"] for p in sb.state()["posts"]["x"]] == ["created, then a 503"]


def test_429_with_and_without_reset_headers(sb: Sandbox, client: Callable[..., Any]) -> None:
    sb.set_faults("hubspot.upsert:429=30@*,x.create:429-noreset@1,x.me:429=5@1")
    with pytest.raises(E.RateLimitError) as e:
        client("hubspot").batch_upsert_contacts([{"email": "a@example.org"}])
    assert e.value.retry_after == pytest.approx(30, abs=1)
    r = http.post(f"{sb.url}/x/2/tweets", headers=X, json={"text": "limited"})
    assert r.status_code == 429 and "x-rate-limit-reset" not in r.headers
    r = http.get(f"{sb.url}/x/2/users/me", headers=X)
    assert r.status_code == 429
    assert int(r.headers["x-rate-limit-reset"]) == pytest.approx(sb.emu.now() + 5, abs=2)
    assert outcomes(sb, "hubspot.upsert") == {"429": 1}


def test_401_once(sb: Sandbox) -> None:
    sb.set_faults("x.me:401-once")
    codes = [http.get(f"{sb.url}/x/2/users/me", headers=X).status_code for _ in range(3)]
    assert codes == [401, 200, 200]


def test_html_page_and_truncated_json(sb: Sandbox, client: Callable[..., Any]) -> None:
    sb.set_faults("x.me:html@1,x.me:truncate@2")
    r = http.get(f"{sb.url}/x/2/users/me", headers=X)
    assert r.status_code == 502 and r.headers["content-type"].startswith("text/html")
    with pytest.raises(E.ApiResponseError):
        client("twitter").me()


def test_faults_change_at_runtime(sb: Sandbox) -> None:
    url = f"{sb.url}/_sandbox/faults"
    assert http.post(url, json={"spec": "x.me:500"}).json()["faults"][0]["rule"] == "x.me:500"
    assert http.get(f"{sb.url}/x/2/users/me", headers=X).status_code == 500
    assert http.post(url, json={"spec": "x.me:bogus"}).status_code == 400  # old rules stay
    assert http.get(f"{sb.url}/x/2/users/me", headers=X).status_code == 500
    http.delete(url)
    assert http.get(f"{sb.url}/x/2/users/me", headers=X).status_code == 200
    assert sb.state()["faults"] == []
