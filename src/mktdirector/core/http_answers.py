"""Reading and judging what a server sent: the size cap, redirects elsewhere, network errors.

Shared by the choke point (core/http.py) and the LLM client (llm.py, whose SDK runs on httpx2:
`read_capped` takes either library's response).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the LLM imports this module; it must not load httpx for that (issue 17)
    import httpx

from mktdirector.core import errors as E
from mktdirector.core.redact import redact


class BodyTooLarge(Exception):
    """An answer over the size cap, raised from the response hook to `_send`."""

    def __init__(self, response: Any, cap: int) -> None:
        super().__init__("response too large")
        self.response = response
        self.cap = cap


def other_host(response: httpx.Response) -> bool:
    here = response.request.url
    there = here.join(response.headers.get("location", ""))
    return (there.scheme, there.host, there.port) != (here.scheme, here.host, here.port)


def read_capped(response: Any, cap: int) -> None:
    """Read the body unless it (or what it decompresses to) grows past `cap` bytes."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise BodyTooLarge(response, cap)
    if hasattr(response, "_content"):  # already read (a mocked answer)
        return
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > cap:
            raise BodyTooLarge(response, cap)
        chunks.append(chunk)
    # What httpx's own read() stores: later .read()/.content/.json() use it.
    response._content = b"".join(chunks)


def transport_error(
    exc: httpx.TransportError,
    platform: str,
    method: str,
    path: str,
    deadline_s: float | None = None,
) -> E.ApiConnectionError:
    import httpx

    # A connect failure means nothing reached the server; a read timeout or a reset after the
    # request was written means it may have been processed (DESIGN.md section 5).
    sent = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    cls = E.ApiTimeoutError if isinstance(exc, httpx.TimeoutException) else E.ApiConnectionError
    what = type(exc).__name__
    if deadline_s is not None:
        # The total deadline, not httpx's per-read timeout: a stalled or dribbling server.
        return E.ApiTimeoutError(
            f"{platform} {method} {path}: no complete answer within {round(deadline_s, 1):g} s "
            "(the server is stalled or sending very slowly).",
            platform=platform,
            sent=sent,
            hint=f"Retry later; to allow longer: mktd config set {platform}.deadline SECONDS",
        )
    msg = f"{platform} {method} {path}: network error ({what}: {redact(str(exc))[:120]})"
    hint = (
        "Check your network connection and retry."
        if not sent
        else "The request may have reached the server; mktd checks before resending."
    )
    return cls(msg, platform=platform, sent=sent, hint=hint)
