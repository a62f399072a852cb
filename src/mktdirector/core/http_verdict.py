"""What one answer means for the choke point: the error it is (core/retry.py's status table,
then the platform's policy), or a success; and the error for an answer too large to read.

Apart from core/http.py, which sends, waits and records; this only judges.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from mktdirector.core import errors as E
from mktdirector.core.http_answers import other_host
from mktdirector.core.policy import PlatformPolicy
from mktdirector.core.retry import classify


def verdict(
    response: httpx.Response,
    *,
    platform: str,
    method: str,
    path: str,
    policy: PlatformPolicy,
    now: float,
) -> E.MktdError | None:
    """The error this answer is (None: a usable answer)."""
    status_error = classify(
        response, platform=platform, method=method, path=path, now=now,
        request_ids=policy.request_id_headers,
    )  # fmt: skip
    if status_error is not None:
        if isinstance(status_error, E.RateLimitError) and status_error.retry_after is None:
            # Before the vendor's classify: its rebuilt error keeps this wait, or sets its own.
            status_error.retry_after = policy.retry_after(response, now)
        return policy.classify(response, status_error) or status_error
    if response.is_redirect and other_host(response):
        # Never followed (the credential would go along) and never useful as an answer.
        return E.ApiResponseError(
            f"{platform} {method} {path}: redirected to another host "
            f"({urlsplit(response.headers['location']).netloc}); mktd does not follow it.",
            platform=platform,
            hint="A proxy or captive portal may be in the way; check the network and the "
            f"base URL (mktd config get {platform}.base_url)",
        )
    try:
        policy.check_response(response)
    except E.MktdError as e:
        return e
    return None


def too_large(platform: str, method: str, path: str, cap: int) -> E.ApiResponseError:
    """An answer over the size cap (core/http_answers.py stopped reading it)."""
    env = f"MKTD_{platform.upper().replace('-', '_')}_BASE_URL"
    return E.ApiResponseError(
        f"{platform} {method} {path}: the answer is larger than "
        f"{cap // (1024 * 1024)} MB; mktd stopped reading it.",
        platform=platform,
        hint=f"No API answer is that large: check that {env} points at the platform",
    )
