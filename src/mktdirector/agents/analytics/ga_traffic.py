"""GA4 traffic: fetch sessions and key events by source, campaign and post; keep them as
snapshots; sum them for `mktd ga traffic`; and the property's quota for `mktd status`.

A post's links carry `utm_content=<draft id>`, which GA4 reports as `sessionManualAdContent`,
so a traffic row whose ad content names one of our drafts is that post's traffic.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from mktdirector.core import errors as E
from mktdirector.integrations.capabilities import TrafficSource
from mktdirector.store import StoreLike
from mktdirector.store.stamps import now_utc

BY = ("source", "campaign", "post")
# GA4 dimension/metric name -> traffic_snapshots column.
_COLUMNS = {
    "sessionSource": "source", "sessionMedium": "medium", "sessionCampaignName": "campaign",
    "sessionManualAdContent": "ad_content", "landingPage": "landing_page", "date": "date",
    "sessions": "sessions", "activeUsers": "active_users", "engagedSessions": "engaged_sessions",
    "keyEvents": "key_events", "totalRevenue": "total_revenue",
}  # fmt: skip


@dataclass
class TrafficReport:
    """Stored GA4 traffic since `since`, summed per group, and what the fetch cost."""

    property_id: str
    since: str
    by: str
    fetched_rows: int
    groups: list[dict[str, Any]]
    totals: dict[str, Any]
    quota: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def fetch_traffic(
    store: StoreLike,
    client: TrafficSource,
    *,
    since: date,
    by: str = "source",
    property_id: str | None = None,
    today: date | None = None,
) -> TrafficReport:
    """Run the traffic report from `since` to today, store it, and sum it by `by`."""
    if by not in BY:
        raise E.UsageError(f"--by takes {', '.join(BY)}, not {by!r}.", hint="--by post")
    today = today or date.today()
    if since > today:
        raise E.UsageError(f"--since {since} is in the future.", hint="--since 28d")
    pid = client.property_id(property_id)
    report = client.traffic(pid, (since.isoformat(), today.isoformat()))
    rows = [_row(r.to_dict()) for r in report.rows]
    known = store.known_draft_ids(r["ad_content"] for r in rows)
    for r in rows:
        content = r["ad_content"].strip().upper()
        r["draft_id"] = content if content in known else None
    store.upsert_traffic(pid, rows, start=since.isoformat(), end=today.isoformat(), taken=now_utc())
    notes = []
    if report.subject_to_thresholding:
        notes.append("GA4 withheld some rows (thresholding: too few users to report them).")
    if report.empty_reason:
        notes.append(f"GA4 returned no rows: {report.empty_reason}.")
    result = summarize(store, since=since, by=by, property_id=pid)
    result.fetched_rows = len(rows)
    result.quota = quota_dict(report.quota)
    result.notes = notes
    return result


def summarize(store: StoreLike, *, since: date, by: str, property_id: str) -> TrafficReport:
    """Sum the stored traffic since a date per group; `post` joins drafts and post URLs."""
    groups = store.traffic_summary(by, since=since.isoformat(), property_id=property_id)
    if by == "post":
        drafts = store.drafts_with_posts(g["draft_id"] for g in groups)
        for g in groups:
            d = drafts.get(g["draft_id"], {})
            g.update(platform=d.get("platform"), topic=d.get("topic"), post_urls=d.get("urls", []))
    totals = store.traffic_totals(since=since.isoformat(), property_id=property_id)
    return TrafficReport(property_id, since.isoformat(), by, 0, groups, totals)


def ga_quota(client: TrafficSource, property_id: str | None = None) -> dict[str, Any]:
    """The property's GA4 quota now, from a one-row report (for `mktd status`).

    Returns `{"property_id", "quota", "summary"}`, or `{"error": message}` when it cannot be
    read (no credentials, no property id, no access): status should show, not fail.
    """
    try:
        pid = client.property_id(property_id)
        report = client.quota_now(pid)
    except E.MktdError as e:
        return {"error": e.message, "hint": e.hint}
    quota = quota_dict(report.quota)
    return {"property_id": pid, "quota": quota, "summary": quota_summary(quota)}


def quota_dict(quota: Any) -> dict[str, Any] | None:
    return quota.to_dict() if quota is not None else None


def quota_summary(quota: dict[str, Any] | None) -> str:
    """One line: GA4 tokens left today and this hour, concurrent requests, server errors."""
    if not quota:
        return "GA4 did not report its quota."
    parts = []
    for key, label in (("tokens_per_day", "today"), ("tokens_per_hour", "this hour")):
        q = quota.get(key)
        if q:
            parts.append(f"{q['remaining']:,} tokens left {label} ({q['consumed']:,} used)")
    errors = quota.get("server_errors_per_project_per_hour")
    if errors:
        parts.append(f"{errors['remaining']} server errors allowed this hour")
    return "GA4 quota: " + ("; ".join(parts) if parts else "not reported") + "."


def _row(record: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {col: record.get(name) for name, col in _COLUMNS.items()}
    for key in ("source", "medium", "campaign", "ad_content", "landing_page"):
        row[key] = str(row[key] or "")
    day = str(row["date"] or "")
    # GA4 dates are YYYYMMDD; the table (and every other *_date) uses ISO.
    row["date"] = f"{day[:4]}-{day[4:6]}-{day[6:8]}" if len(day) == 8 and day.isdigit() else day
    for key in ("sessions", "active_users", "engaged_sessions"):
        row[key] = int(row[key] or 0)
    for key in ("key_events", "total_revenue"):
        row[key] = float(row[key] or 0.0)
    return row
