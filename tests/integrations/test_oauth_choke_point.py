"""OAuth token calls go through the choke point: limited and audited, never with a secret."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
import respx

from mktdirector.core import errors as E
from mktdirector.core.clock import Clock
from mktdirector.core.correlation import correlated
from mktdirector.core.http import Exchange, HttpClient
from mktdirector.core.ratelimit import Limiter, MemoryBackend
from mktdirector.integrations.oauth.app import OAuthApp, resolve_app
from mktdirector.integrations.oauth.flow import OAuthSession, TokenEndpointError

FIX = Path(__file__).parents[1] / "fixtures"
TOKEN_URL = "https://api.x.com/2/oauth2/token"
REFRESH_TOKEN = "old-refresh-token-0123456789"


@pytest.fixture
def x_app(monkeypatch: pytest.MonkeyPatch) -> OAuthApp:
    monkeypatch.setenv("TWITTER_CLIENT_ID", "cid")
    monkeypatch.setenv("TWITTER_CLIENT_SECRET", "csecret-0123456789")
    return resolve_app("twitter")


def test_refresh_is_audited_without_secrets_and_tied_to_the_work(clock, x_app) -> None:  # type: ignore[no-untyped-def]
    audit: list[Exchange] = []
    limiter = Limiter(MemoryBackend(), clock=clock.time, sleep=clock.sleep)
    factory = functools.partial(
        HttpClient, audit=audit.append, limiter=limiter, clock=Clock(clock.time, clock.sleep)
    )
    answer = json.loads((FIX / "twitter" / "token_200.json").read_text())
    with respx.mock:
        respx.post(TOKEN_URL).respond(200, json=answer)
        with correlated("D-42"), OAuthSession(x_app, http_factory=factory) as session:
            token = session.refresh(REFRESH_TOKEN)
        respx.post(TOKEN_URL).respond(400, json={"error": "invalid_grant"})
        with (
            OAuthSession(x_app, http_factory=factory) as session,
            pytest.raises(TokenEndpointError) as refused,
        ):
            session.refresh(REFRESH_TOKEN)
    assert refused.value.error == "invalid_grant"
    assert [(x.platform, x.method, x.path, x.status, x.error_kind, x.correlation_id)
            for x in audit] == [
        ("twitter", "POST", "/2/oauth2/token", 200, None, "D-42"),
        ("twitter", "POST", "/2/oauth2/token", 400, "oauth", None),
    ]  # fmt: skip
    row_text = repr(audit)
    for secret in (REFRESH_TOKEN, "csecret-0123456789", token["access_token"]):
        assert secret not in row_text


def test_a_held_token_endpoint_is_not_called(clock, x_app) -> None:  # type: ignore[no-untyped-def]
    limiter = Limiter(MemoryBackend(), clock=clock.time, sleep=clock.sleep)
    limiter.hold("twitter", None, "/2/oauth2/token", 600.0)
    factory = functools.partial(HttpClient, limiter=limiter, clock=Clock(clock.time, clock.sleep))
    with respx.mock:
        route = respx.post(TOKEN_URL).respond(200, json={})
        with (
            OAuthSession(x_app, http_factory=factory) as session,
            pytest.raises(E.RateLimitError) as held,
        ):
            session.refresh(REFRESH_TOKEN)
    assert route.call_count == 0 and held.value.retry_after == pytest.approx(600.0)
