"""`mktd auth status`: token health per platform and account, from metadata only.

Kept apart from authorize.py so that reading the connection index loads neither httpx nor the
OAuth flow and its token endpoint client (issue 17: `auth status` is an offline command and
starts like `--help`). Nothing here reads the keyring or sends a request.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from mktdirector.core import errors as E
from mktdirector.core.credentials import Connection, CredentialStore
from mktdirector.core.platforms import PLATFORMS
from mktdirector.integrations.oauth.app import PROVIDERS
from mktdirector.integrations.oauth.expiry import WARN_BEFORE_S, expiry_warning
from mktdirector.store import StoreLike
from mktdirector.store.rows import AuthEvent, ConnectionRow


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
