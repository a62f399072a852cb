"""RFC 9457 problem documents: the web doors' form of the CLI's error kinds and exit codes.

One table maps each kind of `MktdError` to an HTTP status, so an API client sees the same
categories a shell script sees as exit codes: usage -> 422 (404 for an unknown record, 409 for
a refused state change or a post already published, 412 for a draft changed since it was
reviewed), config -> 409, authentication -> 403 (the platform's, not ours: our own 401 is for
a missing bearer token), rate limited -> 429 with Retry-After, upstream -> 502.
Messages are the errors' own (they never carry secrets, see core/errors.py).
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from mktdirector.agents.content.reviewed import ContentChangedError
from mktdirector.agents.social.posting import AlreadyPublished
from mktdirector.core import errors as E
from mktdirector.store.errors import RecordNotFoundError, StateRefusedError

MEDIA_TYPE = "application/problem+json"


def status_for(err: E.MktdError) -> int:
    """The HTTP status of an expected error (most specific class first)."""
    if isinstance(err, RecordNotFoundError):
        return 404
    if isinstance(err, ContentChangedError):
        return 412
    if isinstance(err, StateRefusedError | AlreadyPublished):
        return 409
    if isinstance(err, E.RateLimitError):
        return 429
    if isinstance(err, E.AuthenticationError | E.PermissionDeniedError):
        return 403
    if isinstance(err, E.IntegrationError):
        return 502
    if isinstance(err, E.ConfigError):
        return 409
    if isinstance(err, E.UsageError):
        return 422
    return 500  # StoreError: the database is newer, locked or damaged


def problem(
    status: int,
    title: str,
    *,
    kind: str,
    detail: str | None = None,
    hint: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"type": f"/problems/{kind}", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if hint:
        body["hint"] = hint
    body["kind"] = kind
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, headers=headers, media_type=MEDIA_TYPE)


def from_error(err: E.MktdError) -> JSONResponse:
    """The problem document of an expected error; a rate limit says when to come back."""
    from mktdirector.agents.hints import add_hint

    err = add_hint(err)
    status = status_for(err)
    headers: dict[str, str] = {}
    extra: dict[str, Any] = {"exit_code": int(err.exit_code)}
    if isinstance(err, E.RateLimitError):
        wait = err.retry_after if err.retry_after is not None else 900.0
        headers["Retry-After"] = str(max(1, math.ceil(wait)))
        extra["retry_after"] = err.retry_after
        extra["queued"] = True
    if isinstance(err, E.IntegrationError):
        extra["platform"] = err.platform
    return problem(
        status,
        _TITLES.get(status, "Error"),
        kind=err.kind,
        detail=err.message,
        hint=err.hint,
        headers=headers or None,
        **extra,
    )


_TITLES = {
    403: "Refused by the platform",
    404: "Not found",
    409: "Conflict",
    412: "Changed since reviewed",
    422: "Invalid request",
    429: "Rate limited: queued",
    500: "Local storage error",
    502: "Upstream failure",
}


async def mktd_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, E.MktdError)
    return from_error(exc)


async def validation_handler(request: Request, exc: Exception) -> JSONResponse:
    """422 naming each field that failed (`body.topic`, `query.limit`) and why."""
    assert isinstance(exc, RequestValidationError)
    fields = [
        {"field": ".".join(str(p) for p in e.get("loc", ())), "message": str(e.get("msg", ""))}
        for e in exc.errors()
    ]
    first = fields[0] if fields else {"field": "", "message": "invalid"}
    return problem(
        422,
        "Invalid request",
        kind="validation",
        detail=f"{first['field']}: {first['message']}",
        errors=fields,
        exit_code=int(E.ExitCode.USAGE),
    )
