"""Small helpers shared by the API-key clients (HubSpot, Google Analytics 4, SendGrid).

They read error bodies without ever raising, rebuild a classified error as a more precise
class, and turn a client's probe into the brief's test-connection shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from mktdirector.core.errors import ApiStatusError, MissingCredentialError, MktdError
from mktdirector.core.redact import redact
from mktdirector.integrations.base import ConnectionCheck


def error_body(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of an error response, or {} (HTML pages, truncated JSON, lists)."""
    try:
        data = json.loads(response.content or b"null")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def rebuild(
    error: ApiStatusError, cls: type[ApiStatusError], message: str | None = None, **kw: Any
) -> ApiStatusError:
    """A copy of a classified error as `cls`, keeping status, request id, method and path."""
    fields: dict[str, Any] = dict(
        platform=error.platform,
        status_code=error.status_code,
        method=error.method,
        path=error.path,
        request_id=error.request_id,
        code=error.code,
        hint=error.hint,
    )
    fields.update(kw)
    # Messages are built from server text: scrub them like the choke point does.
    return cls(redact(message or error.message), **fields)


def iso_utc(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def rate_limit(remaining: int | None, reset_epoch: float | None = None) -> dict[str, Any]:
    """The brief's `rate_limit` object of a test-connection result."""
    return {"rate_limit_remaining": remaining, "rate_limit_reset": iso_utc(reset_epoch)}


def header_int(headers: httpx.Headers, name: str) -> int | None:
    try:
        return int(float(headers[name]))
    except (KeyError, ValueError):
        return None


def checked(platform: str, probe: Callable[[], ConnectionCheck]) -> ConnectionCheck:
    """Run a connection probe; expected failures become a status instead of an exception."""
    try:
        return probe()
    except MissingCredentialError as e:
        return ConnectionCheck("missing_credentials", platform, detail=_detail(e), hint=e.hint)
    except MktdError as e:
        return ConnectionCheck("error", platform, detail=_detail(e), error=e.kind, hint=e.hint)


def _detail(e: MktdError) -> str:
    text = e.message if not e.hint else f"{e.message} Fix: {e.hint}"
    return redact(text)
