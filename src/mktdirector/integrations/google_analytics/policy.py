"""Google Analytics 4's rules for the choke point: Google's nested error bodies and the quota
waits its messages imply (per hour: to the top of the hour; per day: Pacific midnight).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from mktdirector.core import errors as E
from mktdirector.core.policy import GenericPolicy
from mktdirector.integrations._api_helpers import error_body, rebuild
from mktdirector.integrations.google_analytics.auth import KEY_STEPS


class GoogleAnalyticsPolicy(GenericPolicy):
    """Reads what the client knows at the time of the error (its key, property, clock)."""

    def __init__(
        self,
        *,
        account_email: Callable[[], str | None],
        property_id: Callable[[], str],
        project_id: Callable[[], str | None],
        clock: Callable[[], float],
    ) -> None:
        self._account_email = account_email
        self._property_id = property_id
        self._project_id = project_id
        self._clock = clock

    def classify(
        self, response: httpx.Response, error: E.ApiStatusError
    ) -> E.ApiStatusError | None:
        """Google's `{"error": {code, status, message, details}}` bodies, explained."""
        err = error_body(response).get("error")
        err = err if isinstance(err, dict) else {}
        message = str(err.get("message") or "")
        reasons = {str(d.get("reason")) for d in err.get("details") or [] if isinstance(d, dict)}
        email = self._account_email()
        pid = self._property_id()
        status = response.status_code
        if status == 403 and ("SERVICE_DISABLED" in reasons or "has not been used" in message):
            project = self._project_id() or "the key's project"
            return rebuild(
                error,
                E.PermissionDeniedError,
                f"The Google Analytics Data API is not enabled in Cloud project {project}.",
                hint="Enable it: https://console.cloud.google.com/apis/library/"
                f"analyticsdata.googleapis.com?project={project}, wait a minute, retry",
            )
        if status == 403:
            return rebuild(
                error,
                E.PermissionDeniedError,
                f"The service account {email} may not read GA4 property {pid}.",
                hint=f"Add the service account email {email} as a Viewer user on GA4 property "
                f"{pid} (Admin → Property access management → + → Add users), then retry",
            )
        if status == 401:
            return rebuild(
                error,
                E.AuthenticationError,
                f"Google rejected the access token of {email} (HTTP 401).",
                hint=KEY_STEPS,
            )
        if status == 429:
            return rebuild(
                error,
                E.RateLimitError,
                f"GA4 quota exhausted for property {pid}: {message[:160] or 'RESOURCE_EXHAUSTED'}",
                retry_after=_quota_wait(message, self._clock()),
            )
        if not message:
            return None
        # The spine reads top-level messages; Google nests its own under "error".
        text = f"{error.platform} {error.method} {error.path} failed: HTTP {status}"
        text += f" {err.get('status') or ''}: {message[:300]}".replace("  ", " ")
        hint = error.hint
        if status == 400:
            hint = "Check the dimension and metric names and that they can be combined"
        return rebuild(error, type(error), text, code=err.get("status") or error.code, hint=hint)


def next_pacific_midnight(now: float) -> float:
    """GA4 daily quotas reset at midnight Pacific time."""
    from datetime import datetime, timedelta

    try:
        from zoneinfo import ZoneInfo

        tz: Any = ZoneInfo("America/Los_Angeles")
    except Exception:  # noqa: BLE001 - no tz database: assume PST
        from datetime import timezone

        tz = timezone(timedelta(hours=-8))
    local = datetime.fromtimestamp(now, tz)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.timestamp()


def _quota_wait(message: str, now: float) -> float:
    """How long an exhausted GA4 quota lasts, from the words of its message."""
    low = message.lower()
    if "per day" in low or "daily" in low:
        return max(next_pacific_midnight(now) - now, 1.0)
    if "per hour" in low or "hourly" in low:
        return 3600.0 - now % 3600.0
    if "concurrent" in low:
        return 2.0
    return 60.0
