"""A total deadline for network exchanges, enforced where the bytes move.

httpx's timeouts are per operation: a server that sends one byte a second never trips a 30 s
read timeout and holds the caller forever (issue 12: six slowloris runs still hung at 75 s, a
worker included). Here a deadline is a point in time held in a context variable (`within`);
every connect, read and write of an *armed* transport gets at most the time left until it, and
fails with the HTTP library's own timeout error once it has passed, so httpx maps it like any
other timeout and the choke point classifies it as one.

`arm` wraps the network backend of an httpx (or httpx2, the openai SDK's copy) HTTPTransport.
That backend is private API of httpcore; `tests/hostile/` proves the wrapping still works after
any upgrade (a slowloris server must be cut off within the deadline). `DeadlineTransport` gives
each request on the wire the deadline its `mktd.deadline` extension asks for, from the first
byte out to the last byte of the body in: a wait for a rate window before it does not count.
It subclasses httpx's classes, so it lives in deadline_httpx.py and is imported on first use.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mktdirector.core.deadline_httpx import DeadlineTransport as DeadlineTransport

EXTENSION = "mktd.deadline"  # seconds for one exchange, set on the request by the choke point
GRANTED = "mktd.deadline_granted"  # what the transport granted: (deadline, seconds), monotonic
_AT: ContextVar[float | None] = ContextVar("mktd_deadline_at", default=None)


@contextmanager
def within(seconds: float | None) -> Iterator[float | None]:
    """Armed connections in this block give up `seconds` from now; the sooner of nested ones wins.

    `None` keeps the deadline already in force (if any). Yields the deadline in monotonic time.
    """
    outer = _AT.get()
    if seconds is None:
        yield outer
        return
    at = time.monotonic() + max(seconds, 0.0)
    if outer is not None:
        at = min(at, outer)
    token = _AT.set(at)
    try:
        yield at
    finally:
        _AT.reset(token)


def remaining() -> float | None:
    """Seconds left before the deadline in force (negative once passed), or None."""
    at = _AT.get()
    return None if at is None else at - time.monotonic()


def __getattr__(name: str) -> Any:
    # The httpx subclasses live in deadline_httpx.py and load on first use: `within()` and
    # `remaining()` serve the LLM and offline commands, which must not pay for httpx (issue 17).
    if name == "DeadlineTransport":
        from mktdirector.core.deadline_httpx import DeadlineTransport

        return DeadlineTransport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def passed() -> bool:
    left = remaining()
    return left is not None and left <= 0


def arm(transport: Any) -> Any:
    """Make `transport` obey `within()`; transports without a network backend are left alone."""
    pool: Any = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if pool is None or backend is None or isinstance(backend, _Backend):
        return transport
    # The exceptions must be the ones of the httpcore copy this pool belongs to (httpcore for
    # httpx, httpcore2 for httpx2), or its httpx would not recognise them as timeouts.
    lib = importlib.import_module(type(pool).__module__.split(".")[0])
    pool._network_backend = _Backend(backend, lib)
    return transport


def _clamp(timeout: float | None, error: type[Exception]) -> float | None:
    left = remaining()
    if left is None:
        return timeout
    if left <= 0:
        raise error("the total deadline for this exchange has passed")
    return left if timeout is None else min(timeout, left)


class _Stream:
    """A network stream whose every operation ends by the deadline."""

    def __init__(self, inner: Any, lib: Any) -> None:
        self._inner = inner
        self._lib = lib

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data: bytes = self._inner.read(max_bytes, _clamp(timeout, self._lib.ReadTimeout))
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        # One write of a large body is cut into socket sends; httpcore applies the timeout to
        # each, so re-check the deadline between slices instead of trusting one long write.
        step = 64 * 1024
        if len(buffer) <= step:  # an API call's request: one send, no copy
            self._inner.write(buffer, _clamp(timeout, self._lib.WriteTimeout))
            return
        view = memoryview(buffer)
        for start in range(0, len(view), step) or [0]:
            chunk = bytes(view[start : start + step])
            self._inner.write(chunk, _clamp(timeout, self._lib.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> _Stream:
        inner = self._inner.start_tls(
            ssl_context, server_hostname, _clamp(timeout, self._lib.ConnectTimeout)
        )
        return _Stream(inner, self._lib)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend:
    """A network backend whose connections end by the deadline."""

    def __init__(self, inner: Any, lib: Any) -> None:
        self._inner = inner
        self._lib = lib

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> _Stream:
        stream = self._inner.connect_tcp(
            host, port, _clamp(timeout, self._lib.ConnectTimeout), local_address, socket_options
        )
        return _Stream(stream, self._lib)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> _Stream:
        stream = self._inner.connect_unix_socket(
            path, _clamp(timeout, self._lib.ConnectTimeout), socket_options
        )
        return _Stream(stream, self._lib)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)
