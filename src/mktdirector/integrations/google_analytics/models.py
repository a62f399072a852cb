"""GA4 Data API v1beta request building and response parsing (reference card section 2.3).

Every value in a report is a string on the wire; metrics are parsed by their header type:
TYPE_INTEGER to int, every other type (FLOAT, CURRENCY, SECONDS, ...) to float.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Union

from mktdirector.core.errors import ApiResponseError, UsageError

# The traffic and attribution fields issue 5 asks for (session-scoped, mutually compatible).
ATTRIBUTION_DIMENSIONS = (
    "sessionSource",
    "sessionMedium",
    "sessionCampaignName",
    "sessionManualAdContent",  # utm_content = the mktd draft id
    "landingPage",
    "date",
)
ATTRIBUTION_METRICS = ("sessions", "activeUsers", "engagedSessions", "keyEvents", "totalRevenue")
MAX_DIMENSIONS, MAX_METRICS, MAX_DATE_RANGES, MAX_BATCH = 9, 10, 4, 5
PAGE_SIZE, MAX_PAGE_SIZE = 10_000, 250_000
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d+daysAgo|yesterday|today")
_FILTER_KEYS = {"andGroup", "orGroup", "notExpression", "filter"}


@dataclass(frozen=True)
class DateRange:
    """`YYYY-MM-DD`, `NdaysAgo`, `yesterday` or `today`, in the property's time zone."""

    start: str
    end: str
    name: str | None = None

    def to_api(self) -> dict[str, str]:
        for v in (self.start, self.end):
            if not _DATE.fullmatch(v):
                raise UsageError(
                    f"Bad GA4 date {v!r}: use YYYY-MM-DD, NdaysAgo, yesterday or today."
                )
        d = {"startDate": self.start, "endDate": self.end}
        if self.name:
            d["name"] = self.name
        return d


DateRangeLike = Union[DateRange, tuple[str, str], Mapping[str, str]]  # noqa: UP007


def as_date_range(value: DateRangeLike) -> DateRange:
    if isinstance(value, DateRange):
        return value
    if isinstance(value, Mapping):
        return DateRange(
            str(value.get("startDate") or value.get("start")),
            str(value.get("endDate") or value.get("end")),
            value.get("name"),
        )
    start, end = value
    return DateRange(start, end)


