"""Connecting accounts: `mktd authorize P`, `mktd auth status`, `mktd auth logout P`.

`authorize` dispatches on the platform's auth kind. OAuth 2.0 (LinkedIn, X) runs the
authorization code flow against a loopback redirect (or a pasted redirect URL), exchanges the
code at once, asks the platform who the token belongs to, and saves one connection per account.
Other kinds (API keys for HubSpot and SendGrid, GA service accounts) get their own branch later.
"""

from __future__ import annotations

import os
import webbrowser
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

# `mktd auth status` lives in status.py, free of httpx and the OAuth flow (issue 17).
from mktdirector.agents.auth.status import auth_status as auth_status
from mktdirector.core import errors as E
from mktdirector.core.credentials import NO_STORE_HINT, Connection, CredentialStore
from mktdirector.core.platforms import PLATFORMS, resolve_platform
from mktdirector.integrations.oauth.app import PROVIDERS, ConfigGetter, config_value, resolve_app
from mktdirector.integrations.oauth.flow import AuthEventSink, OAuthSession, connection_from_token
from mktdirector.integrations.oauth.loopback import (
    CALLBACK_PATH,
    DEFAULT_PORT,
    LoopbackServer,
    check_state,
    is_loopback,
    parse_callback,
)

ShowUrl = Callable[[str, str | None], None]  # (authorize URL, redirect URI or None when pasting)


@dataclass
class AuthorizeResult:
    platform: str
    account: str
    user_id: str | None
    username: str | None
    scopes: list[str]
    expires_at: float | None
    refreshable: bool
    store: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class LogoutResult:
    platform: str
    account: str
    revoked: bool | None  # None: the platform has no revoke endpoint
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class OAuthFlow:
    """How one authorize run talks to the user (the CLI fills these in)."""

    show_url: ShowUrl
    read_redirect: Callable[[], str]
    open_browser: bool = True
    paste: bool = False  # --no-browser: print the URL, read the redirected URL back
    port: int | None = None
    timeout: float = 300.0
    browser: Callable[[str], Any] | None = None  # default: webbrowser.open, looked up per run
    transport: httpx.BaseTransport | None = None  # token endpoint transport (tests)


def authorize(
    platform: str,
    *,
    credentials: CredentialStore,
    config: ConfigGetter,
    http_factory: Callable[..., Any],
    flow: OAuthFlow,
    events: AuthEventSink | None = None,
    account: str | None = None,
) -> AuthorizeResult:
    """Connect an account of `platform` and store its credential."""
    pid = resolve_platform(platform)
    kind = PLATFORMS[pid].auth_kind
    if kind == "oauth2" and pid in PROVIDERS:
        return _authorize_oauth2(pid, credentials, config, http_factory, flow, events, account)
    # API-key and service-account platforms get their own branch here.
    envs = " / ".join(PLATFORMS[pid].token_env)
    raise E.UsageError(
        f"mktd authorize {pid} is not supported yet.",
        hint=f"Set {envs} in the environment or .env" if envs else "See mktd status",
    )


def _redirect(pid: str, flow: OAuthFlow, config: ConfigGetter) -> tuple[str, int | None, str]:
    """(redirect URI, port to listen on or None to paste, callback path)."""
    if flow.port:
        return f"http://127.0.0.1:{flow.port}{CALLBACK_PATH}", flow.port, CALLBACK_PATH
    registered = os.environ.get(f"{pid.upper()}_REDIRECT_URI", "").strip()
    if registered:
        u = urlsplit(registered)
        local = u.scheme == "http" and (u.hostname == "localhost" or is_loopback(u.hostname or ""))
        # An HTTPS redirect (LinkedIn apps that refuse http) cannot be served here: paste.
        return registered, (u.port or 80) if local else None, u.path or "/"
    port = int(config_value(config, "oauth.port", DEFAULT_PORT))
    return f"http://127.0.0.1:{port}{CALLBACK_PATH}", port, CALLBACK_PATH


