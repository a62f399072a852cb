"""The sandbox's authorization server, driven by mktd's own OAuthSession (authlib underneath)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from mktdirector.integrations.oauth.app import resolve_app
from mktdirector.integrations.oauth.flow import OAuthSession, TokenEndpointError
from mktdirector.integrations.oauth.loopback import parse_callback
from mktdirector.sandbox import Sandbox

# One keep-alive client: a new httpx.Client costs ~30 ms (TLS context) per call.
# No kept-alive sockets: each test's sandbox is gone after it, and its socket would leak.
http = httpx.Client(timeout=10, limits=httpx.Limits(max_keepalive_connections=0))

REDIRECT = "http://127.0.0.1:8765/callback"


@pytest.fixture
def sb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    with Sandbox(port=0, state_dir=tmp_path / "sbx") as s:
        for k, v in s.env(tokens=False).items():
            monkeypatch.setenv(k, v)
        yield s


def consent(sb: Sandbox, url: str, decision: str = "allow") -> str:
    """What a person does in the browser: open the page, press a button; the redirect target."""
    page = http.get(url)
    assert page.status_code == 200 and 'id="allow"' in page.text
    ticket = re.search(r'name="ticket" value="([^"]+)"', page.text)
    action = re.search(r'action="([^"]+)"', page.text)
    assert ticket and action
    r = http.post(sb.url + action.group(1), data={"ticket": ticket.group(1), "decision": decision})
    assert r.status_code == 302
    return r.headers["location"]


def me(sb: Sandbox, token: str) -> int:
    return http.get(
        f"{sb.url}/x/2/users/me", headers={"Authorization": f"Bearer {token}"}
    ).status_code


def test_x_code_pkce_and_refresh_rotation(sb: Sandbox) -> None:
    with OAuthSession(resolve_app("twitter"), redirect_uri=REDIRECT) as session:
        req = session.authorization_request()
        assert "code_challenge_method=S256" in req.url
        result = parse_callback(consent(sb, req.url))
        assert result.state == req.state and result.code
        token = session.exchange_code(result.code, req.code_verifier)
        assert token["expires_in"] == 7200 and "offline.access" in token["scope"].split()
        assert me(sb, token["access_token"]) == 200
        with pytest.raises(TokenEndpointError):  # a code works once
            session.exchange_code(result.code, req.code_verifier)

        fresh = session.refresh(token["refresh_token"])
        assert fresh["refresh_token"] != token["refresh_token"]
        assert me(sb, fresh["access_token"]) == 200
        with pytest.raises(TokenEndpointError) as e:  # the rotated one is dead...
            session.refresh(token["refresh_token"])
        assert e.value.error == "invalid_request"
        # ...and presenting it revoked the whole family, the new pair included.
        assert me(sb, fresh["access_token"]) == 401
        with pytest.raises(TokenEndpointError):
            session.refresh(fresh["refresh_token"])
    tokens = sb.state()["tokens"]
    assert {t["kind"] for t in tokens} == {"access", "refresh"}
    assert all(t["revoked"] for t in tokens) and sum(t["rotated"] for t in tokens) == 1
    assert not any("sbx-" in str(t) for t in tokens), "the state holds hashes, not tokens"


def test_pkce_verifier_must_match(sb: Sandbox) -> None:
    with OAuthSession(resolve_app("twitter"), redirect_uri=REDIRECT) as session:
        req = session.authorization_request()
        code = parse_callback(consent(sb, req.url)).code
        assert code
        with pytest.raises(TokenEndpointError):
            session.exchange_code(code, "a-different-verifier-" + "x" * 40)


def test_deny_and_bad_requests(sb: Sandbox) -> None:
    with OAuthSession(resolve_app("twitter"), redirect_uri=REDIRECT) as session:
        req = session.authorization_request()
        denied = parse_callback(consent(sb, req.url, decision="deny"))
        assert denied.error == "access_denied" and denied.state == req.state
    base = f"{sb.url}/oauth/x/authorize"
    q = {
        "response_type": "code",
        "client_id": "sandbox-x-client",
        "redirect_uri": REDIRECT,
        "scope": "tweet.read",
        "state": "s",
        "code_challenge": "c" * 43,
        "code_challenge_method": "S256",
    }
    assert http.get(base, params=dict(q, redirect_uri="https://evil.example/cb")).status_code == 400
    assert http.get(base, params=dict(q, client_id="other")).status_code == 400
    r = http.get(base, params={k: v for k, v in q.items() if k != "code_challenge"})
    assert r.status_code == 302 and "error=invalid_request" in r.headers["location"]
    r = http.get(base, params=dict(q, scope="tweet.read dm.everything"))
    assert parse_qs(urlsplit(r.headers["location"]).query)["error"] == ["invalid_scope"]


def test_linkedin_secret_no_rotation_and_scopes(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    with OAuthSession(resolve_app("linkedin"), redirect_uri=REDIRECT) as session:
        req = session.authorization_request()
        token = session.exchange_code(parse_callback(consent(sb, req.url)).code or "")
        assert token["scope"] == "openid,profile,w_member_social"
        assert token["refresh_token_expires_in"] == 365 * 86400
        again = session.refresh(token["refresh_token"])
        assert again["refresh_token"] == token["refresh_token"]  # LinkedIn does not rotate
        assert again["access_token"] != token["access_token"]
    headers = {
        "Authorization": f"Bearer {again['access_token']}",
        "LinkedIn-Version": "202610",
        "X-Restli-Protocol-Version": "2.0.0",
    }
    assert http.get(f"{sb.url}/linkedin/v2/userinfo", headers=headers).json()["sub"] == "sAnDb0x1"
    r = http.get(
        f"{sb.url}/linkedin/rest/memberCreatorPostAnalytics",
        params={"q": "me", "queryType": "IMPRESSION"},
        headers=headers,
    )
    assert r.status_code == 403 and r.json()["code"] == "ACCESS_DENIED"  # no r_member_postAnalytics
    monkeypatch.setenv("LINKEDIN_CLIENT_SECRET", "wrong-secret")
    with OAuthSession(resolve_app("linkedin"), redirect_uri=REDIRECT) as session:
        req = session.authorization_request()
        with pytest.raises(TokenEndpointError) as e:
            session.exchange_code(parse_callback(consent(sb, req.url)).code or "")
        assert e.value.error == "invalid_client" and e.value.status_code == 401


def test_revoke_and_expiry(sb: Sandbox) -> None:
    with OAuthSession(resolve_app("twitter"), redirect_uri=REDIRECT) as session:
        req = session.authorization_request()
        token = session.exchange_code(
            parse_callback(consent(sb, req.url)).code or "", req.code_verifier
        )
        sb.advance(7201)  # X access tokens live two hours
        assert me(sb, token["access_token"]) == 401
        fresh = session.refresh(token["refresh_token"])
        assert me(sb, fresh["access_token"]) == 200
        session.revoke(fresh["refresh_token"], "refresh_token")
        assert me(sb, fresh["access_token"]) == 401
