"""Connecting accounts: `mktd authorize P`, `mktd auth status`, `mktd auth logout P`.

`authorize` dispatches on the platform's auth kind. OAuth 2.0 (LinkedIn, X) runs the
authorization code flow against a loopback redirect (or a pasted redirect URL), exchanges the
code at once, asks the platform who the token belongs to, and saves one connection per account.
Other kinds (API keys for HubSpot and SendGrid, GA service accounts) get their own branch later.
"""

from __future__ import annotations

import os
import time
import webbrowser
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

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
from mktdirector.integrations.oauth.tokens import WARN_BEFORE_S, expiry_warning
from mktdirector.store import StoreLike
from mktdirector.store.rows import AuthEvent, ConnectionRow

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


def _human(seconds: float) -> str:
    s = abs(int(seconds))
    if s < 3600:
        text = f"{max(s // 60, 1)} min"
    elif s < 2 * 86400:
        text = f"{s // 3600} h {s % 3600 // 60} min"
    else:
        text = f"{s // 86400} days"
    return text if seconds >= 0 else f"expired {text} ago"


def key_age_warning(row: Mapping[str, Any], now: float) -> str | None:
    from mktdirector.agents.auth.keys import key_age_warning as warn

    return warn(row, now)


def auth_status(
    *, store: StoreLike, credentials: CredentialStore, now: float | None = None
) -> list[dict[str, Any]]:
    """Token health per platform and account, from metadata only (never the keyring)."""
    now = time.time() if now is None else now
    stored: list[ConnectionRow] = []
    events: list[AuthEvent] = []
    calls: dict[str, dict[str, Any]] = {}
    if store.exists():
        stored = store.connections()
        events = store.auth_events(limit=500)
        since = (datetime.fromtimestamp(now, UTC) - timedelta(days=30)).isoformat()
        calls = _account_calls(store, since.replace("+00:00", "Z"))
    rows: list[dict[str, Any]] = []
    for pid, info in PLATFORMS.items():
        env = credentials.from_env(pid)
        mine = [c for c in stored if c["platform"] == pid]
        if env is not None:
            # Not an account: the token the environment gives, used when no --account is named.
            row = _row(pid, "env", f"env ({env.extra.get('env')})", None, [], now, events,
                       calls, refreshable=False)  # fmt: skip
            rows.append({**row, "account": None, "env_var": env.extra.get("env"), "default": True})
        chosen = _default_account(credentials, pid) if env is None else None
        for c in mine:
            key = f"{pid}:{c['account']}"
            if store.exists() and not calls.get(key, {}).get("last_ok"):
                # Older than the calls read above: the index finds it however old it is.
                calls.setdefault(key, {})["last_ok"] = store.last_success(pid, c["account"])
            expires = _epoch(c.get("expires_utc"))
            row = _row(pid, c["account"], c["store"], expires, _scopes(c), now, events, calls,
                       refreshable=bool(c.get("has_refresh")), user_id=c.get("user_id"))  # fmt: skip
            # API keys do not expire, but the brief rotates them every 90 days.
            row["warning"] = row.get("warning") or key_age_warning(c, now)
            row["default"] = c["account"] == chosen
            rows.append(row)
        if env is None and not mine and pid in PROVIDERS:
            rows.append({"platform": pid, "label": info.label, "account": None, "store": None,
                         "status": "not logged in", "hint": f"mktd authorize {pid}"})  # fmt: skip
    return rows


def _default_account(credentials: CredentialStore, pid: str) -> str | None:
    """The account used when no --account is named, or None when that is ambiguous/unset."""
    try:
        return credentials.resolve_account(pid, None)
    except E.MktdError:
        return None


def _account_calls(store: StoreLike, since_utc: str) -> dict[str, dict[str, Any]]:
    """Last success and last failure of each platform account ("platform:account")."""
    out: dict[str, dict[str, Any]] = {}
    for c in store.calls(since_utc=since_utc, limit=5000):  # oldest first: newest wins
        key = f"{c['platform']}:{c.get('account') or 'default'}"
        slot = "last_error" if c.get("error_kind") else "last_ok"
        out.setdefault(key, {})[slot] = c["time_utc"]
    return out


def _row(
    pid: str, account: str, source: str, expires: float | None, scopes: list[str], now: float,
    events: Sequence[Mapping[str, Any]], calls: dict[str, dict[str, Any]], *, refreshable: bool,
    user_id: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    mine = [e for e in events if e["platform"] == pid and e.get("account") in (account, None)]
    ok = next((e for e in mine if e["ok"]), None)
    bad = next((e for e in mine if not e["ok"]), None)
    summary = calls.get(f"{pid}:{account}", {})  # this account's own calls, not the platform's
    last_ok = max(filter(None, [ok and ok["time_utc"], summary.get("last_ok")]), default=None)
    last_bad = max(filter(None, [bad and bad["time_utc"], summary.get("last_error")]), default=None)
    status, warning = "ok", None
    if expires is not None:
        conn = Connection(pid, account=account, expires_at=expires,
                          refresh_token="x" if refreshable else None)  # fmt: skip
        warning = expiry_warning(conn, now=now)
        if expires <= now and not refreshable:
            status = "expired"
        elif expires - now <= WARN_BEFORE_S and not refreshable:
            status = "expiring"
    return {
        "platform": pid,
        "label": PLATFORMS[pid].label,
        "account": account,
        "store": source,
        "user_id": user_id,
        "status": status,
        "expires_utc": _iso(expires),
        "expires_in": None if expires is None else _human(expires - now),
        "refreshable": refreshable,
        "scopes": scopes,
        "last_success": last_ok,
        "last_failure": last_bad,
        "last_failure_detail": bad["detail"] if bad and bad["time_utc"] == last_bad else None,
        "warning": warning,
    }


def _scopes(row: Mapping[str, Any]) -> list[str]:
    import json

    try:
        return list(json.loads(row.get("scopes") or "[]"))
    except ValueError:
        return []


def _epoch(iso: str | None) -> float | None:
    if not iso:
        return None
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
