"""GA4 runReport semantics over daily facts: validation, filters, aggregation, order, paging.

Kept apart from ga.py (HTTP and data) so the request rules read in one place: the reference
card §2.3 limits (9 dimensions, 10 metrics, 4 date ranges, 250,000 rows), the FilterExpression
grammar, string-valued rows, rate metrics computed after aggregation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

MAX_DIMS, MAX_METRICS, MAX_RANGES, MAX_LIMIT, DEFAULT_LIMIT = 9, 10, 4, 250_000, 10_000
DIMENSIONS = {
    "date",
    "sessionSource",
    "sessionMedium",
    "sessionSourceMedium",
    "sessionCampaignName",
    "sessionManualAdContent",
    "sessionDefaultChannelGroup",
    "landingPage",
    "landingPagePlusQueryString",
    "firstUserSource",
    "firstUserMedium",
    "firstUserCampaignName",
    "firstUserDefaultChannelGroup",
    "dateRange",
}
ADDITIVE = {
    "sessions": "TYPE_INTEGER",
    "activeUsers": "TYPE_INTEGER",
    "totalUsers": "TYPE_INTEGER",
    "newUsers": "TYPE_INTEGER",
    "engagedSessions": "TYPE_INTEGER",
    "screenPageViews": "TYPE_INTEGER",
    "eventCount": "TYPE_INTEGER",
    "keyEvents": "TYPE_INTEGER",
    "conversions": "TYPE_INTEGER",
    "totalRevenue": "TYPE_CURRENCY",
    "userEngagementDuration": "TYPE_SECONDS",
}
RATES = {
    "engagementRate": "TYPE_FLOAT",
    "bounceRate": "TYPE_FLOAT",
    "averageSessionDuration": "TYPE_SECONDS",
    "sessionKeyEventRate": "TYPE_FLOAT",
}
METRICS = {**ADDITIVE, **RATES}
TOP_KEYS = {
    "property",
    "dimensions",
    "metrics",
    "dateRanges",
    "dimensionFilter",
    "metricFilter",
    "offset",
    "limit",
    "metricAggregations",
    "orderBys",
    "currencyCode",
    "cohortSpec",
    "keepEmptyRows",
    "returnPropertyQuota",
    "comparisons",
}
SCHEMA = "https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema"
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2}|(\d+)daysAgo|yesterday|today)$")


class QueryError(ValueError):
    """A 400 INVALID_ARGUMENT with GA's wording."""


@dataclass
class Query:
    dimensions: list[str]
    metrics: list[str]
    ranges: list[tuple[date, date]]
    range_names: list[str] = field(default_factory=list)
    dimension_filter: dict[str, Any] | None = None
    metric_filter: dict[str, Any] | None = None
    order_bys: list[dict[str, Any]] = field(default_factory=list)
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    aggregations: list[str] = field(default_factory=list)
    keep_empty: bool = False
    return_quota: bool = False


def _day(text: Any, today: date, where: str) -> date:
    m = _DATE.match(str(text or ""))
    if not m:
        raise QueryError(
            f"Field {where} has an invalid date {text!r}. Use YYYY-MM-DD, NdaysAgo, "
            "yesterday or today."
        )
    if m.group(2) is not None:
        return today - timedelta(days=int(m.group(2)))
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise QueryError(f"Field {where} has an invalid date {text!r}.") from None


