"""OAuth 2.0 for LinkedIn and X: the authorization request and the token endpoint calls.

The providers and the user's app are in oauth/app.py.

authlib does the protocol work (authorize URL, PKCE S256 challenge, token request bodies, client
authentication). Its httpx integration runs on httpx2 (which respx cannot see), so authlib's
transport-neutral client is given a plain `httpx.Client` instead: every token call goes to a URL
that `MKTD_<P>_TOKEN_URL` can point elsewhere and tests can mock.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.client import OAuth2Client as _AuthlibOAuth2Client

from mktdirector.core import errors as E
from mktdirector.core.credentials import Connection
from mktdirector.core.http import HttpClient, HttpSettings
from mktdirector.core.policy import GenericPolicy
from mktdirector.core.redact import redact, register
from mktdirector.integrations.oauth.app import (
    PROVIDERS,
    OAuthApp,
)

# store.record_auth_event(platform, account, event, ok, detail)
AuthEventSink = Callable[[str, "str | None", str, bool, str], None]


class OAuthError(E.IntegrationError):
    """The authorization step failed: consent denied, state mismatch, a bad callback."""

    exit_code = E.ExitCode.AUTH
    kind = "oauth"


class TokenEndpointError(E.AuthenticationError):
    """The token endpoint answered with an OAuth error (`invalid_grant`, `invalid_client`…)."""

    kind = "oauth"

    def __init__(self, message: str, *, error: str, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.error = error


class ReauthorizeError(E.AuthenticationError):
    """The stored grant is unusable (expired, refused, revoked): only re-authorizing helps."""

    kind = "reauthorize"

    def __init__(self, message: str, *, platform: str, status_code: int = 401, **kw: Any):
        kw.setdefault("hint", f"mktd authorize {platform}")
        super().__init__(message, platform=platform, status_code=status_code, **kw)


class RefreshNetworkError(E.ApiConnectionError):
    """The refresh call failed on the network. Nothing stored was changed or deleted."""

    retryable = False  # retrying the API call would only meet the same 401


@dataclass(frozen=True)
class AuthorizationRequest:
    """One authorize round trip: the URL to open and what the callback must match."""

    url: str
    state: str
    redirect_uri: str
    code_verifier: str | None = field(default=None, repr=False)


class _HttpxClientAuth(httpx.Auth, ClientAuth):
    """authlib's client authentication (Basic / body / none) as an httpx auth flow."""

    requires_request_body = True

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
        url, headers, body = self.prepare(
            request.method, str(request.url), headers, request.content.decode()
        )
        # The extensions tie the rebuilt request to the choke point's call (limits, audit).
        yield httpx.Request(
            request.method,
            url,
            headers=headers,
            content=body.encode(),
            extensions=request.extensions,
        )


class _AuthlibClient(_AuthlibOAuth2Client):  # type: ignore[misc]
    client_auth_class = _HttpxClientAuth
    platform = ""
    label = ""

    def parse_response_token(self, resp: httpx.Response) -> dict[str, Any]:
        # authlib's own parser raises ValueError on error descriptions with quotes and
        # hides the status; ours maps every answer into the error tree.
        token = parse_token_response(resp, self.platform, self.label)
        self.token = token
        return token


def parse_token_response(resp: httpx.Response, platform: str, label: str) -> dict[str, Any]:
    """The token JSON, or the error it carries, in the mktd error tree."""
    path = resp.request.url.path
    try:
        data = resp.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and data.get("error"):
        code = str(data["error"])[:60]
        desc = redact(str(data.get("error_description") or data.get("message") or ""))[:200]
        hint = None
        if code == "invalid_client":
            p = PROVIDERS[platform]
            hint = f"Check {p.client_id_env} / {p.client_secret_env} against the app ({p.docs})"
        raise TokenEndpointError(
            f"{label} token endpoint refused the request: {code}" + (f" ({desc})" if desc else ""),
            error=code,
            platform=platform,
            status_code=resp.status_code,
            method="POST",
            path=path,
            code=code,
            hint=hint,
        )
    if resp.status_code >= 500:
        raise E.ServerError(
            f"{label} token endpoint failed: HTTP {resp.status_code}.",
            platform=platform,
            status_code=resp.status_code,
            method="POST",
            path=path,
            hint="Retry in a minute; your stored token was not changed",
        )
    if not isinstance(data, dict) or resp.status_code >= 400 or not data.get("access_token"):
        raise E.ApiResponseError(
            f"{label} token endpoint answered HTTP {resp.status_code} without an access token.",
            platform=platform,
            hint=f"Check MKTD_{platform.upper()}_TOKEN_URL; run with MKTD_DEBUG=1 for details",
        )
    register(data.get("access_token"), data.get("refresh_token"), data.get("id_token"))
    return data


class TokenEndpointPolicy(GenericPolicy):
    """The token endpoint's OAuth error answers (`invalid_grant`, ...) as TokenEndpointError."""

    def __init__(self, platform: str, label: str) -> None:
        self.platform, self.label = platform, label

    def classify(self, response: httpx.Response, error: E.ApiStatusError) -> E.ApiStatusError:
        try:
            parse_token_response(response, self.platform, self.label)
        except E.ApiStatusError as precise:
            return precise
        except E.MktdError:
            pass
        return error


