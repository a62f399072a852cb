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

from mktdirector.core.deadline import _AT, EXTENSION, GRANTED, arm


class DeadlineTransport(httpx.BaseTransport):
    """Applies a request's `mktd.deadline` (seconds) to its exchange, the body's bytes included."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner: httpx.BaseTransport = arm(inner)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # deadline.within() spelled out: this runs on every request (benchmarks/choke_point.py)
        # and a generator-based context manager costs more than the few lines it hides.
        seconds = request.extensions.get(EXTENSION)
        outer = _AT.get()
        started = time.monotonic()
        if seconds is not None:
            at = started + max(seconds, 0.0)
            if outer is not None and outer < at:
                at = outer  # the sooner wins
        elif outer is not None:
            at = outer  # no deadline of its own: the one in force
        else:
            return self._inner.handle_request(request)
        request.extensions[GRANTED] = (at, at - started)
        token = _AT.set(at)
        try:
            response = self._inner.handle_request(request)
        finally:
            _AT.reset(token)
        if isinstance(response.stream, httpx.SyncByteStream):
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
        at = self._at
        while True:
            outer = _AT.get()  # the sooner of this deadline and one in force, per chunk
            token = _AT.set(at if outer is None or at < outer else outer)
            try:
                chunk = next(chunks, None)
            finally:
                _AT.reset(token)
            if chunk is None:
                return
            yield chunk

    def close(self) -> None:
        self._inner.close()
