"""The monitoring half of `mktd status`: per platform and account, how the APIs are doing.

Over the last 24 hours and 7 days: calls, success rate, failures by kind, p50/p95 latency; then
rate-limit quota, token health and key age, last success; queue depth, next job, worker last
seen and unread notifications. Reads only what the choke point, the auth flows and the queue
already write; never the network and never the keyring (status must not hang).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from mktdirector.core.platforms import PLATFORMS
from mktdirector.store import StoreLike

if TYPE_CHECKING:
    from mktdirector.core.credentials import CredentialStore

EXPIRY_WARN_DAYS = 7
KEY_MAX_AGE_DAYS = 90  # API keys older than this are flagged for rotation
WINDOWS = (("24h", timedelta(hours=24)), ("7d", timedelta(days=7)))


def iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        t = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _epoch_iso(epoch: float | None) -> str | None:
    return None if not epoch else iso(datetime.fromtimestamp(epoch, UTC))


def _window(calls: int, ok: int, kinds: dict[str, int], lat: dict[str, Any]) -> dict[str, Any]:
    return {
        "calls": calls,
        "ok": ok,
        "failed": calls - ok,
        "success_rate": round(ok / calls, 4) if calls else None,
        "failures_by_kind": dict(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))),
        "p50_ms": lat.get("p50_ms"),
        "p95_ms": lat.get("p95_ms"),
    }


def token_health(
    platform: str,
    conn: Mapping[str, Any] | None,
    auth: Mapping[str, Any] | None,
    now: datetime,
    *,
    env_var: str | None = None,
) -> dict[str, Any]:
    """Expiry, refreshability, key age and the last auth event of one connection."""
    if conn is None:
        # An environment token (or calls without a stored token) carries no metadata.
        conn = {"store": f"env ({env_var})" if env_var else None}
    expires = parse_iso(conn.get("expires_utc"))
    obtained = parse_iso(conn.get("obtained_utc")) or parse_iso(conn.get("created_utc"))
    refreshable = bool(conn.get("has_refresh"))
    age_days = (now - obtained).days if obtained else None
    kind = PLATFORMS[platform].auth_kind if platform in PLATFORMS else "api_key"
    status = "ok" if conn.get("store") else "no token"
    detail = None
    if auth is not None and not auth["ok"]:
        status, detail = "failing", f"{auth['event']}: {auth['detail']}"
    elif expires is not None and not refreshable:
        if expires <= now:
            status = "expired"
        elif expires - now <= timedelta(days=EXPIRY_WARN_DAYS):
            status = "expiring"
    return {
        "source": conn.get("store"),
        "status": status,
        "detail": detail,
        "expires_utc": conn.get("expires_utc"),
        "expires_in_s": int((expires - now).total_seconds()) if expires else None,
        "refreshable": refreshable,
        "key_age_days": age_days,
        "key_old": bool(kind != "oauth2" and age_days is not None and age_days > KEY_MAX_AGE_DAYS),
        "last_auth_event": None
        if auth is None
        else {k: auth[k] for k in ("time_utc", "event", "ok", "detail")},
    }


def _rate_limits(rows: Sequence[Mapping[str, Any]], now: float) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        if r.get("kind") == "bucket":
            continue  # per-second buckets refill before anyone reads status
        limit, remaining, reset = r.get("limit_value"), r.get("remaining"), r.get("reset_at")
        current = bool(reset and reset > now)
        if not current and limit is not None:
            remaining = limit  # the window has rolled over since the last call
        blocked = r.get("blocked_until")
        out.append(
            {
                "name": r.get("name"),
                "kind": r.get("kind"),
                "limit": limit,
                "remaining": remaining,
                "used": (limit - remaining) if limit is not None and remaining is not None else None,
                "reset_utc": _epoch_iso(reset) if current else None,
                "blocked_until_utc": _epoch_iso(blocked) if blocked and blocked > now else None,
                "exhausted": bool((current and remaining is not None and remaining <= 0)
                                  or (blocked and blocked > now)),
            }
        )  # fmt: skip
    return out


def rate_limit_usage(store: StoreLike, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Each platform and account with a known limit, and its limits' use (the connections page)."""
    now = now or datetime.now(UTC)
    by_key: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for r in store.rate_limit_rows():
        by_key.setdefault((r["platform"], r.get("account") or ""), []).append(r)
    out = []
    for (pid, acct), rows in sorted(by_key.items()):
        limits = [x for x in _rate_limits(rows, now.timestamp()) if x["limit"]]
        if limits:
            label = PLATFORMS[pid].label if pid in PLATFORMS else pid
            out.append({"platform": pid, "label": label, "account": acct or None, "limits": limits})
    return out