def parse(body: Any, today: date) -> Query:
    if not isinstance(body, dict):
        raise QueryError("Invalid JSON payload received. Expected an object.")
    for key in body:
        if key not in TOP_KEYS:
            raise QueryError(
                f'Invalid JSON payload received. Unknown name "{key}": Cannot find field.'
            )
    dims = [str((d or {}).get("name", "")) for d in body.get("dimensions") or []]
    mets = [str((m or {}).get("name", "")) for m in body.get("metrics") or []]
    ranges_in = body.get("dateRanges") or []
    if not 1 <= len(ranges_in) <= MAX_RANGES:
        raise QueryError(f"A report takes 1 to {MAX_RANGES} date ranges; {len(ranges_in)} given.")
    if len(dims) > MAX_DIMS:
        raise QueryError(f"Requests are limited to {MAX_DIMS} dimensions within a request.")
    if not 1 <= len(mets) <= MAX_METRICS:
        raise QueryError(
            f"Requests are limited to {MAX_METRICS} metrics within a request, and "
            "at least one is required."
        )
    for d in dims:
        if d not in DIMENSIONS:
            raise QueryError(
                f"Field {d} is not a valid dimension. For a list of valid dimensions "
                f"and metrics, see {SCHEMA} "
            )
    for m in mets:
        if m not in METRICS:
            raise QueryError(
                f"Field {m} is not a valid metric. For a list of valid dimensions "
                f"and metrics, see {SCHEMA} "
            )
    ranges, names = [], []
    for i, r in enumerate(ranges_in):
        first = _day((r or {}).get("startDate"), today, f"dateRanges[{i}].startDate")
        last = _day((r or {}).get("endDate"), today, f"dateRanges[{i}].endDate")
        if first > last:
            raise QueryError(f"dateRanges[{i}]: startDate must be on or before endDate.")
        ranges.append((first, last))
        names.append(str((r or {}).get("name") or f"date_range_{i}"))
    try:
        limit, offset = int(body.get("limit") or 0) or DEFAULT_LIMIT, int(body.get("offset") or 0)
    except (TypeError, ValueError):
        raise QueryError("limit and offset must be integers.") from None
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise QueryError(
            f"limit must be between 1 and {MAX_LIMIT} and offset must not be negative."
        )
    if len(ranges) > 1 and "dateRange" not in dims:
        dims.append("dateRange")
    return Query(
        dims,
        mets,
        ranges,
        names,
        body.get("dimensionFilter"),
        body.get("metricFilter"),
        list(body.get("orderBys") or []),
        limit,
        offset,
        [str(a) for a in body.get("metricAggregations") or []],
        bool(body.get("keepEmptyRows")),
        bool(body.get("returnPropertyQuota")),
    )


def _string_match(value: str, f: dict[str, Any]) -> bool:
    want = str(f.get("value", ""))
    case = bool(f.get("caseSensitive"))
    v, w = (value, want) if case else (value.lower(), want.lower())
    kind = f.get("matchType", "EXACT")
    if kind in ("FULL_REGEXP", "PARTIAL_REGEXP"):
        rx = re.compile(want, 0 if case else re.I)
        return bool(rx.fullmatch(value) if kind == "FULL_REGEXP" else rx.search(value))
    return {
        "EXACT": v == w,
        "BEGINS_WITH": v.startswith(w),
        "ENDS_WITH": v.endswith(w),
        "CONTAINS": w in v,
    }.get(kind, False)


def _num(v: dict[str, Any] | None) -> float:
    v = v or {}
    return float(v.get("int64Value", v.get("doubleValue", 0)))


def matches(expr: dict[str, Any] | None, values: dict[str, Any]) -> bool:
    """Evaluate a FilterExpression against one row's values."""
    if not expr:
        return True
    if "andGroup" in expr:
        return all(matches(e, values) for e in expr["andGroup"].get("expressions") or [])
    if "orGroup" in expr:
        return any(matches(e, values) for e in expr["orGroup"].get("expressions") or [])
    if "notExpression" in expr:
        return not matches(expr["notExpression"], values)
    f = expr.get("filter") or {}
    name = f.get("fieldName")
    if name not in values:
        raise QueryError(f"Field {name} in the filter is not a dimension or metric of this report.")
    v = values[name]
    if "stringFilter" in f:
        return _string_match(str(v), f["stringFilter"])
    if "inListFilter" in f:
        lst = f["inListFilter"]
        vals = {
            str(x) if lst.get("caseSensitive") else str(x).lower() for x in lst.get("values") or []
        }
        return (str(v) if lst.get("caseSensitive") else str(v).lower()) in vals
    if "numericFilter" in f:
        op, x = f["numericFilter"].get("operation"), _num(f["numericFilter"].get("value"))
        y = float(v)
        return {
            "EQUAL": y == x,
            "LESS_THAN": y < x,
            "LESS_THAN_OR_EQUAL": y <= x,
            "GREATER_THAN": y > x,
            "GREATER_THAN_OR_EQUAL": y >= x,
        }.get(op, False)
    if "betweenFilter" in f:
        b = f["betweenFilter"]
        return _num(b.get("fromValue")) <= float(v) <= _num(b.get("toValue"))
    if "emptyFilter" in f:
        return v in ("", "(not set)", None)
    raise QueryError(f"Filter on {name} has no supported filter type.")


