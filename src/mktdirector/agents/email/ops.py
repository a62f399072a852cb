"""After the send, for every email platform: stats (SendGrid per day, global or per category;
Mailchimp per campaign), cancelling a scheduled send, and the local list of emails sent."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from mktdirector.core.platforms import email_facts
from mktdirector.integrations.capabilities import EmailPlatform
from mktdirector.store import StoreLike
from mktdirector.store.rows import EMAIL_STATS_COLUMNS as STATS_COLUMNS
from mktdirector.store.rows import Email, EmailStatus


@dataclass
class StatsReport:
    since: str
    category: str | None
    rows: list[dict[str, Any]]
    totals: dict[str, int]
    stored: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CancelResult:
    batch_id: str
    status: str  # cancel
    emails: list[str] = field(default_factory=list)  # local email ids now cancelled
    warning: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def fetch_stats(
    store: StoreLike, client: EmailPlatform, *, since: date, category: str | None = None
) -> StatsReport:
    """Daily counters since a date, stored in `email_stats` (re-fetching replaces a day)."""
    start = since.isoformat()
    rows = client.category_stats([category], start) if category else client.stats(start)
    dicts = [{"platform": client.name, **r.to_dict()} for r in rows]
    stored = store.upsert_email_stats(dicts)
    out = [{"date": d["date"], "category": d.get("category")} | {c: d[c] for c in STATS_COLUMNS}
           for d in dicts]  # fmt: skip
    totals = {c: sum(r[c] for r in out) for c in STATS_COLUMNS}
    return StatsReport(start, category, out, totals, stored)


def cancel_batch(
    store: StoreLike, client: EmailPlatform, batch_id: str, *, now: float | None = None
) -> CancelResult:
    """Cancel every scheduled send of a batch (a Mailchimp campaign id) at the platform, then
    mark our rows cancelled."""
    from mktdirector.core.errors import UsageError

    batch_id = batch_id.strip()
    if not batch_id:
        raise UsageError("Give the batch id of the scheduled send.", hint="mktd email list")
    rows = store.emails(batch_id=batch_id, limit=10_000) if store.exists() else []
    warning = None
    now = time.time() if now is None else now
    due = [(r, r["send_at_utc"]) for r in rows]
    facts = email_facts(client.name)
    margin = facts.cancel_margin_s
    soon = [r for r, at in due if at and _epoch(at) - now < margin]
    if soon:
        warning = (f"The send is due within {margin // 60} minutes; {client.label} does not "
                   f"guarantee the cancel that late. Check {facts.activity} in {client.label} "
                   "after the send time.")  # fmt: skip
    status = client.cancel_scheduled(batch_id, "cancel")
    done = []
    for r in rows:
        if r["status"] in (EmailStatus.SCHEDULED, EmailStatus.NEEDS_CHECK, EmailStatus.INTENT):
            store.update_email(r["id"], status=EmailStatus.CANCELLED)
            done.append(r["id"])
    return CancelResult(batch_id, status, done, warning)


def list_emails(store: StoreLike, *, limit: int = 50) -> list[Email]:
    """The emails mktd sent or tried to send, newest first (no database: none)."""
    if not store.exists():
        return []
    return store.emails(limit=limit)


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC).timestamp()
