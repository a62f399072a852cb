"""The httpx side of core/deadline.py: a transport and a body stream that obey `within()`.

Apart from deadline.py because these classes subclass httpx's at import: the deadline itself
(`within`, `remaining`, `arm`) is used by the LLM client and must not load httpx for a command
that sends nothing (issue 17). `deadline.DeadlineTransport` still names the transport; it
imports this module on first use.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx

from mktdirector.core.deadline import EXTENSION, GRANTED, _until, arm, within


class DeadlineTransport(httpx.BaseTransport):
    """Applies a request's `mktd.deadline` (seconds) to its exchange, the body's bytes included."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner: httpx.BaseTransport = arm(inner)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        seconds = request.extensions.get(EXTENSION)
        started = time.monotonic()
        with within(seconds) as at:
            if at is not None:
                request.extensions[GRANTED] = (at, at - started)
            response = self._inner.handle_request(request)
        if at is not None and isinstance(response.stream, httpx.SyncByteStream):
            response.stream = _BodyUntil(response.stream, at)
        return response

    def close(self) -> None:
        self._inner.close()


class _BodyUntil(httpx.SyncByteStream):
    """A response body read under the deadline of its request, chunk by chunk (never leaking
    the deadline into the caller between chunks)."""

    def __init__(self, inner: httpx.SyncByteStream, at: float) -> None:
        self._inner = inner
        self._at = at

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(self._inner)
        while True:
            with _until(self._at):
                chunk = next(chunks, None)
            if chunk is None:
                return
            yield chunk

    def close(self) -> None:
        self._inner.close()
