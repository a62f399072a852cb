"""OAuth: app settings, the authorize round trip on a real loopback, token life, logout."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from mktdirector.agents.auth.authorize import OAuthFlow, auth_status, authorize, logout
from mktdirector.core import errors as E
from mktdirector.core.clock import Clock
from mktdirector.core.credentials import Connection
from mktdirector.core.http import HttpClient
from mktdirector.integrations.oauth.app import resolve_app
from mktdirector.integrations.oauth.flow import (
    OAuthError,
    OAuthSession,
    ReauthorizeError,
    RefreshNetworkError,
    TokenEndpointError,
    connection_from_token,
)
from mktdirector.integrations.oauth.loopback import (
    LoopbackServer,
    check_state,
    host_allowed,
    is_loopback,
    parse_callback,
)
from mktdirector.integrations.oauth.tokens import file_lock
from mktdirector.integrations.twitter.client import TwitterClient
from mktdirector.wiring import Deps

FIX = Path(__file__).parents[1] / "fixtures"
_spec = importlib.util.spec_from_file_location(
    "fake_x_server", FIX / "twitter" / "fake_x_server.py"
)
assert _spec and _spec.loader
fake_x_server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fake_x_server)
FakeX = fake_x_server.FakeX
s256 = fake_x_server.s256
TOKEN_URL = "https://api.x.com/2/oauth2/token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Any:
    with FakeX() as server:
        for k, v in server.env().items():
            monkeypatch.setenv(k, v)
        yield server


@pytest.fixture
def deps() -> Any:
    d = Deps()
    yield d
    d.close()


def browser_that_approves(calls: list[httpx.Response]) -> Any:
    """Plays the user's browser: visit the authorize URL, follow the redirect to the loopback."""

    def open_url(url: str) -> bool:
        calls.append(httpx.get(url, follow_redirects=True, timeout=5))
        return True

    return open_url


def run_authorize(deps: Any, browser: Any, **kw: Any) -> Any:
    shown: list[tuple[str, str | None]] = []
    flow = OAuthFlow(lambda url, r: shown.append((url, r)), lambda: "", port=free_port(),
                     browser=browser, timeout=10, **kw)  # fmt: skip
    return authorize("twitter", credentials=deps.credentials, config=deps.config.get,
                     http_factory=deps.http, flow=flow,
                     events=deps.store.record_auth_event)  # fmt: skip


# app settings ------------------------------------------------------------------------------
def test_client_id_is_required_with_a_hint() -> None:
    with pytest.raises(E.ConfigError) as exc:
        resolve_app("twitter")
    assert "TWITTER_CLIENT_ID" in exc.value.message
    assert "docs/integrations/twitter.md" in (exc.value.hint or "")


