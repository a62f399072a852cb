"""Google Analytics 4 Data API client: service-account token, runReport, batchRunReports.

The service-account JSON (GOOGLE_ANALYTICS_CREDENTIALS_PATH, or the key stored by
`mktd authorize google-analytics --credentials FILE`) becomes an RS256-signed JWT that is
exchanged for a one-hour token. google-auth builds and signs the JWT; the exchange goes through
our HTTP choke point (a google-auth transport adapter), so it is rate limited, audited and
classified like every other call. The token URL is `MKTD_GOOGLE_ANALYTICS_TOKEN_URL` or
`google-analytics.token_url` when set (tests and proxies). Facts: reference card section 2.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from mktdirector.core import errors as E
from mktdirector.core.clock import Now
from mktdirector.core.credentials import Connection
from mktdirector.core.http import HttpClient
from mktdirector.core.platforms import url_override
from mktdirector.core.policy import PlatformPolicy
from mktdirector.core.ratelimit import per_second
from mktdirector.core.redact import register
from mktdirector.integrations._api_helpers import checked, rate_limit, rebuild
from mktdirector.integrations.base import BearerAuth, ConnectionCheck, HttpFactory, Integration
from mktdirector.integrations.google_analytics.auth import (
    DEFAULT_TOKEN_URL,
    GA_SCOPE,
    KEY_STEPS,
    ChokePointTransport,
    load_service_account,
    read_key_file,
)
from mktdirector.integrations.google_analytics.models import (
    ATTRIBUTION_DIMENSIONS,
    ATTRIBUTION_METRICS,
    MAX_BATCH,
    PAGE_SIZE,
    DateRange,
    DateRangeLike,
    Report,
    ReportRequest,
    parse_report,
)
from mktdirector.integrations.google_analytics.policy import (
    GoogleAnalyticsPolicy,
    next_pacific_midnight,
)

PROPERTY_ENV = "GOOGLE_ANALYTICS_PROPERTY_ID"
REPORT = "/v1beta/properties/{property_id}:runReport"
BATCH = "/v1beta/properties/{property_id}:batchRunReports"


class GoogleAnalyticsClient(Integration):
    """GA4 Data API v1beta over the choke point, authenticated as a service account."""

    name = "google-analytics"
    default_base_url = "https://analyticsdata.googleapis.com"
    # The brief's 10 req/s; GA4 itself meters tokens per property (see PropertyQuota).
    rate_limits = (per_second("requests", 10),)

    def __init__(self, *, http_factory: HttpFactory, **kw: Any) -> None:
        self._http_factory = http_factory
        self._token_http: HttpClient | None = None
        self._creds: Any = None  # google.oauth2.service_account.Credentials, built lazily
        self._token: str | None = None
        self._info: dict[str, Any] | None = None
        self._current_property = "?"  # for error messages
        self._pinned_now: Now | None = None
        super().__init__(http_factory=http_factory, **kw)
        # 5xx responses use up an hourly per-property error quota (10/h): retry them once.
        self.http.max_retries = min(self.http.max_retries, 1)

    def auth(self) -> httpx.Auth:
        return BearerAuth(lambda: self._token, refresh=self.refresh)

    def policy(self) -> PlatformPolicy:
        return GoogleAnalyticsPolicy(
            account_email=lambda: self.service_account_email,
            property_id=lambda: self._current_property,
            project_id=lambda: (self._info or {}).get("project_id"),
            clock=lambda: self.clock(),
        )

    @property
    def clock(self) -> Now:
        """The time quota resets are computed from: the choke point's clock, unless pinned."""
        return self._pinned_now or self.http.clock.now

    @clock.setter
    def clock(self, now: Now) -> None:
        # Pins the quota arithmetic alone (e.g. at half past an hour), not the waits.
        self._pinned_now = now

    # credentials -------------------------------------------------------------------------------
    load_service_account = staticmethod(load_service_account)

    @classmethod
    def connection_from_file(cls, path: str | Path, account: str = "default") -> Connection:
        """A Connection holding the key's JSON (for the keyring), as `authorize` saves it."""
        info = cls.load_service_account(str(path))  # readable, valid, a service account
        text = read_key_file(Path(path).expanduser())  # load_service_account read it: it is small
        return Connection(
            "google-analytics",
            account=account,
            api_key=text,
            user_id=info["client_email"],
            obtained_at=time.time(),
            extra={"project_id": info.get("project_id"), "key_id": info.get("private_key_id")},
        )

    def service_account(self) -> dict[str, Any]:
        if self._info is None:
            self._info = self.load_service_account(self.require_connection().secret() or "")
        return self._info

    @property
    def service_account_email(self) -> str | None:
        try:
            return str(self.service_account()["client_email"])
        except E.MktdError:
            return None

    def token_url(self) -> str:
        return (
            url_override(self.name, "token")
            or self.config(f"{self.name}.token_url")
            or DEFAULT_TOKEN_URL
        )

    def property_id(self, value: str | int | None = None) -> str:
        """A numeric property id from the argument, GOOGLE_ANALYTICS_PROPERTY_ID or the store."""
        raw = value if value is not None else os.environ.get(PROPERTY_ENV, "").strip()
        if not raw and self.connection is not None:
            raw = self.connection.extra.get("property_id") or ""
        pid = str(raw).strip().removeprefix("properties/")
        if not pid:
            raise E.ConfigError(
                "No GA4 property id is set.",
                hint=f"Set {PROPERTY_ENV} (GA4 Admin → Property settings → Property ID)",
            )
        if not pid.isdigit():
            raise E.UsageError(f"GA4 property id must be numeric, got {pid!r}.")
        return pid

    def access_token(self, *, force: bool = False) -> str:
        """A valid access token, exchanged through the choke point when missing or expiring."""
        from google.auth.exceptions import GoogleAuthError

        if self._creds is None:
            from google.oauth2 import service_account

            info = dict(self.service_account(), token_uri=self.token_url())
            try:
                self._creds = service_account.Credentials.from_service_account_info(
                    info, scopes=[GA_SCOPE]
                )
            except (ValueError, GoogleAuthError):
                raise E.ConfigError(
                    "The private_key in the service-account key cannot be read.", hint=KEY_STEPS
                ) from None
        if force or not self._creds.valid:
            try:
                self._creds.refresh(ChokePointTransport(self._token_client()))
            except E.ApiStatusError as e:
                if e.status_code >= 500 or isinstance(e, E.RateLimitError):
                    raise
                detail = e.message.rsplit(f"HTTP {e.status_code}: ", 1)[-1]
                raise rebuild(
                    e,
                    E.AuthenticationError,
                    f"Google refused the service-account key of {self.service_account_email} "
                    f"({e.code or e.status_code}: {detail.rstrip('.')}).",
                    hint="The key may be deleted or disabled, or this computer's clock is wrong. "
                    + KEY_STEPS,
                ) from None
            except GoogleAuthError as e:
                raise E.ApiResponseError(
                    f"Google did not issue a token ({type(e).__name__}).",
                    platform=self.name,
                    hint=KEY_STEPS,
                ) from None
            self._token = str(self._creds.token)
            register(self._token)
        return self._token or ""

    def _token_client(self) -> HttpClient:
        if self._token_http is None:
            parts = urlsplit(self.token_url())
            self._token_http = self._http_factory(
                platform=self.name,
                base_url=f"{parts.scheme}://{parts.netloc}",
                account=self.account,
                limits=(),
            )
        return self._token_http

    def refresh(self) -> bool:
        """After a 401: exchange a fresh token once, then the request is tried again."""
        self.access_token(force=True)
        return True

    # reports ---------------------------------------------------------------------------------
    def run_report(
        self,
        property_id: str | int | None = None,
        date_ranges: Sequence[DateRangeLike] = (("28daysAgo", "today"),),
        dimensions: Sequence[str] = (),
        metrics: Sequence[str] = ("sessions",),
        filters: Mapping[str, Any] | None = None,
        limit: int | None = None,
        offset: int = 0,
        *,
        metric_filter: Mapping[str, Any] | None = None,
        order_bys: Sequence[Mapping[str, Any]] = (),
        page_size: int = PAGE_SIZE,
    ) -> Report:
        """Run a report and page through it (`offset += limit` while rows remain).

        `limit` caps the rows returned in all (None = every row); `filters` is a
        dimensionFilter (see `dimension_filter`). Metric values come back as int or float.
        """
        pid = self.property_id(property_id)
        request = ReportRequest(
            date_ranges, dimensions, metrics, filters, metric_filter, order_bys, limit, offset
        )
        report: Report | None = None
        fetched = 0
        while True:
            want = page_size if limit is None else min(page_size, limit - fetched)
            body = request.body(limit=want, offset=offset + fetched)
            page = parse_report(self._post(REPORT, pid, body), pid, self.label)
            if report is None:
                report = page
            else:
                report.rows.extend(page.rows)
                report.quota = page.quota or report.quota
            fetched += len(page.rows)
            done = not page.rows or offset + fetched >= page.row_count
            if done or (limit is not None and fetched >= limit):
                return report

    def batch_run_reports(
        self, property_id: str | int | None, requests: Sequence[ReportRequest]
    ) -> list[Report]:
        """Up to 5 reports on one property in one call (one page each: set their `limit`)."""
        if not 1 <= len(requests) <= MAX_BATCH:
            raise E.UsageError(f"batchRunReports takes 1 to {MAX_BATCH} reports.")
        pid = self.property_id(property_id)
        data = self._post(BATCH, pid, {"requests": [r.body() for r in requests]}, "reports")
        if not isinstance(data["reports"], list) or len(data["reports"]) != len(requests):
            raise E.ApiResponseError(
                f"{self.label} answered {len(requests)} report requests with a different "
                "number of reports.",
                platform=self.name,
            )
        return [parse_report(r, pid, self.label) for r in data["reports"]]

    def traffic(
        self,
        property_id: str | int | None = None,
        date_range: DateRangeLike = ("28daysAgo", "today"),
        *,
        dimensions: Sequence[str] = ATTRIBUTION_DIMENSIONS,
        metrics: Sequence[str] = ATTRIBUTION_METRICS,
        filters: Mapping[str, Any] | None = None,
    ) -> Report:
        """Sessions, users, engagement, key events and revenue by source/campaign/post/day."""
        return self.run_report(property_id, [date_range], dimensions, metrics, filters)

    def quota_now(self, property_id: str | int | None = None) -> Report:
        """A one-row report on today: the cheapest call that returns the property's quota."""
        return self.run_report(
            self.property_id(property_id), [DateRange("today", "today")], limit=1
        )

    def test_connection(self) -> ConnectionCheck:
        """A one-row report on GOOGLE_ANALYTICS_PROPERTY_ID; also returns the token quota."""

        def probe() -> ConnectionCheck:
            pid = self.property_id()
            report = self.run_report(pid, [DateRange("yesterday", "yesterday")], limit=1)
            day = report.quota.tokens_per_day if report.quota else None
            return ConnectionCheck(
                "connected",
                self.name,
                user_id=self.service_account_email,
                organization_id=pid,
                rate_limit=rate_limit(
                    day.remaining if day else None, next_pacific_midnight(self.clock())
                ),
                detail=f"property {pid} readable as {self.service_account_email}",
            )

        return checked(self.name, probe)

    def connection_probe_request(self) -> httpx.Request:
        """The request `test_connection` sends (for --dry-run; no token is fetched)."""
        body = ReportRequest([DateRange("yesterday", "yesterday")], limit=1).body()
        return self.http.build_request(
            "POST", REPORT, path_params={"property_id": self.property_id()}, json=body
        )

    # plumbing ---------------------------------------------------------------------------------
    def _post(self, path: str, pid: str, body: dict[str, Any], field: str = "") -> Any:
        self.access_token()
        self._current_property = pid
        # Reports only read: safe to resend after a timeout.
        response = self.http.request(
            "POST", path, path_params={"property_id": pid}, json=body, idempotent=True
        )
        return self.json(response, field or "metricHeaders")
