"""LinkedIn's rules for the choke point: its error bodies and its 00:00 UTC daily reset.

LinkedIn sends no rate-limit headers; a 429 means a daily limit, which resets at midnight UTC.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx

from mktdirector.core import errors as E
from mktdirector.core.policy import GenericPolicy
from mktdirector.integrations._api_helpers import rebuild
from mktdirector.integrations.social import DuplicateContentError

DOCS = "docs/integrations/linkedin.md"
_URN = re.compile(r"urn:li:(?:share|ugcPost|activity):[0-9]+")
_AUTH_CODES = {"65600", "INVALID_ACCESS_TOKEN", "REVOKED_ACCESS_TOKEN", "EXPIRED_ACCESS_TOKEN"}


class LinkedInVersionError(E.BadRequestError):
    """426 NONEXISTENT_VERSION: the configured `LinkedIn-Version` has been sunset."""

    exit_code = E.ExitCode.CONFIG
    kind = "version"


def suggested_version(now: datetime | None = None) -> str:
    """Last month as YYYYMM: always an active version (they live at least a year)."""
    first = (now or datetime.now(UTC)).replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y%m")


class LinkedInPolicy(GenericPolicy):
    request_id_headers = ("x-li-uuid", *GenericPolicy.request_id_headers)

    def __init__(self, version: Callable[[], str]) -> None:
        self._version = version  # the configured LinkedIn-Version, named in a 426's message

    def classify(
        self, response: httpx.Response, error: E.ApiStatusError
    ) -> E.ApiStatusError | None:
        try:
            data = response.json()
        except ValueError:
            data = {}
        data = data if isinstance(data, dict) else {}
        message = str(data.get("message") or "")[:300]
        codes = {str(data.get(k)) for k in ("code", "serviceErrorCode") if data.get(k)}
        details = (data.get("errorDetails") or {}).get("inputErrors") or []
        codes |= {str(d.get("code")) for d in details if isinstance(d, dict) and d.get("code")}
        status = response.status_code
        where = f"LinkedIn {error.method} {error.path}"
        if status == 426 or "NONEXISTENT_VERSION" in codes:
            v = suggested_version()
            return rebuild(
                error,
                LinkedInVersionError,
                f"{where}: LinkedIn-Version {self._version()} is no longer active ({message}).",
                code="NONEXISTENT_VERSION",
                hint=f"mktd config set linkedin.version {v}  (YYYYMM, less than a year old)",
            )
        if "DUPLICATE_POST" in codes or (status == 422 and "duplicate" in message.lower()):
            m = _URN.search(message)
            return rebuild(
                error,
                DuplicateContentError,
                f"{where}: LinkedIn refused the post as a duplicate"
                + (f" of {m.group(0)}." if m else "."),
                code="DUPLICATE_POST",
                existing_id=m.group(0) if m else None,
                hint="Publishing adopts it only after its own lost attempt; else change the text",
            )
        if status == 401:
            what = "revoked" if "REVOKED" in " ".join(codes) else "expired or invalid"
            return rebuild(
                error,
                E.AuthenticationError,
                f"{where}: LinkedIn rejected the access token ({what}).",
                code=next(iter(codes & _AUTH_CODES), error.code),
                hint="mktd authorize linkedin",
            )
        if status == 403:
            return rebuild(
                error,
                E.PermissionDeniedError,
                f"{where}: not permitted ({message or 'missing scope or product'}).",
                hint=f"Add the product that grants it to the app ({DOCS}), then "
                "mktd authorize linkedin",
            )
        if status == 429:
            assert isinstance(error, E.RateLimitError)
            return rebuild(
                error,
                E.RateLimitError,
                f"{where}: LinkedIn daily limit reached (resets at 00:00 UTC).",
                retry_after=error.retry_after,
            )
        return None

    def retry_after(self, response: httpx.Response, now: float) -> float | None:
        """LinkedIn sends no reset headers; its daily limits reset at 00:00 UTC."""
        return (now // 86400 + 1) * 86400 - now
