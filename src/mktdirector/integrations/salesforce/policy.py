"""Salesforce's rules for the choke point: the `Sforce-Limit-Info` header and its error bodies.

Facts (reference card api-crm-email.md section 4.5-4.6): every REST answer carries
`Sforce-Limit-Info: api-usage=USED/LIMIT` (newer orgs add `; api-bursts=N/M`), the org's
rolling 24-hour allocation. Over it, Salesforce answers **403 `REQUEST_LIMIT_EXCEEDED`**, not
429, and sends no Retry-After. Error bodies are a JSON array `[{"message", "errorCode",
"fields"}]`; the token endpoint answers `{"error", "error_description"}` instead (oauth/flow.py).
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from mktdirector.core import errors as E
from mktdirector.core.policy import GenericPolicy, RateCounter
from mktdirector.integrations._api_helpers import rebuild

LIMIT_HEADER = "sforce-limit-info"
_USAGE = re.compile(r"(?<![\w-])api-usage\s*=\s*(\d+)\s*/\s*(\d+)", re.I)
# The daily allocation is a rolling 24 hours: calls free up as the oldest age out. Salesforce
# says nothing about when, so a used-up allocation is looked at again after an hour.
ROLLING_RECHECK_S = 3600.0
# The other REQUEST_LIMIT_EXCEEDED: too many concurrent long-running (>= 20 s) requests.
CONCURRENT_WAIT_S = 20.0
LOCK_WAIT_S = 1.0  # UNABLE_TO_LOCK_ROW: another transaction holds the record for a moment
FIELD_SETTING = "salesforce.field_map"
_NO_COLUMN = re.compile(r"No such column '([^']+)'", re.I)
_BAD_TYPE = re.compile(r"sObject type '([^']+)'", re.I)
AUTH_STEPS = (
    "mktd authorize salesforce  (or set SALESFORCE_ACCESS_TOKEN with SALESFORCE_INSTANCE_URL)"
)


class InvalidFieldError(E.BadRequestError):
    """INVALID_FIELD / INVALID_TYPE: a mapped field or object the org does not have."""

    kind = "invalid_field"

    def __init__(self, message: str, *, field: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.field = field


class RowLockedError(E.ServerError):
    """UNABLE_TO_LOCK_ROW: nothing was written; the same request may be sent again shortly."""

    kind = "row_locked"
    retry_after = LOCK_WAIT_S


def api_usage(headers: httpx.Headers) -> tuple[int, int] | None:
    """(used, limit) from `Sforce-Limit-Info`, or None when the header is missing or odd."""
    m = _USAGE.search(headers.get(LIMIT_HEADER) or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def errors_of(response: httpx.Response) -> list[dict[str, Any]]:
    """The `[{"message","errorCode","fields"}]` of an error answer ([] when it is not one)."""
    try:
        data = json.loads(response.content or b"null")
    except ValueError:
        return []
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        return []
    return [d for d in data if isinstance(d, dict) and (d.get("errorCode") or d.get("message"))]


def field_error_message(code: str, message: str, fields: list[str]) -> tuple[str, str | None]:
    """(one line naming the field and the setting, the field) for INVALID_FIELD/INVALID_TYPE."""
    found = _NO_COLUMN.search(message) or _BAD_TYPE.search(message)
    name = found.group(1) if found else (fields[0] if fields else None)
    what = "object" if code == "INVALID_TYPE" else "field"
    named = f" {name!r}" if name else ""
    return (
        f"Salesforce has no {what}{named} here ({code}); it comes from the field mapping "
        f"({FIELD_SETTING}) or the CSV's columns.",
        name,
    )


class SalesforcePolicy(GenericPolicy):
    request_id_headers: tuple[str, ...] = ("sforce-request-id", "x-request-id")

    def rate_counters(self, headers: httpx.Headers, now: float) -> list[RateCounter]:
        usage = api_usage(headers)
        if usage is None:
            return []
        used, limit = usage
        return [RateCounter("app-day", limit, max(limit - used, 0), now + ROLLING_RECHECK_S)]

    def classify(
        self, response: httpx.Response, error: E.ApiStatusError
    ) -> E.ApiStatusError | None:
        errs = errors_of(response)
        first = errs[0] if errs else {}
        code = str(first.get("errorCode") or "")
        message = str(first.get("message") or "").strip()
        fields = [str(f) for f in first.get("fields") or []]
        if code == "REQUEST_LIMIT_EXCEEDED":
            concurrent = "concurrent" in message.lower()
            wait = CONCURRENT_WAIT_S if concurrent else ROLLING_RECHECK_S
            what = (
                "too many long-running requests at once"
                if concurrent
                else "the org's daily API request allocation (rolling 24 hours) is used up"
            )
            return rebuild(
                error,
                E.RateLimitError,
                f"Salesforce refused the call: {what} (REQUEST_LIMIT_EXCEEDED).",
                retry_after=wait,
                status_code=response.status_code,
                code=code,
            )
        if response.status_code == 401 or code == "INVALID_SESSION_ID":
            return rebuild(
                error,
                E.AuthenticationError,
                "Salesforce refused the session (INVALID_SESSION_ID): the access token expired "
                "or was revoked.",
                hint=AUTH_STEPS,
                code=code or None,
            )
        if code in ("INVALID_FIELD", "INVALID_TYPE"):
            text, name = field_error_message(code, message, fields)
            return rebuild(
                error,
                InvalidFieldError,
                text,
                field=name,
                code=code,
                hint=f"Fix the mapping: mktd config set {FIELD_SETTING} 'column=Field,...', "
                "or create the field in Salesforce Setup → Object Manager",
            )
        if code == "UNABLE_TO_LOCK_ROW":
            return rebuild(
                error,
                RowLockedError,
                "Salesforce could not lock a record another transaction holds (UNABLE_TO_LOCK_ROW).",
                code=code,
            )
        if response.status_code == 403:
            return rebuild(
                error,
                E.PermissionDeniedError,
                f"Salesforce refused the call ({code or 'HTTP 403'}): "
                f"{message or 'the user lacks a permission'}",
                code=code or None,
                hint="The user needs 'API Enabled' and access to Leads/Campaigns (Setup → "
                "Profiles or Permission Sets), then retry",
            )
        if code and message:
            # Salesforce's own words replace the generic "HTTP 503: ..." tail.
            what = f"salesforce {error.method} {error.path} failed: HTTP {response.status_code}"
            return rebuild(error, type(error), f"{what} {code}: {message}", code=code)
        return None
