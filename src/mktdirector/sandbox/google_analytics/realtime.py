"""GA4 realtime reports: `POST /v1beta/properties/{id}:runRealtimeReport` (issue 12 item 9).

As the Data API: the last 30 minutes (`minuteRanges` with startMinutesAgo <= 29, at most two),
realtime dimensions and metrics only (a standard report's `sessionSource` is a 400, as on
Google), dimension and metric filters, `limit`, `orderBys`. The numbers are today's sessions
from the daily facts spread evenly over the day's minutes, split across a fixed set of
countries and devices, so they move with the posts the sandbox has seen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mktdirector.sandbox import engagement as eng
from mktdirector.sandbox.base import Request, Response, json_response, route
from mktdirector.sandbox.google_analytics import query as gq
from mktdirector.sandbox.google_analytics.api import _guard, gerror
from mktdirector.sandbox.google_analytics.facts import day_of, facts

if TYPE_CHECKING:
    from mktdirector.sandbox.emulator import Emulator

DIMENSIONS = {
    "appVersion", "audienceId", "audienceName", "city", "cityId", "country", "countryId",
    "deviceCategory", "eventName", "minutesAgo", "platform", "streamId", "streamName",
    "unifiedScreenName",
}  # fmt: skip
METRICS = {"activeUsers", "eventCount", "keyEvents", "screenPageViews"}
TOP_KEYS = {
    "dimensions", "metrics", "dimensionFilter", "metricFilter", "limit", "metricAggregations",
    "orderBys", "returnPropertyQuota", "minuteRanges",
}  # fmt: skip
COUNTRIES = (("United States", "US", 0.5), ("United Kingdom", "GB", 0.3), ("Germany", "DE", 0.2))
DEVICES = (("desktop", 0.6), ("mobile", 0.4))


def _names(body: dict[str, Any], key: str, allowed: set[str], what: str) -> list[str]:
    names = [str((d or {}).get("name", "")) for d in body.get(key) or []]
    for n in names:
        if n not in allowed:
            raise gq.QueryError(
                f"Field {n} is not a valid {what} for realtime reports. For a list of valid "
                f"{what}s, see {gq.SCHEMA}#realtime"
            )
    return names


def _minutes(body: dict[str, Any]) -> list[tuple[int, int]]:
    ranges = body.get("minuteRanges") or [{"startMinutesAgo": 29, "endMinutesAgo": 0}]
    if len(ranges) > 2:
        raise gq.QueryError("Requests are limited to 2 minute ranges.")
    out = []
    for r in ranges:
        start, end = int(r.get("startMinutesAgo", 29)), int(r.get("endMinutesAgo", 0))
        if not 0 <= end <= start <= 29:
            raise gq.QueryError(
                "startMinutesAgo must be between 0 and 29 and not before endMinutesAgo "
                "(standard properties keep 30 minutes of realtime data)."
            )
        out.append((start, end))
    return out


def _rows(emu: Emulator, ranges: list[tuple[int, int]]) -> list[dict[str, Any]]:
    today = day_of(emu.now())
    sessions = sum(f["metrics"].get("sessions", 0) for f in facts(emu, today, today))
    per_minute = sessions / 1440
    rows = []
    for minute in sorted({m for s, e in ranges for m in range(e, s + 1)}):
        for country, code, c_share in COUNTRIES:
            for device, d_share in DEVICES:
                u = eng.unit(emu.seed, f"rt{minute}", country + device)
                users = int(per_minute * c_share * d_share * (0.5 + u) + 0.5)
                if not users:
                    continue
                dims = {
                    "minutesAgo": f"{minute:02d}", "country": country, "countryId": code,
                    "deviceCategory": device, "platform": "web", "eventName": "page_view",
                    "unifiedScreenName": "Home", "city": "(not set)", "cityId": "(not set)",
                    "streamName": "Web", "streamId": "1", "appVersion": "(not set)",
                    "audienceName": "All Users", "audienceId": "1",
                }  # fmt: skip
                metrics = {"activeUsers": users, "screenPageViews": 2 * users,
                           "eventCount": 3 * users, "keyEvents": users // 10}  # fmt: skip
                rows.append({"dims": dims, "metrics": metrics})
    return rows


def realtime(emu: Emulator, req: Request, pid: str) -> Response:
    denied = _guard(emu, req, pid)
    if denied:
        return denied
    try:
        body = req.json()
    except ValueError:
        return gerror(400, "Invalid JSON payload received.")
    if not isinstance(body, dict):
        return gerror(400, "Invalid JSON payload received. Expected an object.")
    unknown = sorted(set(body) - TOP_KEYS)
    if unknown:
        return gerror(400, f'Invalid JSON payload received. Unknown name "{unknown[0]}"')
    try:
        dims = _names(body, "dimensions", DIMENSIONS, "dimension")
        metrics = _names(body, "metrics", METRICS, "metric")
        if not metrics and not dims:
            raise gq.QueryError("At least one dimension or metric is required.")
        ranges = _minutes(body)
        limit = int(body.get("limit") or 10_000)
        grouped: dict[tuple[str, ...], dict[str, float]] = {}
        for row in _rows(emu, ranges):
            values = {**row["dims"], **row["metrics"]}
            if not gq.matches(body.get("dimensionFilter"), row["dims"]):
                continue
            key = tuple(row["dims"][d] for d in dims)
            acc = grouped.setdefault(key, dict.fromkeys(metrics, 0.0))
            for m in metrics:
                acc[m] += values[m]
        kept = [
            (k, v) for k, v in grouped.items()
            if gq.matches(body.get("metricFilter"), v)
        ]  # fmt: skip
    except gq.QueryError as e:
        return gerror(400, str(e))
    except (TypeError, ValueError, AttributeError):
        return gerror(400, "Invalid JSON payload received.")
    kept.sort(key=lambda kv: -kv[1].get(metrics[0], 0) if metrics else kv[0])
    out: dict[str, Any] = {
        "dimensionHeaders": [{"name": d} for d in dims],
        "metricHeaders": [{"name": m, "type": "TYPE_INTEGER"} for m in metrics],
        "rows": [
            {
                "dimensionValues": [{"value": v} for v in key],
                "metricValues": [{"value": str(int(vals[m]))} for m in metrics],
            }
            for key, vals in kept[:limit]
        ],
        "rowCount": len(kept),
        "kind": "analyticsData#runRealtimeReport",
    }
    if not out["rows"]:
        del out["rows"]
    return json_response(200, out)


ROUTES = [
    route("POST", r"/v1beta/properties/(?P<pid>[^/:]+):runRealtimeReport", "ga.realtime", realtime),
]
