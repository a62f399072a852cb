"""Salesforce's policy (Sforce-Limit-Info, error bodies) and its OAuth facts (login host,
instance_url kept with the token, refresh once on INVALID_SESSION_ID)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mktdirector.core import errors as E
from mktdirector.core.credentials import Connection, CredentialStore, KeyringBackend
from mktdirector.integrations.oauth.app import resolve_app
from mktdirector.integrations.oauth.flow import ReauthorizeError, connection_from_token
from mktdirector.integrations.salesforce.client import SalesforceClient
from mktdirector.integrations.salesforce.policy import (
    ROLLING_RECHECK_S,
    RowLockedError,
    SalesforcePolicy,
    api_usage,
)

from .conftest import BASE, ID_URL, TOKEN, V, fixture, reply


def classify(status: int, data: Any) -> E.ApiStatusError:
    from mktdirector.core.retry import classify as generic

    resp = httpx.Response(status, json=data, request=httpx.Request("GET", BASE + "/x"))
    err = generic(resp, platform="salesforce", method="GET", path="/x", now=0.0)
    assert err is not None
    return SalesforcePolicy().classify(resp, err) or err


# Sforce-Limit-Info -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "expected"),
    [("api-usage=10018/100000", (10018, 100000)),
     ("api-usage=18/15000; api-bursts=1/750", (18, 15000)),
     ("per-app-api-usage=1/2(appName=x)", None), ("", None), ("api-usage=x/y", None)],
)  # fmt: skip
def test_limit_info_header(header: str, expected: Any) -> None:
    assert api_usage(httpx.Headers({"Sforce-Limit-Info": header})) == expected


def test_limit_info_feeds_the_limiter_as_the_orgs_daily_counter() -> None:
    counters = SalesforcePolicy().rate_counters(
        httpx.Headers({"Sforce-Limit-Info": "api-usage=15000/15000"}), 100.0
    )
    assert counters == [("app-day", 15000, 0, 100.0 + ROLLING_RECHECK_S, None)]


# the error table -----------------------------------------------------------------------------
def test_request_limit_exceeded_is_a_rate_limit_not_a_permission_error() -> None:
    err = classify(403, fixture("error_limit.json"))
    assert isinstance(err, E.RateLimitError) and err.exit_code == 5
    assert err.retry_after == ROLLING_RECHECK_S and err.code == "REQUEST_LIMIT_EXCEEDED"


def test_too_many_concurrent_requests_waits_briefly() -> None:
    body = [{"message": "ConcurrentPerOrgLongTxn Limit exceeded.",
             "errorCode": "REQUEST_LIMIT_EXCEEDED"}]  # fmt: skip
    err = classify(403, body)
    assert isinstance(err, E.RateLimitError) and err.retry_after == 20.0


def test_invalid_session_is_an_authentication_error_with_the_command() -> None:
    err = classify(401, fixture("error_session.json"))
    assert isinstance(err, E.AuthenticationError) and err.exit_code == 4
    assert "mktd authorize salesforce" in (err.hint or "")


def test_unable_to_lock_row_is_retryable() -> None:
    err = classify(400, fixture("error_lock.json"))
    assert isinstance(err, RowLockedError) and err.retryable


def test_other_403_is_a_permission_error_naming_the_fix() -> None:
    err = classify(403, [{"message": "API is not enabled for this Organization or Partner",
                          "errorCode": "API_DISABLED_FOR_ORG"}])  # fmt: skip
    assert isinstance(err, E.PermissionDeniedError)
    assert "API_DISABLED_FOR_ORG" in err.message and "API Enabled" in (err.hint or "")


def test_a_whole_request_lock_on_an_update_is_retried_by_the_choke_point(
    sf: SalesforceClient, api: Any, clock: Any
) -> None:
    answers = iter([reply(400, "error_lock.json"), reply(204)])
    patch = api.patch(f"{V}/sobjects/Lead/00Q1").mock(side_effect=lambda req: next(answers))
    sf._request("PATCH", "/sobjects/Lead/00Q1", json={"Company": "C"}, idempotent=True)
    assert patch.call_count == 2 and len(clock.sleeps) == 1


# OAuth ---------------------------------------------------------------------------------------
def test_login_url_chooses_the_login_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALESFORCE_CLIENT_ID", "cid")
    monkeypatch.setenv("SALESFORCE_LOGIN_URL", "test.salesforce.com")
    app = resolve_app("salesforce")
    assert app.authorize_url == "https://test.salesforce.com/services/oauth2/authorize"
    assert app.token_url == "https://test.salesforce.com/services/oauth2/token"
    assert app.revoke_url == "https://test.salesforce.com/services/oauth2/revoke"
    assert app.pkce and app.scopes == ("api", "refresh_token")
    monkeypatch.setenv("SALESFORCE_LOGIN_URL", "https://acme.my.salesforce.com/")
    assert (
        resolve_app("salesforce").token_url
        == "https://acme.my.salesforce.com/services/oauth2/token"
    )
    monkeypatch.setenv("MKTD_SALESFORCE_TOKEN_URL", "http://127.0.0.1:9/oauth/salesforce/token")
    app = resolve_app("salesforce")
    assert app.token_url == "http://127.0.0.1:9/oauth/salesforce/token"
    assert app.revoke_url == "http://127.0.0.1:9/oauth/salesforce/revoke"


def test_other_platforms_ignore_the_login_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWITTER_CLIENT_ID", "x")
    monkeypatch.setenv("SALESFORCE_LOGIN_URL", "test.salesforce.com")
    assert resolve_app("twitter").token_url == "https://api.x.com/2/oauth2/token"


def test_the_token_answer_keeps_instance_url_and_identity_url() -> None:
    conn = connection_from_token("salesforce", fixture("token.json"), account="a")
    assert conn.extra["instance_url"] == "https://acme.my.salesforce.com"
    assert conn.extra["id"].endswith("/005RZ000000USERAAA")
    assert conn.expires_at is None  # Salesforce says no lifetime: refreshed on 401
    # A refresh answer without them keeps the stored ones.
    again = connection_from_token("salesforce", {"access_token": "new"}, account="a", base=conn)
    assert again.extra["instance_url"] == "https://acme.my.salesforce.com"
    assert again.refresh_token == conn.refresh_token
    linked = connection_from_token(
        "linkedin", {"access_token": "t", "instance_url": "u"}, account="a"
    )
    assert "instance_url" not in linked.extra


@pytest.fixture
def stored(monkeypatch: pytest.MonkeyPatch) -> CredentialStore:
    monkeypatch.setenv("SALESFORCE_CLIENT_ID", "cid")
    monkeypatch.setenv("SALESFORCE_CLIENT_SECRET", "csecret-000000000001")
    creds = CredentialStore(backend=KeyringBackend)
    creds.save(Connection("salesforce", account="ada@acme.com", access_token=TOKEN,
                          refresh_token="rt-000000000000000001",
                          extra={"instance_url": BASE, "id": ID_URL, "client_id": "cid"}))  # fmt: skip
    return creds


def make_stored(
    make_sf: Callable[..., SalesforceClient], creds: CredentialStore
) -> SalesforceClient:
    client = make_sf()
    client.credentials = creds
    client.connection = creds.get("salesforce", "ada@acme.com", env=False)
    return client


def test_invalid_session_refreshes_once_and_resends(
    make_sf: Callable[..., SalesforceClient], stored: CredentialStore, api: Any
) -> None:
    client = make_stored(make_sf, stored)
    token = api.post("https://login.salesforce.com/services/oauth2/token").mock(
        return_value=httpx.Response(200, json={"access_token": "fresh-token-0000000001",
                                               "instance_url": BASE, "token_type": "Bearer"})
    )  # fmt: skip
    answers = iter([reply(401, "error_session.json"), reply(200, "limits.json")])
    limits = api.get(f"{V}/limits").mock(side_effect=lambda req: next(answers))
    assert client.limits()["DailyApiRequests"]["Remaining"] == 14998
    assert token.call_count == 1 and limits.call_count == 2
    assert limits.calls[1].request.headers["Authorization"] == "Bearer fresh-token-0000000001"
    saved = stored.get("salesforce", "ada@acme.com", env=False)
    assert saved is not None and saved.access_token == "fresh-token-0000000001"
    assert saved.refresh_token == "rt-000000000000000001"  # not rotated: kept


def test_a_refused_refresh_token_means_authorize_again(
    make_sf: Callable[..., SalesforceClient], stored: CredentialStore, api: Any
) -> None:
    client = make_stored(make_sf, stored)
    api.post("https://login.salesforce.com/services/oauth2/token").mock(
        return_value=httpx.Response(400, json=fixture("token_error.json"))
    )
    api.get(f"{V}/limits").mock(return_value=reply(401, "error_session.json"))
    with pytest.raises(ReauthorizeError) as info:
        client.limits()
    assert info.value.hint == "mktd authorize salesforce" and info.value.exit_code == 4


def test_an_org_that_rotates_refresh_tokens_gets_the_new_one_stored(
    make_sf: Callable[..., SalesforceClient], stored: CredentialStore, api: Any
) -> None:
    client = make_stored(make_sf, stored)
    api.post("https://login.salesforce.com/services/oauth2/token").mock(
        return_value=httpx.Response(200, json={"access_token": "fresh-token-0000000002",
                                               "refresh_token": "rt-rotated-00000000002",
                                               "instance_url": BASE, "token_type": "Bearer"})
    )  # fmt: skip
    answers = iter([reply(401, "error_session.json"), reply(200, "limits.json")])
    api.get(f"{V}/limits").mock(side_effect=lambda req: next(answers))
    client.limits()
    saved = stored.get("salesforce", "ada@acme.com", env=False)
    assert saved is not None and saved.refresh_token == "rt-rotated-00000000002"
    assert saved.extra["instance_url"] == BASE and saved.extra["id"] == ID_URL
