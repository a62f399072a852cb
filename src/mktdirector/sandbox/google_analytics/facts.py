"""GA4 traffic as daily facts: a steady background of search and direct visits, and post traffic.

Each published post with a link sends sessions day by day along its click curve
(engagement.py), keyed by the link's UTM values (sessionSource/Medium/CampaignName,
sessionManualAdContent = utm_content = the mktd draft id) and landing page. Key events on a
day are the HubSpot leads the same post brought that day, so GA4 and the CRM agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from mktdirector.sandbox import engagement as eng

if TYPE_CHECKING:
    from mktdirector.sandbox.emulator import Emulator

HISTORY_DAYS = 400  # background traffic exists this far back from "today"


def day_of(epoch: float) -> date:
    return datetime.fromtimestamp(epoch, UTC).date()


def facts(emu: Emulator, first: date, last: date) -> list[dict[str, Any]]:
    """Daily rows between two dates: dimension values and additive metric values."""
    today = day_of(emu.now())
    last = min(last, today)
    first = max(first, today - timedelta(days=HISTORY_DAYS))
    out = []
    d = first
    while d <= last:
        for source, medium, channel in (
            ("google", "organic", "Organic Search"),
            ("(direct)", "(none)", "Direct"),
        ):
            n = int(eng.between(20, 90, eng.unit(emu.seed, d.isoformat(), source)))
            out.append(
                _row(
                    emu,
                    d,
                    n,
                    0,
                    {
                        "sessionSource": source,
                        "sessionMedium": medium,
                        "sessionCampaignName": "(organic)" if medium == "organic" else "(direct)",
                        "sessionManualAdContent": "(not set)",
                        "sessionDefaultChannelGroup": channel,
                        "landingPage": "/",
                        "landingPagePlusQueryString": "/",
                    },
                )
            )
        d += timedelta(days=1)
    for kind, default_source, id_key in (
        ("x.post", "t.co", "id"),
        ("linkedin.post", "linkedin.com", "urn"),
    ):
        for post in emu.state.find(kind):
            out += _post_rows(emu, post, post[id_key], default_source, first, last)
    return out


def _row(
    emu: Emulator, d: date, sessions: int, key_events: int, dims: dict[str, str]
) -> dict[str, Any]:
    u = eng.unit(emu.seed, d.isoformat(), dims["sessionSource"], dims["sessionManualAdContent"])
    engaged = int(sessions * eng.between(0.45, 0.7, u))
    users = int(sessions * 0.9) or (1 if sessions else 0)
    metrics = {
        "sessions": sessions,
        "activeUsers": users,
        "totalUsers": users,
        "newUsers": int(users * 0.7),
        "engagedSessions": engaged,
        "screenPageViews": int(sessions * 1.6),
        "eventCount": sessions * 4 + key_events,
        "keyEvents": key_events,
        "conversions": key_events,
        "totalRevenue": round(key_events * 49.0, 2),
        "userEngagementDuration": int(engaged * eng.between(40, 90, u)),
    }
    values = dict(
        dims,
        date=d.strftime("%Y%m%d"),
        sessionSourceMedium=f"{dims['sessionSource']} / {dims['sessionMedium']}",
        firstUserSource=dims["sessionSource"],
        firstUserMedium=dims["sessionMedium"],
        firstUserCampaignName=dims["sessionCampaignName"],
        firstUserDefaultChannelGroup=dims["sessionDefaultChannelGroup"],
    )
    return {"dims": values, "metrics": metrics}


def _post_rows(
    emu: Emulator, post: dict[str, Any], pid: str, default_source: str, first: date, last: date
) -> list[dict[str, Any]]:
    links = eng.links(post["text"])
    if not links:
        return []
    link = links[0]
    prof = eng.profile(emu.seed, pid, has_link=True)
    lead_times = (
        [post["created_at"] + a for a in eng.lead_ages(prof)] if "utm_content" in link else []
    )
    medium = link.get("utm_medium", "referral")
    dims = {
        "sessionSource": link.get("utm_source", default_source),
        "sessionMedium": medium,
        "sessionCampaignName": link.get("utm_campaign", "(referral)"),
        "sessionManualAdContent": link.get("utm_content", "(not set)"),
        "sessionDefaultChannelGroup": "Organic Social" if medium == "social" else "Referral",
        "landingPage": link["path"],
        "landingPagePlusQueryString": link["path"] + ("?" + link["query"] if link["query"] else ""),
    }
    rows, now = [], emu.now()
    d = max(first, day_of(post["created_at"]))
    while d <= last:
        start = datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()
        end = min(start + 86400, now)
        n = eng.sessions_between(
            prof, start - post["created_at"], end - post["created_at"], emu.seed, pid
        )
        k = sum(1 for t in lead_times if start <= t < end)
        if n or k:
            rows.append(_row(emu, d, max(n, k), k, dims))
        d += timedelta(days=1)
    return rows
