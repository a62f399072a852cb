"""The monitoring part of `mktd status` as table rows and lines (printed by _output)."""

from __future__ import annotations

from typing import Any


def pct(v: float | None) -> str:
    return "–" if v is None else f"{v * 100:.0f}%"


def ms(v: int | None) -> str:
    return "–" if v is None else f"{v}"


def ago(seconds: int | None) -> str:
    if seconds is None:
        return "?"
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


def _quota(limits: list[dict[str, Any]]) -> str:
    """The tightest rate limit: a used-up one first, else the lowest share left."""
    known = [r for r in limits if r["limit"] and r["remaining"] is not None]
    if not known:
        return ""
    r = min(known, key=lambda r: (not r["exhausted"], r["remaining"] / r["limit"]))
    text = f"{r['remaining']}/{r['limit']}"
    until = r.get("blocked_until_utc") or r.get("reset_utc")
    return f"{text} until {until[11:16]}" if r["exhausted"] and until else text


def account_lines(accounts: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    """A few short lines per platform and account (eight table columns do not fit 80)."""
    out: list[tuple[str, str | None]] = []
    styles = {"failing": "red", "expired": "red", "expiring": "yellow"}
    for a in accounts:
        day, week, tok = a["24h"], a["7d"], a["token"]
        first = f"{a['platform']}/{a['account'] or '-'}  24h: {day['calls']} calls"
        if day["calls"]:
            p50, p95 = ms(day["p50_ms"]), ms(day["p95_ms"])
            first += f", {pct(day['success_rate'])} ok, p50/p95 {p50}/{p95} ms"
        out.append((first, None))
        kinds = ", ".join(f"{k} {n}" for k, n in day["failures_by_kind"].items())
        if kinds:
            out.append((f"    failures 24h: {kinds}", "red"))
        week_line = f"    7d: {week['calls']} calls"
        if week["calls"]:
            week_line += f", {pct(week['success_rate'])} ok"
        if a["last_success_utc"]:
            week_line += f" · last ok {a['last_success_utc'][:16].replace('T', ' ')}"
        out.append((week_line, None))
        token = f"    token {tok['status']}"
        if tok.get("key_old"):
            token += ", key older than 90 days"
        if tok.get("expires_utc"):
            token += f", expires {tok['expires_utc'][:10]}"
        quota = _quota(a["rate_limits"])
        if quota:
            token += f" · quota left {quota}"
        warn = "yellow" if tok.get("key_old") else None
        out.append((token, styles.get(tok["status"], warn)))
    return out


def summary_lines(data: dict[str, Any]) -> list[tuple[str, str | None]]:
    """Queue, worker and unread notifications, one line each (plus the latest alerts)."""
    q = data["queue"]
    nxt = q.get("next_due")
    due = f"; next: {nxt['kind']} {nxt.get('draft_id') or ''} at {nxt['due_utc']}" if nxt else ""
    overdue = f" ({q['overdue']} overdue)" if q["overdue"] else ""
    out: list[tuple[str, str | None]] = [
        (f"queue: {q['queued']} queued{overdue}, {q['running']} running{due}", None)
    ]
    w = data["workers"][0] if data["workers"] else None
    if w:
        out.append((f"worker last seen {w['last_seen_utc']} ({ago(w['seen_ago_s'])})", None))
    else:
        out.append(("no worker has run yet: mktd worker --install systemd|cron|launchd", "dim"))
    notes = data["notifications"]
    if notes["unread"]:
        out.append((f"{notes['unread']} unread notification(s):", "yellow"))
        for n in notes["latest"]:
            hint = f"  → {n['hint']}" if n.get("hint") else ""
            out.append((f"  {n['id']}  {n['subject']}{hint}", None))
    return out