def gather_monitoring(
    store: StoreLike, credentials: CredentialStore, *, now: datetime | None = None
) -> dict[str, Any]:
    """Everything `mktd status` shows beyond the per-platform summary (see module doc)."""
    now = now or datetime.now(UTC)
    since = {name: iso(now - span) for name, span in WINDOWS}
    calls = {
        (r["platform"], r["account"]): r for r in store.call_windows(since["7d"], since["24h"])
    }
    kinds: dict[tuple[str, str], dict[str, dict[str, int]]] = {}
    for r in store.failures_by_kind(since["7d"], since["24h"]):
        k = kinds.setdefault((r["platform"], r["account"]), {"24h": {}, "7d": {}})
        k["7d"][r["error_kind"]] = r["failures_7d"]
        if r["failures_24h"]:
            k["24h"][r["error_kind"]] = r["failures_24h"]
    latency = {
        name: {(r["platform"], r["account"]): r for r in store.latency_percentiles(since[name])}
        for name, _ in WINDOWS
    }
    conns = {(c["platform"], c["account"]): c for c in store.connections()}
    auth = {(a["platform"], a["account"]): a for a in store.latest_auth_events(since["7d"])}
    rates = store.rate_limit_rows()
    keys = set(calls) | set(conns)
    env_vars: dict[str, str] = {}
    for pid in PLATFORMS:
        env = credentials.from_env(pid) if credentials is not None else None
        if env is not None:
            env_vars[pid] = env.extra.get("env", "env")
            keys.add((pid, "env"))
    accounts = []
    for pid, acct in sorted(keys):
        c = calls.get((pid, acct), {})
        k = kinds.get((pid, acct), {"24h": {}, "7d": {}})
        row: dict[str, Any] = {
            "platform": pid,
            "label": PLATFORMS[pid].label if pid in PLATFORMS else pid,
            "account": acct or None,
        }
        for name, _ in WINDOWS:
            row[name] = _window(
                c.get(f"calls_{name}") or 0,
                c.get(f"ok_{name}") or 0,
                k[name],
                latency[name].get((pid, acct), {}),
            )
        row["last_success_utc"] = c.get("last_success_utc") or store.last_success(pid, acct)
        row["last_failure_utc"] = c.get("last_failure_utc")
        row["rate_limits"] = _rate_limits(
            [r for r in rates if r["platform"] == pid and (r.get("account") or "") == acct],
            now.timestamp(),
        )
        row["token"] = token_health(
            pid,
            conns.get((pid, acct)),
            auth.get((pid, acct)),
            now,
            env_var=env_vars.get(pid) if acct == "env" else None,
        )
        accounts.append(row)
    workers: list[dict[str, Any]] = [dict(w) for w in store.worker_rows()]
    for w in workers:
        seen = parse_iso(w.get("last_seen_utc"))
        w["seen_ago_s"] = int((now - seen).total_seconds()) if seen else None
    return {
        "now_utc": iso(now),
        "accounts": accounts,
        "queue": store.queue_summary(iso(now)),
        "workers": workers,
        "notifications": {
            "unread": store.unread_count(),
            "latest": store.unread_notifications(),
        },
    }
