"""Pure retry policy: classify a response, parse Retry-After, decide whether to retry.

Rules (DESIGN.md section 4):
- network errors and 5xx: retry up to `max_retries` with exponential backoff and jitter;
- 401: the request's auth flow refreshes once and resends once (core/http_auth.py), then gives up;
- 429: wait for the reset when it fits the caller's budget, else raise RateLimitError;
- a non-idempotent request (a POST that creates a post) is retried only when it provably never
  reached the server: a connect error, a 429, or a 503 that carries Retry-After.
"""

from __future__ import annotations

import json
import random
import time
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from mktdirector.core import errors as E
from mktdirector.core.redact import redact

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
MAX_BACKOFF = 8.0
# Where an API puts its id of a request; platform policies add their own header names.
REQUEST_ID_HEADERS = ("x-request-id", "x-correlation-id")


def parse_retry_after(
    headers: httpx.Headers | dict[str, str], now: float | None = None
) -> float | None:
    """Seconds to wait from `retry-after-ms`, or `Retry-After` as seconds or an HTTP-date.

    Garbage gives None; a date in the past gives 0. Huge values are returned as they are:
    the caller decides whether to wait or to queue.
    """
    h = httpx.Headers(headers)
    now = time.time() if now is None else now
    ms = h.get("retry-after-ms")
    if ms is not None:
        try:
            v = float(ms) / 1000.0
            if v >= 0 and v == v and v != float("inf"):
                return v
        except ValueError:
            pass
    raw = h.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        v = float(raw)
        if v != v or v in (float("inf"), float("-inf")):
            return None
        return max(v, 0.0)
    except ValueError:
        pass
    try:
        dt = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if dt is None or dt.tzinfo is None:
        return None
    return max(dt.timestamp() - now, 0.0)


def body_excerpt(response: httpx.Response) -> tuple[str, str | None]:
    """A short, redacted, human message from an error body, and an error code if present."""
    ctype = response.headers.get("content-type", "")
    text = response.text if response.content else ""
    if "html" in ctype or text.lstrip().lower().startswith(("<!doctype", "<html")):
        return "the server answered with an HTML page instead of JSON", None
    try:
        data: Any = json.loads(text) if text else None
    except ValueError:
        return (redact(text[:160].strip()) or "no message"), None
    message, code = _message_and_code(data)
    return redact(message[:300]), (redact(str(code))[:80] if code is not None else None)


def _message_and_code(data: Any) -> tuple[str, Any]:
    if isinstance(data, dict):
        errs = data.get("errors")
        first = errs[0] if isinstance(errs, list) and errs and isinstance(errs[0], dict) else {}
        message = (
            data.get("detail")
            or data.get("message")
            or data.get("error_description")
            or first.get("message")
            or data.get("title")
            or (data.get("error") if isinstance(data.get("error"), str) else None)
            or "no message"
        )
        code = (
            data.get("code")
            or data.get("errorType")
            or data.get("category")
            or first.get("code")
            or data.get("serviceErrorCode")
            or (data.get("error") if isinstance(data.get("error"), str) else None)
            or data.get("type")
        )
        return str(message), code
    if isinstance(data, list) and data and isinstance(data[0], dict):
        return _message_and_code(data[0])
    return "no message", None


_STATUS_CLASSES: dict[int, type[E.ApiStatusError]] = {
    400: E.BadRequestError,
    401: E.AuthenticationError,
    403: E.PermissionDeniedError,
    404: E.NotFoundError,
    409: E.ConflictError,
    422: E.BadRequestError,
    429: E.RateLimitError,
}


def classify(
    response: httpx.Response,
    *,
    platform: str,
    method: str = "",
    path: str = "",
    now: float | None = None,
    request_ids: tuple[str, ...] = REQUEST_ID_HEADERS,
) -> E.ApiStatusError | None:
    """Map a response to the error tree (None for success). One table, tested as a table."""
    status = response.status_code
    if status < 400:
        return None
    cls = _STATUS_CLASSES.get(status) or (E.ServerError if status >= 500 else E.BadRequestError)
    message, code = body_excerpt(response)
    kw: dict[str, Any] = dict(
        platform=platform,
        status_code=status,
        method=method,
        path=path,
        request_id=request_id(response.headers, request_ids),
        code=code,
    )
    text = f"{platform} {method} {path} failed: HTTP {status}: {message}".replace("  ", " ")
    if cls is E.AuthenticationError:
        kw["hint"] = f"mktd authorize {platform}"
    elif cls is E.PermissionDeniedError:
        kw["hint"] = f"Check the app's scopes, then mktd authorize {platform}"
    elif cls is E.ServerError:
        kw["hint"] = "The platform failed on its side; run the same command again later."
    if cls is E.RateLimitError:
        # Retry-After only: resets from other headers or rules are the platform policy's.
        return E.RateLimitError(text, retry_after=parse_retry_after(response.headers, now), **kw)
    return cls(text, **kw)


def request_id(headers: httpx.Headers, names: tuple[str, ...] = REQUEST_ID_HEADERS) -> str | None:
    """The platform's id for a request, for support tickets (audit rows and errors)."""
    for name in names:
        value = headers.get(name)
        if value:
            return str(value)
    return None


def never_reached_server(
    error: BaseException, response_headers: httpx.Headers | None = None
) -> bool:
    """True when a failed request certainly was not processed, so even a POST may be resent."""
    if isinstance(error, E.ApiConnectionError):
        return not error.sent
    if isinstance(error, E.RateLimitError):
        return True
    if (
        isinstance(error, E.ServerError)
        and error.status_code == 503
        and response_headers is not None
    ):
        return parse_retry_after(response_headers) is not None
    return False


def should_retry(
    error: BaseException,
    *,
    method: str,
    idempotent: bool | None,
    response_headers: httpx.Headers | None = None,
) -> bool:
    """Retry only retryable errors, and a non-idempotent request only when it never arrived."""
    if not isinstance(error, E.MktdError) or not error.retryable:
        return False
    safe = idempotent if idempotent is not None else method.upper() in IDEMPOTENT_METHODS
    return safe or never_reached_server(error, response_headers)


def backoff(
    attempt: int,
    *,
    initial: float = 0.5,
    cap: float = MAX_BACKOFF,
    rng: random.Random | None = None,
) -> float:
    """Exponential backoff with full-range jitter in [50 %, 100 %] of 0.5·2^(n-1), capped."""
    base = min(cap, initial * 2.0 ** max(attempt - 1, 0))
    jitter = rng.random() if rng is not None else random.random()
    return base * (0.5 + 0.5 * jitter)
