"""X's rules for the choke point: its error bodies, its rate headers, its 429 waits."""

from __future__ import annotations

import httpx

from mktdirector.core.errors import ApiStatusError
from mktdirector.core.policy import GenericPolicy, RateCounter, exhausted_reset
from mktdirector.integrations.twitter import errors
from mktdirector.integrations.twitter.limits import rate_windows


class TwitterPolicy(GenericPolicy):
    request_id_headers = ("x-transaction-id", *GenericPolicy.request_id_headers)
    # X limits each endpoint on its own (rate-limits.mdx lists POST and GET /2/tweets apart), and
    # its 24-hour caps (x-user-/x-app-limit-24hour) are the post-creation endpoint's: a 429 on
    # POST /2/tweets must not stop the metric reads on GET /2/tweets.
    per_endpoint_scopes = frozenset({"endpoint", "user-day", "app-day", "all"})

    def classify(self, response: httpx.Response, error: ApiStatusError) -> ApiStatusError | None:
        return errors.classify(response, error)

    def check_response(self, response: httpx.Response) -> None:
        errors.check_ok_body(response)

    def rate_counters(self, headers: httpx.Headers, now: float) -> list[RateCounter]:
        return rate_windows(headers, now) + super().rate_counters(headers, now)

    def retry_after(self, response: httpx.Response, now: float) -> float | None:
        """The latest exhausted window's reset; without one, the latest reset X announced."""
        windows = rate_windows(response.headers, now)
        exhausted = exhausted_reset(windows, now)
        if exhausted is not None:
            return exhausted
        resets = [c.reset_at for c in windows if c.reset_at is not None]
        return max(max(resets) - now, 0.0) if resets else None