def _authorize_oauth2(
    pid: str,
    credentials: CredentialStore,
    config: ConfigGetter,
    http_factory: Callable[..., Any],
    flow: OAuthFlow,
    events: AuthEventSink | None,
    account: str | None,
) -> AuthorizeResult:
    app = resolve_app(pid, config)
    if credentials.backend.name == "none":  # say so before the user goes through consent
        raise E.CredentialStoreError(
            "No secret store is available to save the token.", hint=NO_STORE_HINT
        )
    uri, port, path = _redirect(pid, flow, config)
    try:
        with OAuthSession(app, redirect_uri=uri, transport=flow.transport,
                          http_factory=http_factory) as session:  # fmt: skip
            req = session.authorization_request()
            if flow.paste or port is None:
                flow.show_url(req.url, None)
                result = parse_callback(flow.read_redirect())
            else:
                with LoopbackServer(port, req.state, pid, path=path) as server:
                    flow.show_url(req.url, uri)
                    if flow.open_browser:
                        (flow.browser or webbrowser.open)(req.url)
                    result = server.wait(flow.timeout)
            code = check_state(result, req.state, pid)
            token = session.exchange_code(code, req.code_verifier)  # X codes live 30 s
        conn = connection_from_token(pid, token, account=account or "default",
                                     requested_scopes=app.scopes)  # fmt: skip
        conn.extra["client_id"] = app.client_id
        user_id, username, default_account = _identify(pid, conn, config, http_factory)
        # Re-authorizing an account already stored under another name renews that account
        # instead of adding a second name for the same login (a "phantom" account).
        conn.account = account or credentials.account_of_user(pid, user_id) or default_account
        conn.user_id = user_id
        conn.extra["username"] = username
        credentials.save(conn)
    except E.MktdError as e:
        _record(events, pid, account, "authorize", False, e.message)
        raise
    _record(events, pid, conn.account, "authorize", True, "scopes: " + " ".join(conn.scopes))
    return AuthorizeResult(
        platform=pid, account=conn.account, user_id=conn.user_id, username=username,
        scopes=conn.scopes, expires_at=conn.expires_at, refreshable=bool(conn.refresh_token),
        store=conn.source,
    )  # fmt: skip


def _identify(
    pid: str, conn: Connection, config: ConfigGetter, http_factory: Callable[..., Any]
) -> tuple[str, str, str]:
    """(user id, display name, default account name) of the token's owner."""
    from mktdirector.integrations import get_class
    from mktdirector.integrations.capabilities import Identifies

    client = get_class(pid)(http_factory=http_factory, connection=conn, config=config)
    try:
        if not isinstance(client, Identifies):
            raise E.ConfigError(f"The {pid} client cannot say whose token it holds.")
        who = client.identify()
    finally:
        client.close()
    return who.user_id, who.display_name, who.default_account


def _record(
    events: AuthEventSink | None, pid: str, account: str | None, event: str, ok: bool, detail: str
) -> None:
    if events is not None:
        events(pid, account, event, ok, detail)


def logout(
    platform: str,
    *,
    credentials: CredentialStore,
    config: ConfigGetter,
    events: AuthEventSink | None = None,
    account: str | None = None,
    transport: httpx.BaseTransport | None = None,
    http_factory: Callable[..., Any] | None = None,
) -> LogoutResult:
    """Revoke the stored token where the platform has an endpoint, then delete it here."""
    pid = resolve_platform(platform)
    label = PLATFORMS[pid].label
    acct = credentials.resolve_account(pid, account)
    conn = credentials.get(pid, acct, env=False)
    if conn is None:
        env = credentials.from_env(pid)
        if env is not None and not account:
            name = env.extra.get("env")
            raise E.UsageError(
                f"The {label} credential comes from {name}; mktd did not store it.",
                hint=f"unset {name}",
            )
        raise E.UsageError(f"No stored {label} connection for {acct}.", hint="mktd auth status")
    revoked: bool | None = None
    detail = ""
    provider = PROVIDERS.get(pid)
    if provider and provider.revoke_url:
        try:
            app = resolve_app(pid, config, client_id=conn.extra.get("client_id"))
            with OAuthSession(app, transport=transport, http_factory=http_factory) as session:
                for token, hint in ((conn.refresh_token, "refresh_token"),
                                    (conn.access_token, "access_token")):  # fmt: skip
                    if token:
                        session.revoke(token, hint)
            revoked = True
        except E.MktdError as e:
            revoked = False
            detail = f"revoking at {label} failed ({e.message}); deleted here anyway"
    elif provider:
        detail = (
            f"{label} has no documented revoke endpoint; to revoke there too, remove the app in "
            "LinkedIn Settings > Data privacy > Permitted services"
        )
    credentials.delete(pid, acct)
    _record(events, pid, acct, "logout", True, detail or "revoked and deleted")
    return LogoutResult(pid, acct, revoked, detail)
