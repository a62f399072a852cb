"""SendGrid statistics: `GET /v3/stats` and `GET /v3/categories/stats`, from what was sent here.

Requests, processed and delivered count the recipients of the day's sends (2% bounce);
unique opens and clicks accrue with each message's age (engagement.py), so a report run later
shows more. Sends of a cancelled batch that were still scheduled do not count.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from mktdirector.sandbox import engagement as eng
from mktdirector.sandbox.base import Request, Response, json_response, route
from mktdirector.sandbox.sendgrid.api import errors, guard

if TYPE_CHECKING:
    from mktdirector.sandbox.emulator import Emulator


def _metrics(
    emu: Emulator, emails: list[dict[str, Any]], start: float, end: float
) -> dict[str, int]:
    names = (
        "blocks",
        "bounce_drops",
        "bounces",
        "clicks",
        "deferred",
        "delivered",
        "invalid_emails",
        "opens",
        "processed",
        "requests",
        "spam_report_drops",
        "spam_reports",
        "unique_clicks",
        "unique_opens",
        "unsubscribe_drops",
        "unsubscribes",
    )
    m = dict.fromkeys(names, 0)
    for e in emails:
        batch = emu.state.get("sendgrid.batch", e["batch_id"]) if e.get("batch_id") else None
        if batch and batch.get("status") == "cancel" and e["sent_at"] > emu.now():
            continue
        n = len(e["recipients"])
        if start <= e["sent_at"] < end:
            m["requests"] += n
            m["processed"] += n
            m["delivered"] += n - int(n * 0.02)
            m["bounces"] += int(n * 0.02)
        total_opens = int(n * eng.between(0.2, 0.45, eng.unit(emu.seed, e["message_id"], "opens")))
        total_clicks = int(
            total_opens * eng.between(0.1, 0.3, eng.unit(emu.seed, e["message_id"], "clicks"))
        )
        for key, total in (("unique_opens", total_opens), ("unique_clicks", total_clicks)):
            got = eng.curve(total, min(end, emu.now()) - e["sent_at"], 6 * 3600) - eng.curve(
                total, start - e["sent_at"], 6 * 3600
            )
            m[key] += max(got, 0)
    m["opens"], m["clicks"] = int(m["unique_opens"] * 1.4), int(m["unique_clicks"] * 1.2)
    return m


def _days(req: Request, emu: Emulator) -> list[date] | Response:
    try:
        first = date.fromisoformat(req.arg("start_date") or "")
        last = date.fromisoformat(
            req.arg("end_date") or datetime.fromtimestamp(emu.now(), UTC).date().isoformat()
        )
    except ValueError:
        return errors(400, ("start_date", "start_date is required, as YYYY-MM-DD"))
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def stats(emu: Emulator, req: Request) -> Response:
    g = guard(emu, req, "stats", "stats.read")
    if isinstance(g, Response):
        return g
    days = _days(req, emu)
    if isinstance(days, Response):
        return days
    emails = emu.state.find("sendgrid.email")
    out = []
    for d in days:
        start = datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()
        out.append(
            {
                "date": d.isoformat(),
                "stats": [{"metrics": _metrics(emu, emails, start, start + 86400)}],
            }
        )
    return json_response(200, out, g)


def category_stats(emu: Emulator, req: Request) -> Response:
    g = guard(emu, req, "category_stats", "categories.stats.read")
    if isinstance(g, Response):
        return g
    cats = req.query.get("categories") or []
    if not 1 <= len(cats) <= 10:
        return errors(400, ("categories", "categories is required (1 to 10)"), headers=g)
    days = _days(req, emu)
    if isinstance(days, Response):
        return days
    emails = emu.state.find("sendgrid.email")
    out = []
    for d in days:
        start = datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()
        out.append(
            {
                "date": d.isoformat(),
                "stats": [
                    {
                        "type": "category",
                        "name": c,
                        "metrics": _metrics(
                            emu, [e for e in emails if c in e["categories"]], start, start + 86400
                        ),
                    }
                    for c in cats
                ],
            }
        )
    return json_response(200, out, g)


ROUTES = [
    route("GET", r"/v3/stats", "sendgrid.stats", stats),
    route("GET", r"/v3/categories/stats", "sendgrid.category_stats", category_stats),
]
