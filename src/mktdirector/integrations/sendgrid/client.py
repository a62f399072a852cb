"""SendGrid v3 client: check the key's scopes, send (now or scheduled), cancel, read stats.

Auth is an API key sent as Bearer (SENDGRID_API_KEY or the keyring). `send()` is not
idempotent: it is never retried once it may have reached SendGrid (only a connect failure or
a 429 is retried by the choke point), and a 5xx says the outcome is unknown instead of
resending. Scheduled sends always get a batch id so they can be cancelled. SendGrid publishes
no per-endpoint rate numbers; its `X-RateLimit-*` headers drive the shared limiter.
Facts: reference card api-crm-email.md section 3; schemas in tests/contracts/specs/sendgrid-*.json.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

import httpx

from mktdirector.core import errors as E
from mktdirector.core.policy import PlatformPolicy
from mktdirector.core.redact import register
from mktdirector.integrations._api_helpers import (
    checked,
    header_int,
    rate_limit,
)
from mktdirector.integrations.base import ConnectionCheck, Integration
from mktdirector.integrations.capabilities import KeyCheck
from mktdirector.integrations.sendgrid.models import (
    MAX_CATEGORIES,
    EmailMessage,
    EmailMetrics,
    ScopeReport,
    SendResult,
    StatsRow,
    mail_send_body,
)
from mktdirector.integrations.sendgrid.policy import (
    SEND,
    SendGridPolicy,
)

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class SendGridClient(Integration):
    """SendGrid v3 over the choke point."""

    name = "sendgrid"
    default_base_url = "https://api.sendgrid.com"
    rate_limits = ()

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.last_rate: dict[str, Any] = rate_limit(None)
        if self.connection is not None:
            register(self.connection.secret())

    # key -------------------------------------------------------------------------------------
    def scopes(self) -> ScopeReport:
        """The key's permissions (`GET /v3/scopes`) and which mktd features they leave out."""
        data = self.json(self._request("GET", "/v3/scopes"), "scopes")
        if not isinstance(data["scopes"], list):
            raise E.ApiResponseError("SendGrid scopes answer is not a list.", platform=self.name)
        return ScopeReport.of([str(s) for s in data["scopes"]])

    def check_key(self) -> KeyCheck:
        """The key's permissions and what they leave out (`mktd authorize sendgrid`)."""
        report = self.scopes()
        return KeyCheck("", report.summary(), {"scopes": report.granted}, dict(report.missing))

    def test_connection(self) -> ConnectionCheck:
        """`connected` when the key can send mail; the detail lists permissions it lacks."""

        def probe() -> ConnectionCheck:
            report = self.scopes()
            return ConnectionCheck(
                "connected" if report.can_send else "error",
                self.name,
                rate_limit=self.last_rate,
                detail=report.summary(),
            )

        return checked(self.name, probe)

    def connection_probe_request(self) -> httpx.Request:
        """The request `test_connection` sends (for --dry-run)."""
        return self.http.build_request("GET", "/v3/scopes")

    # sending ---------------------------------------------------------------------------------
    def create_batch_request(self) -> httpx.Request:
        """The request `create_batch` sends (for --dry-run)."""
        return self.http.build_request("POST", "/v3/mail/batch")

    def create_batch(self) -> str:
        """A new batch id (`POST /v3/mail/batch`), to schedule sends that can be cancelled."""
        # An unused batch id is harmless, so creating one may be retried.
        response = self._request("POST", "/v3/mail/batch", idempotent=True)
        return str(self.json(response, "batch_id")["batch_id"])

    def validate(self, message: EmailMessage) -> None:
        """Raise UsageError for anything SendGrid would refuse; sends nothing."""
        mail_send_body(message)

    def build_send_request(self, message: EmailMessage) -> httpx.Request:
        """The exact mail/send request (for --dry-run); validates the message."""
        return self.http.build_request("POST", SEND, json=mail_send_body(message))

    def send(self, message: EmailMessage) -> SendResult:
        """Send or schedule one message. Returns SendGrid's X-Message-Id on 202.

        The body is validated first (UsageError, nothing sent). A scheduled message without
        a batch id gets one, so `cancel_scheduled` can stop it. Never resent blindly: after a
        timeout or 5xx the outcome is unknown and the error says so.
        """
        body = mail_send_body(message)
        if "send_at" in body and "batch_id" not in body:
            body["batch_id"] = self.create_batch()
        response = self._request("POST", SEND, json=body, idempotent=False)
        # A 202 means queued, whatever else is missing: never turn it into an error.
        return SendResult(
            message_id=response.headers.get("x-message-id"),
            batch_id=body.get("batch_id"),
            send_at=body.get("send_at"),
            recipients=sum(len(p["to"]) for p in body["personalizations"]),
            status_code=response.status_code,
        )

    def cancel_scheduled(self, batch_id: str, action: str = "cancel") -> str:
        """Cancel (or pause) every scheduled send of a batch; returns the status now set.

        SendGrid does not guarantee a cancel less than 10 minutes before the send time.
        """
        if action not in ("cancel", "pause"):
            raise E.UsageError("action must be cancel or pause.")
        try:
            self._request(
                "POST",
                "/v3/user/scheduled_sends",
                json={"batch_id": batch_id, "status": action},
                idempotent=True,
            )
            return action
        except E.BadRequestError:
            # A batch that already has a status answers 400; change it instead.
            current = self._scheduled_status(batch_id)
            if current == action:
                return action
            if current is None:
                raise
        self._request(
            "PATCH",
            "/v3/user/scheduled_sends/{batch_id}",
            path_params={"batch_id": batch_id},
            json={"status": action},
        )
        return action

    def _scheduled_status(self, batch_id: str) -> str | None:
        response = self._request(
            "GET", "/v3/user/scheduled_sends/{batch_id}", path_params={"batch_id": batch_id}
        )
        data = self.json(response)
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and item.get("batch_id") == batch_id:
                return str(item.get("status"))
        return None

    # stats -----------------------------------------------------------------------------------
    def stats(
        self,
        start: date | str,
        end: date | str | None = None,
        aggregated_by: str | None = None,
        *,
        limit: int | None = None,
        offset: int | None = None,
    ) -> list[StatsRow]:
        """Account-wide counters per day (or week/month) from `GET /v3/stats`."""
        params = self._period(start, end, aggregated_by)
        if limit is not None:
            params["limit"] = limit
        if offset is not None:
            params["offset"] = offset
        return self._stats_rows(self._request("GET", "/v3/stats", params=params))

    def category_stats(
        self,
        categories: Sequence[str],
        start: date | str,
        end: date | str | None = None,
        aggregated_by: str | None = None,
    ) -> list[StatsRow]:
        """Counters per category (up to 10) from `GET /v3/categories/stats`."""
        cats = list(dict.fromkeys(categories))
        if not 1 <= len(cats) <= MAX_CATEGORIES:
            raise E.UsageError(f"Give 1 to {MAX_CATEGORIES} categories.")
        params: list[tuple[str, Any]] = list(self._period(start, end, aggregated_by).items())
        params += [("categories", c) for c in cats]
        return self._stats_rows(self._request("GET", "/v3/categories/stats", params=params))

    @staticmethod
    def _period(start: date | str, end: date | str | None, by: str | None) -> dict[str, Any]:
        params: dict[str, Any] = {}
        for key, value in (("start_date", start), ("end_date", end)):
            if value is None:
                continue
            text = value.isoformat() if isinstance(value, date) else str(value)
            if not _DATE.fullmatch(text):
                raise E.UsageError(f"{key} must be YYYY-MM-DD, got {text!r}.")
            params[key] = text
        if by is not None:
            if by not in ("day", "week", "month"):
                raise E.UsageError("aggregated_by must be day, week or month.")
            params["aggregated_by"] = by
        return params

    def _stats_rows(self, response: httpx.Response) -> list[StatsRow]:
        data = self.json(response)
        if not isinstance(data, list):
            raise E.ApiResponseError(
                "SendGrid stats answer is not a list of days.", platform=self.name
            )
        rows = []
        for day in data:
            if not isinstance(day, dict) or "date" not in day:
                raise E.ApiResponseError(
                    "SendGrid stats answer is missing date.", platform=self.name
                )
            for item in day.get("stats") or []:
                rows.append(
                    StatsRow(
                        str(day["date"]),
                        EmailMetrics.from_api(item.get("metrics")),
                        item.get("name"),
                    )
                )
        return rows

    # plumbing --------------------------------------------------------------------------------
    def _request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        self.require_connection()
        response = self.http.request(method, path, **kw)
        remaining = header_int(response.headers, "x-ratelimit-remaining")
        if remaining is not None:
            reset = header_int(response.headers, "x-ratelimit-reset")
            self.last_rate = rate_limit(remaining, float(reset) if reset else None)
        return response

    def policy(self) -> PlatformPolicy:
        return SendGridPolicy()
