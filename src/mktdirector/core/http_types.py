"""What the choke point records and how patient it is: the audit row of one attempt and a
client's settings (core/http.py re-exports both; the store and the wiring name them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Exchange:
    """One attempt, as written to the audit table."""

    platform: str
    account: str | None
    method: str
    path: str  # the template, e.g. /2/tweets/{id}
    status: int | None
    duration_ms: int
    attempt: int
    request_id: str | None = None
    error_kind: str | None = None
    error_code: str | None = None
    rate_remaining: int | None = None
    rate_reset_at: float | None = None
    correlation_id: str | None = None  # the draft, job or command run the call was made for
    actor: str | None = None  # who caused it (core/people.py: MKTD_USER, the OS user, a worker)


AuditSink = Callable[[Exchange], None]


def discard(exchange: Exchange) -> None:
    """The audit sink of a client given none."""
    return None


@dataclass(frozen=True)
class HttpSettings:
    """How patient one client is: timeouts, retries, the longest wait before queueing."""

    timeout: float = 30.0  # per connect / read / write (httpx's own)
    max_retries: int = 3
    max_wait: float = 60.0
    debug: bool = False  # redacted request lines on the mktd.wire logger
    # The whole of one attempt, first byte to last: a slowloris server ends here (issue 12).
    deadline: float = 60.0
    upload_deadline: float = 600.0  # an attempt that carries a file (media upload)
    max_response_bytes: int = 32 * 1024 * 1024  # no API answer mktd reads is anywhere near this
