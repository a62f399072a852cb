"""Alert rules, raised as in-tool notifications and then delivered to Slack and email.

Rules (each names the failing post or account and the command that fixes it):
publish failed or needs-check; authentication or token refresh failed; a token without refresh
expires within 7 days; a rate limit used up while work is queued for that platform; more than
`alerts.failure_rate` of at least 5 calls failed in the last hour; a scheduled slot skipped.

De-duplication (store/sqlite/alerting.py): one notification per cause per hour, and a single event
(one failure of one draft, one token's expiry, one skipped job) never twice. `run_alerts` is
what `mktd alerts run` and the worker call: evaluate, then deliver what is not delivered yet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from mktdirector.core.errors import MktdError
from mktdirector.core.platforms import PLATFORMS
from mktdirector.store import StoreLike
from mktdirector.store.rows import DraftStatus

DEFAULT_FAILURE_RATE = 0.5
MIN_CALLS = 5  # a failure rate over fewer calls is noise
EXPIRY_WARN = timedelta(days=7)
LOOKBACK = timedelta(hours=24)  # events older than this are history, not alerts
DEDUPE_WINDOW = timedelta(hours=1)
MAX_ATTEMPTS = 3  # deliveries per channel before an alert is left to the in-tool list
STALE_CLAIM = timedelta(minutes=10)


@dataclass
class Alert:
    kind: str
    cause: str  # what is wrong, e.g. "auth:twitter:brand"
    subject: str
    message: str
    hint: str  # the command that fixes it
    occurrence: str | None = None  # one event of the cause, raised at most once
    severity: str = "error"
    platform: str | None = None
    account: str | None = None

    @property
    def dedupe_key(self) -> str:
        return self.cause if self.occurrence is None else f"{self.cause}@{self.occurrence}"


class Channel(Protocol):
    """A place alerts are delivered to (Slack webhook, email)."""

    name: str

    def send(self, alerts: Sequence[Mapping[str, Any]], *, test: bool = False) -> str:
        """Deliver one message about these notifications; return a short receipt."""


@dataclass
class AlertRun:
    raised: list[dict[str, Any]] = field(default_factory=list)
    delivered: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _label(platform: str | None) -> str:
    return PLATFORMS[platform].label if platform in PLATFORMS else str(platform or "?")


def _who(platform: str | None, account: str | None) -> str:
    return f"{_label(platform)} account {account}" if account else _label(platform)


def _publish_rule(store: StoreLike, now: datetime) -> list[Alert]:
    out = []
    for d in store.troubled_drafts(_iso(now - LOOKBACK)):
        what = f"{_label(d['platform'])} post of draft {d['id']}"
        if d.get("topic"):
            what += f" ({d['topic'][:60]})"
        seg = f" (segment {d['segments']})" if d.get("segments") else ""
        if d["status"] == DraftStatus.NEEDS_CHECK:
            out.append(Alert(
                "needs_check", f"needs_check:{d['id']}", f"Check whether {what} went out",
                f"The outcome of publishing {what}{seg} is unknown; nothing more is sent until "
                "someone checks the account.",
                f"Look for the post, then: mktd publish {d['id']} --resolve posted|not-posted",
                occurrence=d["updated_utc"], platform=d["platform"], account=d.get("account"),
            ))  # fmt: skip
        else:
            out.append(Alert(
                "publish_failed", f"publish_failed:{d['id']}", f"Publishing failed: {what}",
                f"{what}{seg} was not published: {d.get('error') or 'unknown error'}",
                f"mktd publish {d['id']}  (resumes exactly where it stopped)",
                occurrence=d["updated_utc"], platform=d["platform"], account=d.get("account"),
            ))  # fmt: skip
    return out


def _auth_rule(store: StoreLike, now: datetime) -> list[Alert]:
    out: dict[str, Alert] = {}
    since = _iso(now - LOOKBACK)
    for e in store.latest_auth_events(since):
        if e["ok"]:
            continue
        last_ok = store.last_success(e["platform"], e["account"])
        if last_ok and last_ok > e["time_utc"]:
            continue  # calls work again: resolved
        what = "Token refresh failed" if e["event"] == "refresh" else "Authentication failed"
        a = Alert(
            "auth_failed", f"auth:{e['platform']}:{e['account']}",
            f"{what}: {_who(e['platform'], e['account'])}",
            f"{what} for {_who(e['platform'], e['account'])} ({e['event']}): {e['detail']}",
            f"mktd authorize {e['platform']}", occurrence=e["id"],
            platform=e["platform"], account=e["account"] or None,
        )  # fmt: skip
        out[a.cause] = a
    for c in store.auth_failures_from_calls(_iso(now - DEDUPE_WINDOW)):
        cause = f"auth:{c['platform']}:{c['account']}"
        last_ok = store.last_success(c["platform"], c["account"])
        if cause in out or (last_ok and last_ok > c["time_utc"]):
            continue
        out[cause] = Alert(
            "auth_failed", cause, f"Authentication failed: {_who(c['platform'], c['account'])}",
            f"{_label(c['platform'])} rejected the credentials of "
            f"{c['account'] or 'the default account'} ({c['failures']} call(s) in the last hour).",
            f"mktd authorize {c['platform']}",
            platform=c["platform"], account=c["account"] or None,
        )  # fmt: skip
    return list(out.values())


def _expiry_rule(store: StoreLike, now: datetime) -> list[Alert]:
    out = []
    for c in store.expiring_connections(_iso(now + EXPIRY_WARN)):
        expired = c["expires_utc"] <= _iso(now)
        state = (
            "has expired" if expired else f"expires {c['expires_utc'][:16].replace('T', ' ')} UTC"
        )
        out.append(Alert(
            "token_expiring", f"token_expiry:{c['platform']}:{c['account']}",
            f"Token {'expired' if expired else 'expiring'}: {_who(c['platform'], c['account'])}",
            f"The {_label(c['platform'])} token of {c['account']} {state} and cannot be "
            "refreshed automatically.",
            f"mktd authorize {c['platform']} (sign in again before it expires)",
            occurrence=c["expires_utc"], severity="error" if expired else "warning",
            platform=c["platform"], account=c["account"],
        ))  # fmt: skip
    return out


def _rate_limit_rule(store: StoreLike, now: datetime) -> list[Alert]:
    queued = store.queued_by_platform()
    out: dict[str, Alert] = {}
    t = now.timestamp()
    for r in store.rate_limit_rows():
        n = queued.get(r["platform"], 0)
        if not n or r.get("kind") == "bucket":
            continue
        reset, blocked = r.get("reset_at") or 0, r.get("blocked_until") or 0
        remaining = r["remaining"]
        exhausted = remaining is not None and remaining <= 0 and reset > t
        until = max(reset if exhausted else 0, blocked if blocked > t else 0)
        if not until:
            continue
        cause = f"rate_limit:{r['platform']}:{r.get('account') or ''}"
        when = _iso(datetime.fromtimestamp(until, UTC))
        if cause in out:
            continue
        out[cause] = Alert(
            "rate_limited", cause, f"Rate limit used up: {_who(r['platform'], r.get('account'))}",
            f"The {_label(r['platform'])} limit {r.get('name')} is used up until {when}; "
            f"{n} queued job(s) wait and run after the reset.",
            "mktd queue list (nothing is lost; post less often or upgrade the API tier if this "
            "repeats)", occurrence=str(int(until)), severity="warning",
            platform=r["platform"], account=r.get("account"),
        )  # fmt: skip
    return list(out.values())


def _failure_rate_rule(store: StoreLike, now: datetime, threshold: float) -> list[Alert]:
    out = []
    for r in store.failure_rates(_iso(now - timedelta(hours=1))):
        calls, failed = r["calls"], r["failed"] or 0
        if calls < MIN_CALLS or failed / calls <= threshold:
            continue
        out.append(Alert(
            "failure_rate", f"failure_rate:{r['platform']}:{r['account']}",
            f"{failed} of {calls} calls failed: {_who(r['platform'], r['account'] or None)}",
            f"{failed} of the last hour's {calls} {_label(r['platform'])} calls failed "
            f"({failed / calls:.0%}; kinds: {r['kinds']}).",
            f"mktd logs --errors, then mktd test-integration {r['platform']}",
            platform=r["platform"], account=r["account"] or None,
        ))  # fmt: skip
    return out


def _skipped_rule(store: StoreLike, now: datetime) -> list[Alert]:
    out = []
    for j in store.skipped_jobs(_iso(now - LOOKBACK)):
        ref = j.get("draft_id") or j["id"]
        out.append(Alert(
            "slot_skipped", f"slot_skipped:{ref}",
            f"Scheduled {j['kind']} skipped: draft {ref}",
            f"The {j['kind']} of draft {ref} due {j['due_utc']} was skipped: "
            f"{j.get('last_error') or 'the slot was missed'}.",
            f"mktd schedule {ref} --at WHEN (or --at next-slot)", occurrence=j["id"],
            severity="warning", platform=j.get("platform"), account=j.get("account"),
        ))  # fmt: skip
    return out


def collect_alerts(
    store: StoreLike, now: datetime, *, failure_rate: float = DEFAULT_FAILURE_RATE
) -> list[Alert]:
    """Every alert the rules find now (before de-duplication)."""
    return [
        *_publish_rule(store, now),
        *_auth_rule(store, now),
        *_expiry_rule(store, now),
        *_rate_limit_rule(store, now),
        *_failure_rate_rule(store, now, failure_rate),
        *_skipped_rule(store, now),
    ]


def evaluate_alerts(
    store: StoreLike, now: datetime | None = None, *, failure_rate: float = DEFAULT_FAILURE_RATE
) -> list[dict[str, Any]]:
    """Raise a notification per new alert; returns the ones raised (id, kind, subject, hint)."""
    now = now or datetime.now(UTC)
    if not store.exists():
        return []
    hour_ago = _iso(now - DEDUPE_WINDOW)
    raised = []
    for a in collect_alerts(store, now, failure_rate=failure_rate):
        if store.alert_seen(a.cause, a.dedupe_key if a.occurrence else None, hour_ago):
            continue
        nid = store.notify(
            a.kind, a.subject, a.message, severity=a.severity, platform=a.platform,
            account=a.account, hint=a.hint, dedupe_key=a.dedupe_key, dedupe_since_utc=hour_ago,
        )  # fmt: skip
        if nid:
            raised.append({"id": nid, "kind": a.kind, "subject": a.subject, "hint": a.hint})
    return raised


def deliver(
    store: StoreLike, channels: Sequence[Channel], now: datetime | None = None
) -> dict[str, dict[str, Any]]:
    """Send each channel the unread alerts it has not had yet (one message per channel)."""
    now = now or datetime.now(UTC)
    results: dict[str, dict[str, Any]] = {}
    for ch in channels:
        todo = store.claim_undelivered(
            ch.name,
            since_utc=_iso(now - LOOKBACK),
            stale_utc=_iso(now - STALE_CLAIM),
            max_attempts=MAX_ATTEMPTS,
        )
        if not todo:
            results[ch.name] = {"status": "nothing to send", "alerts": 0}
            continue
        ids = [n["id"] for n in todo]
        try:
            receipt = ch.send(todo)
        except MktdError as e:
            store.mark_delivery(ids, ch.name, error=e.message)
            results[ch.name] = {"status": "error", "alerts": len(ids), "error": e.message,
                                "hint": e.hint}  # fmt: skip
            continue
        store.mark_delivery(ids, ch.name)
        results[ch.name] = {"status": "sent", "alerts": len(ids), "receipt": receipt}
    return results


def run_alerts(
    store: StoreLike,
    channels: Sequence[Channel],
    now: datetime | None = None,
    *,
    failure_rate: float = DEFAULT_FAILURE_RATE,
) -> AlertRun:
    """Evaluate the rules, then deliver: what `mktd alerts run` and the worker do."""
    now = now or datetime.now(UTC)
    raised = evaluate_alerts(store, now, failure_rate=failure_rate)
    delivered = deliver(store, channels, now) if store.exists() else {}
    return AlertRun(raised, delivered)


TEST_SUBJECT = "Test alert from mktd"


def send_test(store: StoreLike, channels: Sequence[Channel]) -> dict[str, dict[str, Any]]:
    """`mktd alerts test`: one test alert to the in-tool list and to every channel given."""
    message = "If you can read this, mktd alerts reach this channel."
    hint = "mktd notifications ack"
    nid = store.notify("test", TEST_SUBJECT, message, severity="info", hint=hint)
    results: dict[str, dict[str, Any]] = {
        "in-tool": {"status": "sent", "receipt": f"notification {nid}"}
    }
    note = {
        "id": nid, "kind": "test", "severity": "info", "subject": TEST_SUBJECT,
        "message": message, "hint": hint, "created_utc": _iso(datetime.now(UTC)),
    }  # fmt: skip
    for ch in channels:
        try:
            results[ch.name] = {"status": "sent", "receipt": ch.send([note], test=True)}
        except MktdError as e:
            results[ch.name] = {"status": "error", "error": e.message, "hint": e.hint,
                                "exit_code": int(e.exit_code)}  # fmt: skip
    return results