def _finish(m: dict[str, float]) -> dict[str, float]:
    s = m.get("sessions", 0) or 0
    out = dict(m)
    out["engagementRate"] = m.get("engagedSessions", 0) / s if s else 0.0
    out["bounceRate"] = 1 - out["engagementRate"] if s else 0.0
    out["averageSessionDuration"] = m.get("userEngagementDuration", 0) / s if s else 0.0
    out["sessionKeyEventRate"] = min(m.get("keyEvents", 0) / s, 1.0) if s else 0.0
    return out


def _fmt(value: float, kind: str) -> str:
    if kind == "TYPE_INTEGER":
        return str(int(value))
    return repr(round(float(value), 6))


def run(q: Query, facts: list[dict[str, Any]]) -> dict[str, Any]:
    groups: dict[tuple[str, ...], dict[str, float]] = {}
    for f in facts:
        if not matches(q.dimension_filter, f["dims"]):
            continue
        key = tuple(str(f["dims"].get(d, "(not set)")) for d in q.dimensions)
        acc = groups.setdefault(key, {})
        for k, v in f["metrics"].items():
            acc[k] = acc.get(k, 0) + v
    rows = []
    for key, acc in groups.items():
        m = _finish(acc)
        if not q.keep_empty and not any(m.get(x) for x in q.metrics):
            continue
        if q.metric_filter and not matches(q.metric_filter, m):
            continue
        rows.append((key, m))
    rows.sort(key=lambda r: r[0])
    for ob in reversed(q.order_bys):  # stable sorts, last key first
        rows.sort(key=_order_key(q, ob), reverse=bool(ob.get("desc")))
    page = rows[q.offset : q.offset + q.limit]

    def row(key: tuple[str, ...], m: dict[str, float]) -> dict[str, Any]:
        return {
            "dimensionValues": [{"value": v} for v in key],
            "metricValues": [{"value": _fmt(m.get(x, 0), METRICS[x])} for x in q.metrics],
        }

    out: dict[str, Any] = {
        "dimensionHeaders": [{"name": d} for d in q.dimensions],
        "metricHeaders": [{"name": m, "type": METRICS[m]} for m in q.metrics],
        "rows": [row(k, m) for k, m in page],
        "rowCount": len(rows),
        "metadata": {"currencyCode": "USD", "timeZone": "Etc/UTC"},
        "kind": "analyticsData#runReport",
    }
    if not rows:
        out.pop("rows")
    reserved = {"TOTAL": "totals", "MAXIMUM": "maximums", "MINIMUM": "minimums"}
    for agg in q.aggregations:
        if agg not in reserved or not rows:
            continue
        if agg == "TOTAL":  # rates of the total are recomputed from the summed counts
            total = _finish({k: sum(m.get(k, 0) for _, m in rows) for k in ADDITIVE})
        else:
            pick = max if agg == "MAXIMUM" else min
            total = {x: pick(m.get(x, 0) for _, m in rows) for x in q.metrics}
        out[reserved[agg]] = [row(tuple(f"RESERVED_{agg}" for _ in q.dimensions), total)]
    return out


def _order_key(q: Query, ob: dict[str, Any]) -> Any:
    """The sort key of one orderBy: a metric's value or a requested dimension's value."""
    if "metric" in ob:
        name = str(ob["metric"].get("metricName"))
        return lambda r: r[1].get(name, 0)
    dim = (ob.get("dimension") or {}).get("dimensionName")
    i = q.dimensions.index(dim) if dim in q.dimensions else 0
    return lambda r: r[0][i] if r[0] else ""
