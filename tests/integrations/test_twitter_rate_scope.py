"""A 429 on one X endpoint leaves the others open (issue 11 item 4), through the real client."""

from __future__ import annotations

import time

import pytest
import respx
from test_twitter import API, make, x_id

from mktdirector.core import errors as E


@respx.mock
def test_create_rate_limited_then_metrics_still_read() -> None:
    reset = str(int(time.time() + 900))
    respx.post(f"{API}/2/tweets").respond(
        429,
        json={"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank"},
        headers={"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0",
                 "x-rate-limit-reset": reset, "x-user-limit-24hour-remaining": "0",
                 "x-user-limit-24hour-reset": reset},
    )  # fmt: skip
    post = x_id(time.time() - 60)
    reads = respx.get(f"{API}/2/tweets").respond(
        200, json={"data": [{"id": post, "public_metrics": {"like_count": 2}}]}
    )
    x = make()
    with pytest.raises(E.RateLimitError):
        x.create_post("hello")
    with pytest.raises(E.RateLimitError):  # the creation endpoint is held, without a call
        x.create_post("hello again")
    assert [r.likes for r in x.get_metrics([post])] == [2]
    assert reads.call_count == 1
    assert len([c for c in respx.calls if c.request.method == "POST"]) == 1