def test_linkedin_needs_the_secret_unless_pkce(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINKEDIN_CLIENT_ID", "li-id")
    with pytest.raises(E.ConfigError, match="LINKEDIN_CLIENT_SECRET"):
        resolve_app("linkedin")
    app = resolve_app("linkedin", {"linkedin.pkce": True}.get)
    assert app.pkce and app.client_secret is None
    monkeypatch.setenv("LINKEDIN_CLIENT_SECRET", "li-secret-123")
    app = resolve_app("linkedin", {"linkedin.post_analytics": True}.get)
    assert not app.pkce
    assert app.scopes == ("openid", "profile", "w_member_social", "r_member_postAnalytics")
    assert app.authorize_url == "https://www.linkedin.com/oauth/v2/authorization"
    assert app.token_url == "https://www.linkedin.com/oauth/v2/accessToken"
    assert app.revoke_url is None


def test_urls_are_overridable_and_revoke_follows_the_token_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TWITTER_CLIENT_ID", "cid")
    app = resolve_app("twitter")
    assert (app.authorize_url, app.token_url, app.revoke_url) == (
        "https://x.com/i/oauth2/authorize",
        TOKEN_URL,
        "https://api.x.com/2/oauth2/revoke",
    )
    assert app.pkce and app.scopes == (
        "tweet.read",
        "tweet.write",
        "users.read",
        "offline.access",
        "media.write",
    )
    monkeypatch.setenv("MKTD_TWITTER_AUTH_URL", "http://127.0.0.1:1/auth")
    monkeypatch.setenv("MKTD_TWITTER_TOKEN_URL", "http://127.0.0.1:1/2/oauth2/token/")
    app = resolve_app("twitter")
    assert app.authorize_url == "http://127.0.0.1:1/auth"
    assert app.token_url == "http://127.0.0.1:1/2/oauth2/token"
    assert app.revoke_url == "http://127.0.0.1:1/2/oauth2/revoke"


def test_authorize_url_carries_state_and_s256_challenge(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWITTER_CLIENT_ID", "cid")
    with OAuthSession(resolve_app("twitter"), redirect_uri="http://127.0.0.1:8765/callback") as s:
        req = s.authorization_request()
        other = s.authorization_request()
    q = {k: v[0] for k, v in parse_qs(urlsplit(req.url).query).items()}
    assert req.url.startswith("https://x.com/i/oauth2/authorize?")
    assert q["response_type"] == "code" and q["client_id"] == "cid"
    assert q["redirect_uri"] == "http://127.0.0.1:8765/callback"
    assert q["scope"] == "tweet.read tweet.write users.read offline.access media.write"
    assert q["state"] == req.state and len(req.state) >= 32
    assert q["code_challenge_method"] == "S256"
    assert q["code_challenge"] == s256(req.code_verifier or "")
    assert 43 <= len(req.code_verifier or "") <= 128
    assert other.state != req.state and other.code_verifier != req.code_verifier


def test_linkedin_confidential_flow_has_no_pkce_and_posts_the_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LINKEDIN_CLIENT_ID", "li-id")
    monkeypatch.setenv("LINKEDIN_CLIENT_SECRET", "li-secret-123")
    token = json.loads((FIX / "linkedin" / "token_200.json").read_text())
    with respx.mock:
        route = respx.post("https://www.linkedin.com/oauth/v2/accessToken").respond(200, json=token)
        with OAuthSession(resolve_app("linkedin"), redirect_uri="https://example.com/cb") as s:
            req = s.authorization_request()
            assert "code_challenge" not in req.url and req.code_verifier is None
            s.exchange_code("the-code")
    form = {k: v[0] for k, v in parse_qs(route.calls.last.request.content.decode()).items()}
    assert form == {"grant_type": "authorization_code", "code": "the-code",
                    "redirect_uri": "https://example.com/cb", "client_id": "li-id",
                    "client_secret": "li-secret-123"}  # fmt: skip
    assert "Authorization" not in route.calls.last.request.headers
    conn = connection_from_token("linkedin", token, account="a", now=1000.0)
    assert conn.scopes == ["openid", "profile", "w_member_social"]
    assert conn.expires_at == 1000.0 + 5183999 and conn.refresh_token is None


def test_confidential_x_client_uses_basic_auth(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWITTER_CLIENT_ID", "cid")
    monkeypatch.setenv("TWITTER_CLIENT_SECRET", "csecret-123")
    with respx.mock:
        route = respx.post(TOKEN_URL).respond(
            200, json=json.loads((FIX / "twitter" / "token_200.json").read_text())
        )
        with OAuthSession(resolve_app("twitter")) as s:
            s.refresh("old-refresh-token")
    req = route.calls.last.request
    assert req.headers["Authorization"].startswith("Basic ")
    form = {k: v[0] for k, v in parse_qs(req.content.decode()).items()}
    assert form == {"grant_type": "refresh_token", "refresh_token": "old-refresh-token"}


def test_token_endpoint_errors_are_classified(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWITTER_CLIENT_ID", "cid")
    with respx.mock, OAuthSession(resolve_app("twitter")) as s:
        respx.post(TOKEN_URL).respond(
            400, json={"error": "invalid_grant", "error_description": 'Bad "token"'}
        )
        with pytest.raises(TokenEndpointError) as exc:
            s.refresh("r")
        assert exc.value.error == "invalid_grant"
        respx.post(TOKEN_URL).respond(502, text="<html>bad gateway</html>")
        with pytest.raises(E.ServerError):
            s.refresh("r")
        respx.post(TOKEN_URL).respond(200, text="<html>login</html>")
        with pytest.raises(E.ApiResponseError):
            s.refresh("r")
        respx.post(TOKEN_URL).mock(side_effect=httpx.ConnectError("down"))
        with pytest.raises(E.ApiConnectionError):
            s.refresh("r")


# the authorize round trip on a real loopback ------------------------------------------------
def test_authorize_round_trip_saves_the_account(fake: Any, deps: Any) -> None:
    calls: list[httpx.Response] = []
    result = run_authorize(deps, browser_that_approves(calls))
    assert calls[-1].status_code == 200 and b"authorized" in calls[-1].content
    assert (result.platform, result.account, result.user_id, result.username) == (
        "twitter",
        "acme",
        "2244994945",
        "acme",
    )
    assert result.refreshable and result.store == "keyring"
    # the fake token endpoint checked S256(code_verifier) == code_challenge
    exchange = fake.token_requests[-1]
    challenge = fake.authorize_requests[-1]["code_challenge"]
    assert s256(exchange["code_verifier"]) == challenge
    assert exchange["grant_type"] == "authorization_code" and exchange["client_id"] == "cid"
    stored = deps.credentials.get("twitter", "acme", env=False)
    assert stored.access_token in fake.valid_access
    assert stored.refresh_token in fake.valid_refresh
    assert stored.extra["client_id"] == "cid" and stored.extra["username"] == "acme"
    assert "offline.access" in stored.scopes
    events = deps.store.auth_events("twitter")
    assert events[0]["event"] == "authorize" and events[0]["ok"] == 1


def test_a_callback_with_another_state_is_refused_and_the_real_one_wins(
    fake: Any, deps: Any
) -> None:
    calls: list[httpx.Response] = []

    def browser(url: str) -> bool:
        redirect = parse_qs(urlsplit(url).query)["redirect_uri"][0]
        calls.append(httpx.get(redirect, params={"code": "forged", "state": "not-ours"}))
        return browser_that_approves(calls)(url)

    result = run_authorize(deps, browser)
    assert calls[0].status_code == 400 and b"state mismatch" in calls[0].content
    assert result.account == "acme"
    assert all(r.get("code") != "forged" for r in fake.token_requests)


def test_a_wrong_verifier_is_refused_by_the_token_endpoint(fake: Any, deps: Any) -> None:
    def tampering_browser(url: str) -> bool:
        url = url.replace("code_challenge=", "code_challenge=X")
        return browser_that_approves([])(url)

    with pytest.raises(TokenEndpointError, match="invalid_grant"):
        run_authorize(deps, tampering_browser)
    assert deps.credentials.get("twitter", "acme", env=False) is None
    assert deps.store.auth_events("twitter")[0]["ok"] == 0


def test_paste_flow_checks_state_before_exchanging(fake: Any, deps: Any) -> None:
    shown: list[str] = []

    def paste() -> str:
        approved = httpx.get(shown[-1], follow_redirects=False)
        return approved.headers["location"].replace("state=", "state=tampered")

    flow = OAuthFlow(lambda url, r: shown.append(url), paste, paste=True)
    with pytest.raises(OAuthError, match="state does not match"):
        authorize("twitter", credentials=deps.credentials, config=deps.config.get,
                  http_factory=deps.http, flow=flow)  # fmt: skip
    assert fake.token_requests == []

    flow = OAuthFlow(lambda url, r: shown.append(url),
                     lambda: httpx.get(shown[-1]).headers["location"], paste=True)  # fmt: skip
    assert authorize("twitter", credentials=deps.credentials, config=deps.config.get,
                     http_factory=deps.http, flow=flow).account == "acme"  # fmt: skip


def test_denied_consent_and_timeouts(fake: Any, deps: Any) -> None:
    def denying_browser(url: str) -> bool:
        q = parse_qs(urlsplit(url).query)
        httpx.get(q["redirect_uri"][0], params={"error": "access_denied", "state": q["state"][0]})
        return True

    with pytest.raises(OAuthError, match="denied"):
        run_authorize(deps, denying_browser)
    with pytest.raises(OAuthError, match="No authorization arrived"):
        flow = OAuthFlow(lambda u, r: None, lambda: "", port=free_port(), browser=lambda u: True,
                         timeout=0.2)  # fmt: skip
        authorize("twitter", credentials=deps.credentials, config=deps.config.get,
                  http_factory=deps.http, flow=flow)  # fmt: skip


def test_loopback_server_binds_127_0_0_1_and_refuses_foreign_hosts() -> None:
    with LoopbackServer(0, "s" * 32, "twitter") as server:
        assert server._server.server_address[0] == "127.0.0.1"
        url = server.redirect_uri
        # DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends its own Host
        r = httpx.get(url, params={"code": "c", "state": "s" * 32},
                      headers={"Host": f"evil.example:{server.port}"})  # fmt: skip
        assert r.status_code == 403
        assert httpx.get(url.replace("/callback", "/other")).status_code == 404
        assert server.results.empty()
        ok = httpx.get(url, params={"code": "c", "state": "s" * 32})
        assert ok.status_code == 200
        assert server.wait(1).code == "c"


class _FakeSocket:
    def __init__(self, data: bytes) -> None:
        self.rfile, self.wfile = io.BytesIO(data), io.BytesIO()

    def makefile(self, mode: str, *a: Any, **k: Any) -> io.BytesIO:
        return self.rfile if "r" in mode else self.wfile

    def sendall(self, data: bytes) -> None:
        self.wfile.write(data)

    def settimeout(self, timeout: float | None) -> None:  # the handler's per-connection timeout
        self.timeout = timeout


def test_loopback_server_refuses_a_non_loopback_peer() -> None:
    server = LoopbackServer(0, "state", "twitter")
    try:
        handler = server._server.RequestHandlerClass
        raw = (f"GET /callback?code=c&state=state HTTP/1.1\r\nHost: 127.0.0.1:{server.port}"
               "\r\n\r\n").encode()  # fmt: skip
        sock = _FakeSocket(raw)
        handler(sock, ("203.0.113.7", 40000), server._server)
        assert sock.wfile.getvalue().split(b"\r\n", 1)[0].endswith(b"403 Forbidden")
        assert server.results.empty() and server.refused == ["not loopback"]
    finally:
        server._server.server_close()


def test_loopback_helpers() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("[::1]")
    assert not is_loopback("10.0.0.1") and not is_loopback("example.com")
    assert host_allowed("127.0.0.1:8765", 8765) and host_allowed("localhost:8765", 8765)
    assert not host_allowed("127.0.0.1:8766", 8765) and not host_allowed("evil:8765", 8765)
    assert not host_allowed(None, 8765)
    cb = parse_callback("http://127.0.0.1:8765/callback?code=abc&state=xyz")
    assert check_state(cb, "xyz", "twitter") == "abc"
    with pytest.raises(OAuthError):
        check_state(parse_callback("http://127.0.0.1/callback?state=xyz"), "xyz", "twitter")


def test_port_in_use_is_a_usage_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        with pytest.raises(E.UsageError, match="already in use") as exc:
            LoopbackServer(s.getsockname()[1], "x", "twitter")
        assert "--port" in (exc.value.hint or "")


def test_non_oauth_platforms_are_not_supported_yet(deps: Any) -> None:
    with pytest.raises(E.UsageError, match="not supported yet") as exc:
        authorize("hubspot", credentials=deps.credentials, config=deps.config.get,
                  http_factory=deps.http, flow=OAuthFlow(lambda u, r: None, lambda: ""))  # fmt: skip
    assert "HUBSPOT_API_KEY" in (exc.value.hint or "")


def test_no_secret_store_is_refused_before_the_browser_opens(
    fake: Any, deps: Any, fail_keyring: Any
) -> None:
    opened: list[str] = []
    with pytest.raises(E.CredentialStoreError):
        run_authorize(deps, opened.append)
    assert opened == []


# token life --------------------------------------------------------------------------------
class _Creds:
    """A CredentialStore on the in-memory keyring plus a record of saves."""

    def __init__(self, deps: Any) -> None:
        self.store = deps.credentials
        self.saved: list[Connection] = []
        real_save = self.store.save

        def save(conn: Connection) -> None:
            self.saved.append(conn)
            real_save(conn)

        self.store.save = save  # type: ignore[method-assign]


def _stored_x(deps: Any, **kw: Any) -> Connection:
    base = dict(platform="twitter", account="acme", access_token="AT-old-0123456789",
                refresh_token="RT-old-0123456789", expires_at=time.time() + 3600,
                scopes=["tweet.read"], user_id="2244994945",
                extra={"username": "acme", "client_id": "cid"})  # fmt: skip
    base.update(kw)
    conn = Connection(**base)
    deps.credentials.save(conn)
    return deps.credentials.get("twitter", "acme", env=False)


def _client(deps: Any, events: list[tuple[Any, ...]] | None = None) -> TwitterClient:
    client = TwitterClient(
        http_factory=lambda **kw: HttpClient(**kw, clock=Clock(sleep=lambda s: None)),
        credentials=deps.credentials, config=deps.config.get, account="acme",
    )  # fmt: skip
    if events is not None:
        client.auth_events = lambda *a: events.append(a)
    return client


@respx.mock
def test_401_refreshes_saves_the_rotated_token_before_using_it(deps: Any) -> None:
    creds = _Creds(deps)
    _stored_x(deps)
    token = json.loads((FIX / "twitter" / "token_200.json").read_text())
    refresh = respx.post(TOKEN_URL).respond(200, json=token)
    seen_in_store: list[str | None] = []

    def me(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == "Bearer AT-old-0123456789":
            return httpx.Response(401, json={"title": "Unauthorized", "status": 401})
        stored = deps.credentials.get("twitter", "acme", env=False)
        seen_in_store.append(stored.refresh_token)  # what a crash right now would leave
        return httpx.Response(200, json={"data": {"id": "2244994945", "username": "acme"}})

    respx.get("https://api.x.com/2/users/me").mock(side_effect=me)
    events: list[tuple[Any, ...]] = []
    client = _client(deps, events)
    assert client.me().username == "acme"
    assert refresh.call_count == 1
    form = {k: v[0] for k, v in parse_qs(refresh.calls.last.request.content.decode()).items()}
    assert form == {"grant_type": "refresh_token", "refresh_token": "RT-old-0123456789",
                    "client_id": "cid"}  # fmt: skip
    assert seen_in_store == ["X-RT-new-0123456789"]
    assert creds.saved[-1].access_token == "X-AT-new-0123456789"
    assert client.connection.access_token == "X-AT-new-0123456789"
    assert events[-1][:4] == ("twitter", "acme", "refresh", True)


@respx.mock
def test_expired_token_is_refreshed_before_the_request(deps: Any) -> None:
    _stored_x(deps, expires_at=time.time() - 10)
    respx.post(TOKEN_URL).respond(
        200, json=json.loads((FIX / "twitter" / "token_200.json").read_text())
    )
    api = respx.get("https://api.x.com/2/users/me").respond(
        200, json={"data": {"id": "2244994945", "username": "acme"}}
    )
    _client(deps).me()
    assert api.call_count == 1
    assert api.calls.last.request.headers["Authorization"] == "Bearer X-AT-new-0123456789"


@respx.mock
def test_invalid_grant_means_reauthorize_and_deletes_nothing(deps: Any) -> None:
    _stored_x(deps, expires_at=time.time() - 10)
    respx.post(TOKEN_URL).respond(400, json={"error": "invalid_grant"})
    api = respx.get("https://api.x.com/2/users/me")
    events: list[tuple[Any, ...]] = []
    with pytest.raises(ReauthorizeError) as exc:
        _client(deps, events).me()
    assert "re-authorize: mktd authorize twitter" in exc.value.message
    assert exc.value.hint == "mktd authorize twitter"
    assert isinstance(exc.value, E.AuthenticationError)
    assert not api.called
    assert deps.credentials.get("twitter", "acme", env=False).refresh_token == "RT-old-0123456789"
    assert events[-1][:4] == ("twitter", "acme", "refresh", False)


@respx.mock
def test_a_network_error_during_refresh_changes_nothing(deps: Any) -> None:
    _stored_x(deps)
    respx.get("https://api.x.com/2/users/me").respond(401, json={"title": "Unauthorized"})
    respx.post(TOKEN_URL).mock(side_effect=httpx.ReadTimeout("lost"))
    with pytest.raises(RefreshNetworkError) as exc:
        _client(deps).me()
    assert "Nothing was changed" in (exc.value.hint or "")
    stored = deps.credentials.get("twitter", "acme", env=False)
    assert (stored.access_token, stored.refresh_token) == ("AT-old-0123456789", "RT-old-0123456789")


@respx.mock
def test_a_token_refreshed_by_another_process_is_adopted(deps: Any) -> None:
    _stored_x(deps)
    client = _client(deps)  # holds AT-old
    _stored_x(deps, access_token="AT-other-0123456789", refresh_token="RT-other-0123456789",
              expires_at=time.time() + 7000)  # fmt: skip
    refresh = respx.post(TOKEN_URL)

    def me(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == "Bearer AT-other-0123456789":
            return httpx.Response(200, json={"data": {"id": "1", "username": "acme"}})
        return httpx.Response(401, json={"title": "Unauthorized"})

    respx.get("https://api.x.com/2/users/me").mock(side_effect=me)
    client.me()
    assert not refresh.called
    assert client.connection.access_token == "AT-other-0123456789"


def test_env_tokens_are_never_refreshed(monkeypatch: pytest.MonkeyPatch, deps: Any) -> None:
    monkeypatch.setenv("TWITTER_ACCESS_TOKEN", "env-token-0123456789")
    client = TwitterClient(http_factory=lambda **kw: HttpClient(**kw),
                           credentials=deps.credentials)  # fmt: skip
    assert client.connection.source == "env"
    assert client.refresh() is False


def test_file_lock_serializes_and_times_out(tmp_path: Path) -> None:
    path = tmp_path / "locks" / "x.lock"
    order: list[str] = []
    inside = threading.Event()

    def holder() -> None:
        with file_lock(path):
            inside.set()
            order.append("a-in")
            time.sleep(0.3)
            order.append("a-out")

    t = threading.Thread(target=holder)
    t.start()
    inside.wait(2)
    with pytest.raises(E.CredentialStoreError), file_lock(path, timeout=0.1):
        pass
    with file_lock(path):
        order.append("b-in")
    t.join()
    assert order == ["a-in", "a-out", "b-in"]


CHILD = r"""
import json, os, sys, time
from mktdirector.wiring import Deps
deps = Deps()
client = deps.integration("twitter", account="acme")
open(sys.argv[1] + ".ready." + sys.argv[2], "w").close()
while not os.path.exists(sys.argv[1]):
    time.sleep(0.005)
user = client.me()
print(json.dumps({"user": user.username, "token": client.connection.access_token}))
deps.close()
"""


@pytest.mark.slow
def test_two_processes_refreshing_at_once_end_with_one_valid_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    monkeypatch.setenv("MKTD_SECRET_KEY", key)
    monkeypatch.setenv("MKTD_SECRET_STORE", "encrypted")
    with FakeX(refresh_delay=0.5) as server:
        for k, v in server.env().items():
            monkeypatch.setenv(k, v)
        server.seed("AT-old-0123456789", "RT-old-0123456789", access_valid=False)
        seed = Deps()
        _stored_x(seed)
        assert seed.credentials.backend.name == "encrypted"
        seed.close()
        go = tmp_path / "go"
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
        procs = [
            subprocess.Popen([sys.executable, "-c", CHILD, str(go), str(i)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for i in range(2)
        ]  # fmt: skip
        deadline = time.time() + 30
        while not all((tmp_path / f"go.ready.{i}").exists() for i in range(2)):
            assert time.time() < deadline, [p.communicate() for p in procs]
            time.sleep(0.01)
        go.touch()
        outs = [p.communicate(timeout=60) for p in procs]
        for p, (_out, err) in zip(procs, outs, strict=True):
            assert p.returncode == 0, err
        results = [json.loads(out.strip().splitlines()[-1]) for out, _ in outs]
        assert server.refresh_ok == 1
        assert server.refresh_failed == 0 and not server.family_revoked
        assert results[0]["token"] == results[1]["token"]
        assert results[0]["token"] in server.valid_access
        after = Deps()
        stored = after.credentials.get("twitter", "acme", env=False)
        assert stored.refresh_token in server.valid_refresh
        assert stored.access_token == results[0]["token"]
        after.close()


# logout and status --------------------------------------------------------------------------
@respx.mock
def test_logout_revokes_both_tokens_then_deletes(
    deps: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWITTER_CLIENT_ID", "cid")
    _stored_x(deps)
    route = respx.post("https://api.x.com/2/oauth2/revoke").respond(200, json={"revoked": True})
    result = logout("x", credentials=deps.credentials, config=deps.config.get,
                    events=deps.store.record_auth_event)  # fmt: skip
    assert result.revoked is True and result.account == "acme"
    forms = [{k: v[0] for k, v in parse_qs(c.request.content.decode()).items()}
             for c in route.calls]  # fmt: skip
    assert forms == [
        {"token": "RT-old-0123456789", "token_type_hint": "refresh_token", "client_id": "cid"},
        {"token": "AT-old-0123456789", "token_type_hint": "access_token", "client_id": "cid"},
    ]
    assert deps.credentials.get("twitter", "acme", env=False) is None
    assert deps.store.connections("twitter") == []
    assert deps.store.auth_events("twitter")[0]["event"] == "logout"


@respx.mock
def test_logout_deletes_even_when_revoking_fails(deps: Any) -> None:
    _stored_x(deps)  # the client id stored with the connection is enough to revoke
    respx.post("https://api.x.com/2/oauth2/revoke").mock(side_effect=httpx.ConnectError("down"))
    result = logout("twitter", credentials=deps.credentials, config=deps.config.get)
    assert result.revoked is False and "deleted here anyway" in result.detail
    assert deps.credentials.get("twitter", "acme", env=False) is None


def test_logout_linkedin_has_no_revoke_endpoint(deps: Any) -> None:
    deps.credentials.save(Connection("linkedin", account="782bbtaQ", access_token="li-tok-012345"))
    with respx.mock(assert_all_called=False) as mock:
        result = logout("linkedin", credentials=deps.credentials, config=deps.config.get)
        assert not mock.calls
    assert result.revoked is None and "Permitted services" in result.detail
    assert deps.credentials.get("linkedin", "782bbtaQ", env=False) is None


def test_logout_of_an_env_token_says_unset(deps: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWITTER_ACCESS_TOKEN", "env-token-0123456789")
    with pytest.raises(E.UsageError) as exc:
        logout("twitter", credentials=deps.credentials, config=deps.config.get)
    assert exc.value.hint == "unset TWITTER_ACCESS_TOKEN"


def test_auth_status_rows(deps: Any) -> None:
    now = time.time()
    _stored_x(deps, expires_at=now + 5430)
    deps.credentials.save(Connection("linkedin", account="782bbtaQ", access_token="li-tok-012345",
                                     expires_at=now + 3 * 86400 + 60, scopes=["openid"],
                                     user_id="urn:li:person:782bbtaQ"))  # fmt: skip
    deps.store.record_auth_event("twitter", "acme", "refresh", False, "invalid_grant")
    rows = {r["platform"]: r for r in auth_status(store=deps.store, credentials=deps.credentials,
                                                  now=now)}  # fmt: skip
    x = rows["twitter"]
    assert (x["account"], x["store"], x["status"], x["refreshable"]) == (
        "acme",
        "keyring",
        "ok",
        True,
    )
    assert x["expires_in"] == "1 h 30 min" and x["scopes"] == ["tweet.read"]
    assert x["last_failure_detail"] == "invalid_grant" and x["warning"] is None
    li = rows["linkedin"]
    assert li["status"] == "expiring" and "expires in 3 days" in li["warning"]
    assert li["user_id"] == "urn:li:person:782bbtaQ"
    assert "hubspot" not in rows


class _Captured(Exception):
    pass


class _CaptureTransport(httpx.BaseTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise _Captured(request)


def test_dry_run_of_test_connection_never_refreshes_an_expired_token(deps: Any) -> None:
    _stored_x(deps, expires_at=time.time() - 60)
    client = TwitterClient(
        http_factory=lambda **kw: HttpClient(**kw, transport=_CaptureTransport()),
        credentials=deps.credentials,
        account="acme",
    )
    with respx.mock(assert_all_called=False) as mock:
        with pytest.raises(_Captured) as exc:
            client.test_connection()
        assert not mock.calls  # no token endpoint call, no API call
    request = exc.value.args[0]
    assert request.url.path == "/2/users/me"
    assert deps.credentials.get("twitter", "acme", env=False).access_token == "AT-old-0123456789"


def test_test_connection_of_a_dead_linkedin_token_sends_nothing() -> None:
    from mktdirector.integrations.linkedin.client import LinkedInClient

    conn = Connection("linkedin", account="a", access_token="li-tok-0123456789",
                      expires_at=time.time() - 86400)  # fmt: skip
    client = LinkedInClient(http_factory=lambda **kw: HttpClient(**kw), connection=conn)
    with respx.mock(assert_all_called=False) as mock:
        check = client.test_connection()
        assert not mock.calls
    assert check.status == "error" and "mktd authorize linkedin" in check.detail


@respx.mock
def test_linkedin_https_redirect_uses_the_paste_flow(
    deps: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINKEDIN_CLIENT_ID", "li-id")
    monkeypatch.setenv("LINKEDIN_CLIENT_SECRET", "li-secret-123")
    monkeypatch.setenv("LINKEDIN_REDIRECT_URI", "https://example.com/mktd-callback")
    token = respx.post("https://www.linkedin.com/oauth/v2/accessToken").respond(
        200, json=json.loads((FIX / "linkedin" / "token_200.json").read_text())
    )
    userinfo = respx.get("https://api.linkedin.com/v2/userinfo").respond(
        200, json=json.loads((FIX / "linkedin" / "userinfo.json").read_text())
    )
    shown: list[tuple[str, str | None]] = []

    def paste() -> str:
        state = parse_qs(urlsplit(shown[-1][0]).query)["state"][0]
        return f"https://example.com/mktd-callback?code=li-code&state={state}"

    flow = OAuthFlow(lambda url, r: shown.append((url, r)), paste,
                     browser=lambda u: pytest.fail("no browser for a pasted redirect"))  # fmt: skip
    result = authorize("linkedin", credentials=deps.credentials, config=deps.config.get,
                       http_factory=deps.http, flow=flow)  # fmt: skip
    assert shown[-1][1] is None  # told to paste
    q = parse_qs(urlsplit(shown[-1][0]).query)
    assert q["redirect_uri"] == ["https://example.com/mktd-callback"]
    assert q["scope"] == ["openid profile w_member_social"]
    form = parse_qs(token.calls.last.request.content.decode())
    assert form["code"] == ["li-code"] and form["client_secret"] == ["li-secret-123"]
    assert userinfo.calls.last.request.headers["Authorization"] == "Bearer AQV-li-access-0123456789"
    assert (result.account, result.user_id, result.refreshable) == (
        "782bbtaQ",
        "urn:li:person:782bbtaQ",
        False,
    )
    stored = deps.credentials.get("linkedin", "782bbtaQ", env=False)
    assert stored.scopes == ["openid", "profile", "w_member_social"]
    assert stored.expires_at and stored.expires_at > time.time() + 59 * 86400