class _ChokePointSession:
    """The `post` authlib's client calls, sent through the choke point with authlib's auth."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    def post(self, url: str, *, auth: httpx.Auth | None = None, **kw: Any) -> httpx.Response:
        # A token request is never resent: a code is single use and an X refresh token
        # rotates, so the client these go through has retries off (max_retries=0 below).
        return self.http.request("POST", url, auth=auth, idempotent=False, **kw)


class OAuthSession:
    """Token endpoint calls for one app: authorize URL, code exchange, refresh, revoke.

    The calls go through the choke point (`http_factory`, the wiring's: shared limits and the
    audit log; the form bodies, which carry codes and tokens, are never audited).
    """

    def __init__(
        self,
        app: OAuthApp,
        *,
        redirect_uri: str | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        http_factory: Callable[..., HttpClient] | None = None,
    ) -> None:
        self.app = app
        self.redirect_uri = redirect_uri
        token_host = urlsplit(app.token_url)
        self._http = (http_factory or HttpClient)(
            platform=app.platform,
            base_url=f"{token_host.scheme}://{token_host.netloc}",
            headers={"Accept": "application/json"},
            policy=TokenEndpointPolicy(app.platform, app.provider.label),
            settings=HttpSettings(timeout=timeout, max_retries=0),
            transport=transport,
        )
        method = app.provider.secret_auth if app.client_secret else "none"
        self._client = _AuthlibClient(
            session=_ChokePointSession(self._http),
            client_id=app.client_id,
            client_secret=app.client_secret,
            token_endpoint_auth_method=method,
            revocation_endpoint_auth_method=method,
            redirect_uri=redirect_uri,
            code_challenge_method="S256" if app.pkce else None,
        )
        self._client.platform = app.platform
        self._client.label = app.provider.label

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> OAuthSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def authorization_request(self) -> AuthorizationRequest:
        """A fresh state (and PKCE verifier) and the URL to send the user to."""
        if not self.redirect_uri:
            raise ValueError("redirect_uri is required to authorize")
        verifier = generate_token(64) if self.app.pkce else None
        url, state = self._client.create_authorization_url(
            self.app.authorize_url,
            state=generate_token(32),
            code_verifier=verifier,
            scope=" ".join(self.app.scopes),
        )
        return AuthorizationRequest(url, state, self.redirect_uri, verifier)

    def exchange_code(self, code: str, code_verifier: str | None = None) -> dict[str, Any]:
        """Trade an authorization code for tokens (X codes live 30 s: call this at once)."""
        kw: dict[str, Any] = {"code": code}
        if code_verifier:
            kw["code_verifier"] = code_verifier
        return self._call(
            lambda: self._client.fetch_token(
                self.app.token_url, grant_type="authorization_code", **kw
            )
        )

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        """A new access token (and, on X, a rotated refresh token)."""
        return self._call(
            lambda: dict(
                self._client.refresh_token(self.app.token_url, refresh_token=refresh_token)
            )
        )

    def revoke(self, token: str, token_type_hint: str | None = None) -> None:
        """Revoke a token where the platform has an endpoint (RFC 7009)."""
        if not self.app.revoke_url:
            return
        resp = self._call(
            lambda: self._client.revoke_token(
                self.app.revoke_url, token=token, token_type_hint=token_type_hint
            )
        )
        if resp.status_code >= 400:
            parse_token_response(resp, self.app.platform, self.app.provider.label)

    def _call(self, fn: Callable[[], Any]) -> Any:
        label = self.app.provider.label
        try:
            return fn()
        except E.ApiConnectionError as e:
            raise type(e)(
                f"Network error talking to the {label} token endpoint ({e.message}).",
                platform=self.app.platform,
                sent=e.sent,
                hint="Check your connection and retry; nothing stored was changed",
            ) from None


def split_scopes(value: Any) -> list[str]:
    """Scopes from a token answer: X separates them by spaces, LinkedIn by commas."""
    if isinstance(value, list | tuple):
        return [str(s) for s in value]
    return [s for s in re.split(r"[\s,]+", str(value or "")) if s]


def connection_from_token(
    platform: str,
    token: Mapping[str, Any],
    *,
    account: str,
    base: Connection | None = None,
    requested_scopes: tuple[str, ...] = (),
    now: float | None = None,
) -> Connection:
    """A Connection from a token answer; a refresh keeps what the answer leaves out."""
    now = time.time() if now is None else now
    expires_in = token.get("expires_in")
    extra = dict(base.extra) if base else {}
    if token.get("refresh_token_expires_in"):
        extra["refresh_expires_at"] = now + float(token["refresh_token_expires_in"])
    provider = PROVIDERS.get(platform)
    for name in provider.token_extras if provider else ():
        if token.get(name):  # a refresh answer repeats them (or not): the stored value stays
            extra[name] = str(token[name])
    scopes = split_scopes(token.get("scope")) or (
        list(base.scopes) if base else list(requested_scopes)
    )
    return Connection(
        platform=platform,
        account=account,
        access_token=str(token["access_token"]),
        refresh_token=token.get("refresh_token") or (base.refresh_token if base else None),
        token_type="Bearer",
        expires_at=now + float(expires_in) if expires_in else None,
        scopes=scopes,
        obtained_at=now,
        user_id=base.user_id if base else None,
        extra=extra,
    )