def dimension_filter(filters: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A FilterExpression: passed through as is, or built from `{dimension: value(s)}`.

    `{"sessionMedium": "social", "sessionSource": ["linkedin.com", "t.co"]}` means
    sessionMedium is exactly "social" AND sessionSource is one of the two.
    """
    if not filters:
        return None
    if set(filters) & _FILTER_KEYS:
        return dict(filters)
    exprs = []
    for name, value in filters.items():
        if isinstance(value, list | tuple | set | frozenset):
            f = {"fieldName": name, "inListFilter": {"values": [str(v) for v in value]}}
        else:
            f = {"fieldName": name, "stringFilter": {"matchType": "EXACT", "value": str(value)}}
        exprs.append({"filter": f})
    return exprs[0] if len(exprs) == 1 else {"andGroup": {"expressions": exprs}}


@dataclass(frozen=True)
class ReportRequest:
    """One runReport body (also an item of batchRunReports)."""

    date_ranges: Sequence[DateRangeLike]
    dimensions: Sequence[str] = ()
    metrics: Sequence[str] = ("sessions",)
    filters: Mapping[str, Any] | None = None  # dimensionFilter, see dimension_filter()
    metric_filter: Mapping[str, Any] | None = None  # a raw FilterExpression
    order_bys: Sequence[Mapping[str, Any]] = ()
    limit: int | None = None
    offset: int = 0
    keep_empty_rows: bool = False
    return_property_quota: bool = True

    def body(self, *, limit: int | None = None, offset: int | None = None) -> dict[str, Any]:
        ranges = [as_date_range(d).to_api() for d in self.date_ranges]
        if not 1 <= len(ranges) <= MAX_DATE_RANGES:
            raise UsageError(f"A GA4 report takes 1 to {MAX_DATE_RANGES} date ranges.")
        if len(self.dimensions) > MAX_DIMENSIONS or not 1 <= len(self.metrics) <= MAX_METRICS:
            raise UsageError(
                f"A GA4 report takes at most {MAX_DIMENSIONS} dimensions and 1 to "
                f"{MAX_METRICS} metrics."
            )
        n = self.limit if limit is None else limit
        body: dict[str, Any] = {
            "dateRanges": ranges,
            "dimensions": [{"name": d} for d in self.dimensions],
            "metrics": [{"name": m} for m in self.metrics],
            "offset": self.offset if offset is None else offset,
            "returnPropertyQuota": self.return_property_quota,
        }
        if n is not None:
            if not 1 <= n <= MAX_PAGE_SIZE:
                raise UsageError(f"GA4 limit must be between 1 and {MAX_PAGE_SIZE:,}.")
            body["limit"] = n
        if (expr := dimension_filter(self.filters)) is not None:
            body["dimensionFilter"] = expr
        if self.metric_filter:
            body["metricFilter"] = dict(self.metric_filter)
        if self.order_bys:
            body["orderBys"] = [dict(o) for o in self.order_bys]
        if self.keep_empty_rows:
            body["keepEmptyRows"] = True
        return body


@dataclass(frozen=True)
class MetricHeader:
    name: str
    type: str  # TYPE_INTEGER | TYPE_FLOAT | TYPE_CURRENCY | TYPE_SECONDS | ...


@dataclass(frozen=True)
class ReportRow:
    dimensions: dict[str, str]
    metrics: dict[str, int | float]

    def to_dict(self) -> dict[str, Any]:
        return {**self.dimensions, **self.metrics}


@dataclass(frozen=True)
class QuotaStatus:
    consumed: int
    remaining: int


@dataclass(frozen=True)
class PropertyQuota:
    """`propertyQuota` of a report (returnPropertyQuota): what this property has left."""

    tokens_per_day: QuotaStatus | None = None
    tokens_per_hour: QuotaStatus | None = None
    tokens_per_project_per_hour: QuotaStatus | None = None
    concurrent_requests: QuotaStatus | None = None
    server_errors_per_project_per_hour: QuotaStatus | None = None
    potentially_thresholded_requests_per_hour: QuotaStatus | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any] | None) -> PropertyQuota | None:
        if not isinstance(data, Mapping):
            return None

        def status(key: str) -> QuotaStatus | None:
            q = data.get(key)
            if not isinstance(q, Mapping):
                return None
            return QuotaStatus(int(q.get("consumed") or 0), int(q.get("remaining") or 0))

        return cls(
            tokens_per_day=status("tokensPerDay"),
            tokens_per_hour=status("tokensPerHour"),
            tokens_per_project_per_hour=status("tokensPerProjectPerHour"),
            concurrent_requests=status("concurrentRequests"),
            server_errors_per_project_per_hour=status("serverErrorsPerProjectPerHour"),
            potentially_thresholded_requests_per_hour=status(
                "potentiallyThresholdedRequestsPerHour"
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Report:
    """A parsed report; `rows` hold every page fetched."""

    property_id: str
    dimension_headers: list[str]
    metric_headers: list[MetricHeader]
    rows: list[ReportRow] = field(default_factory=list)
    row_count: int = 0  # rows in the whole report, across pages
    quota: PropertyQuota | None = None
    currency_code: str | None = None
    time_zone: str | None = None
    subject_to_thresholding: bool = False
    empty_reason: str | None = None

    def records(self) -> list[dict[str, Any]]:
        """Rows as flat dicts (dimension and metric names as keys), ready to store."""
        return [r.to_dict() for r in self.rows]


def parse_report(data: Mapping[str, Any], property_id: str, label: str = "GA4") -> Report:
    """Parse one runReport response (one page)."""

    def bad(what: str) -> ApiResponseError:
        return ApiResponseError(
            f"{label} report answer is malformed: {what}.",
            platform="google-analytics",
            hint="The API may have changed; run with MKTD_DEBUG_HTTP=1 and report it",
        )

    try:
        dims = [str(h["name"]) for h in data.get("dimensionHeaders") or []]
        mets = [
            MetricHeader(str(h["name"]), str(h.get("type") or "")) for h in data["metricHeaders"]
        ]
    except (KeyError, TypeError):
        raise bad("header without a name") from None
    rows = []
    for raw in data.get("rows") or []:
        dvals = [v.get("value", "") for v in raw.get("dimensionValues") or []]
        mvals = [v.get("value") for v in raw.get("metricValues") or []]
        if len(dvals) != len(dims) or len(mvals) != len(mets):
            raise bad("a row does not match its headers")
        metrics = {h.name: _number(v, h, bad) for h, v in zip(mets, mvals, strict=True)}
        rows.append(ReportRow(dict(zip(dims, map(str, dvals), strict=True)), metrics))
    meta = data.get("metadata") or {}
    count = data.get("rowCount")
    return Report(
        property_id=property_id,
        dimension_headers=dims,
        metric_headers=mets,
        rows=rows,
        row_count=int(count)
        if isinstance(count, int | str) and str(count).isdigit()
        else len(rows),
        quota=PropertyQuota.from_api(data.get("propertyQuota")),
        currency_code=meta.get("currencyCode"),
        time_zone=meta.get("timeZone"),
        subject_to_thresholding=bool(meta.get("subjectToThresholding", False)),
        empty_reason=meta.get("emptyReason"),
    )


def _number(value: Any, header: MetricHeader, bad: Any) -> int | float:
    try:
        if header.type == "TYPE_INTEGER":
            try:
                return int(value)
            except ValueError:
                f = float(value)
                if not f.is_integer():
                    raise
                return int(f)
        return float(value)
    except (TypeError, ValueError):
        raise bad(f"metric {header.name} has the non-numeric value {str(value)[:20]!r}") from None
