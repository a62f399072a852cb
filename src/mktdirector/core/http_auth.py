"""Bearer tokens with refresh-on-401 as an `httpx.Auth` flow (httpx's documented pattern).

The flow sends the request; on a 401 it refreshes the credential once and sends once more with
the new token. A second 401 is the answer: the choke point turns it into "run mktd authorize P".
A refresh that fails does not raise inside httpx (the 401 would never reach the audit): the
error travels on the response and the choke point raises it after writing the 401's row.
"""

from __future__ import annotations

from collections.abc import Callable, Generator

import httpx

from mktdirector.core.errors import MktdError

TokenSource = Callable[[], str | None]
# Refresh the credential after a 401; True when the request should be sent again.
Refresh = Callable[[], bool]
_REFRESH_FAILED = "mktd.refresh_failed"
# A dict the choke point shares between the attempts of one logical request, so a request
# that is retried (a 5xx after the refreshed resend) does not refresh a second time.
REFRESH_STATE = "mktd.refresh_state"


class BearerAuth(httpx.Auth):
    """`Authorization: Bearer` from a callable (a refreshed token is picked up), and one
    refresh-and-resend after a 401 when `refresh` is given."""

    def __init__(self, token: TokenSource, refresh: Refresh | None = None) -> None:
        self._token = token
        self._refresh = refresh
        # A resend needs the body again: have httpx read it into memory first.
        self.requires_request_body = refresh is not None

    def _apply(self, request: httpx.Request) -> None:
        token = self._token()
        if token:
            request.headers["Authorization"] = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self._apply(request)
        response = yield request
        once: dict[str, bool] = request.extensions.get(REFRESH_STATE, {})
        if response.status_code != 401 or self._refresh is None or once.get("refreshed"):
            return
        once["refreshed"] = True
        try:
            refreshed = self._refresh()
        except MktdError as exc:
            response.extensions[_REFRESH_FAILED] = exc
            return
        if refreshed:
            self._apply(request)
            yield request


def refresh_failure(response: httpx.Response) -> MktdError | None:
    """The error of a refresh the auth flow tried after this 401, if it failed."""
    failed = response.extensions.get(_REFRESH_FAILED)
    return failed if isinstance(failed, MktdError) else None
