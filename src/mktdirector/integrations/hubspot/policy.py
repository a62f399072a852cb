"""HubSpot's rules for the choke point: its rate headers and its error bodies.

Rate headers (reference card): `X-HubSpot-RateLimit-Max/-Remaining/-Interval-Milliseconds`
for the 10-second burst window and `-Daily/-Daily-Remaining` for the account's day. Errors:
`policyName` on 429, `missingScopes` on 403, the existing id on 409, 423/477 while migrating.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx

from mktdirector.core import errors as E
from mktdirector.core.clock import SYSTEM_CLOCK, Now
from mktdirector.core.policy import GenericPolicy, RateCounter, header_number
from mktdirector.core.retry import parse_retry_after
from mktdirector.integrations._api_helpers import error_body, header_int, rebuild
from mktdirector.integrations.hubspot.models import ContactExistsError, UnknownPropertyError

_EXISTING_ID = re.compile(r"Existing ID:\s*(\d+)", re.I)
_MISSING_PROPERTY = re.compile(r'Property \\*"([A-Za-z0-9_]+)\\*" does not exist')
TOKEN_STEPS = (
    "In HubSpot: Settings → Integrations → Private Apps → Create a private app (or Development → "
    "Keys → Service keys), grant crm.objects.contacts.read and crm.objects.contacts.write, copy "
    "the token, then run `mktd authorize hubspot` or set HUBSPOT_API_KEY"
)


class HubSpotPolicy(GenericPolicy):
    # The burst limit is a ROLLING window (reference card api-crm-email.md §1.7: 100 per 10 s on
    # Free/Starter, up to 190 or 250 per 10 s on higher tiers; its 429 names the policy
    # TEN_SECONDLY_ROLLING): a call stops counting 10 s after it was made.
    rolling_scopes = frozenset({"endpoint"})

    def __init__(self, daily_reset: Callable[[], float], now: Now = SYSTEM_CLOCK.now) -> None:
        # Seconds to midnight in the account's time zone (the client learns the zone).
        self._daily_reset = daily_reset
        self._now = now  # the choke point's clock, for a Retry-After given as a date

    def rate_counters(self, headers: httpx.Headers, now: float) -> list[RateCounter]:
        found = super().rate_counters(headers, now)
        burst = header_number(headers, "x-hubspot-ratelimit-remaining")
        if burst is not None:
            window_ms = header_number(headers, "x-hubspot-ratelimit-interval-milliseconds")
            most = header_number(headers, "x-hubspot-ratelimit-max")
            found.append(
                RateCounter(
                    "endpoint",
                    int(most) if most else None,
                    int(burst),
                    now + (window_ms or 10_000) / 1000.0,
                )
            )
        daily = header_number(headers, "x-hubspot-ratelimit-daily-remaining")
        if daily is not None:
            day = header_number(headers, "x-hubspot-ratelimit-daily")
            midnight = (now // 86400 + 1) * 86400
            found.append(RateCounter("app-day", int(day) if day else None, int(daily), midnight))
        return found

    def classify(
        self, response: httpx.Response, error: E.ApiStatusError
    ) -> E.ApiStatusError | None:
        """HubSpot's error bodies: policyName on 429, missingScopes on 403, ids on 409."""
        body = error_body(response)
        status = response.status_code
        if status == 429:
            return self._rate_error(response, body, error)
        if status == 401:
            return rebuild(
                error,
                E.AuthenticationError,
                "HubSpot rejected the token (HTTP 401): it is wrong, revoked or deleted.",
                hint=TOKEN_STEPS,
            )
        if status == 403:
            ctx = body.get("context") or {}
            scopes = [s for s in as_list(ctx.get("missingScopes") or ctx.get("requiredScopes"))]
            if scopes:
                return rebuild(
                    error,
                    E.PermissionDeniedError,
                    f"The HubSpot token lacks the scope(s) {', '.join(map(str, scopes))}.",
                    hint="Add them on the private app's Scopes tab in HubSpot, commit, retry",
                )
            return None
        if status == 400 and "PROPERTY_DOESNT_EXIST" in response.text:
            names = sorted(set(_MISSING_PROPERTY.findall(response.text))) or ["(unnamed)"]
            return rebuild(
                error,
                UnknownPropertyError,
                f"HubSpot has no contact property {', '.join(names)}.",
                hint="Create it in HubSpot (Settings → Properties) or drop that column",
            )
        if status == 409:
            m = _EXISTING_ID.search(str(body.get("message") or ""))
            return rebuild(
                error,
                ContactExistsError,
                "A HubSpot contact with that email already exists.",
                existing_id=m.group(1) if m else None,
            )
        if status in (423, 477):
            # Locked / migrating: the request was not processed; wait >= 2 s and retry.
            retry = rebuild(error, E.ServerError)
            # Read by the choke point's wait: a ServerError has no retry_after field of its own.
            retry.retry_after = max(parse_retry_after(response.headers, self._now()) or 0.0, 2.0)  # type: ignore[attr-defined]
            return retry
        return None

    def _rate_error(
        self, response: httpx.Response, body: dict[str, Any], error: E.ApiStatusError
    ) -> E.ApiStatusError:
        policy = str(body.get("policyName") or "").upper()
        if policy == "DAILY":
            return rebuild(
                error,
                E.RateLimitError,
                "HubSpot's daily API call limit for this account is used up (policy DAILY); "
                "it resets at midnight in the account's time zone",
                retry_after=self._daily_reset(),
                hint="Nothing more was sent. Run the same command again after the reset.",
            )
        interval = (
            header_int(response.headers, "x-hubspot-ratelimit-interval-milliseconds") or 10_000
        ) / 1000.0
        wait = parse_retry_after(response.headers, self._now())
        if wait is None:
            wait = 1.0 if policy == "SECONDLY" else interval
        label = policy.lower().replace("_", " ") or "burst"
        return rebuild(
            error, E.RateLimitError, f"HubSpot's {label} rate limit was hit.", retry_after=wait
        )


def as_list(value: Any) -> list[Any]:
    """One value or a collection of them, as a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple | set) else [value]
