"""Requests as people see them, secrets masked: --verbose / MKTD_DEBUG_HTTP=1 lines (httpx event
hooks on the `mktd.wire` logger; the CLI decides where it goes) and --dry-run's description.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx

from mktdirector.core.redact import redact, redact_headers

wire = logging.getLogger("mktd.wire")


def log_request(r: httpx.Request) -> None:
    headers = " ".join(f"{k}: {v}" for k, v in redact_headers(dict(r.headers)).items())
    wire.debug(redact(f"> {r.method} {r.url.copy_with(query=None)} {headers}"))


def log_response(r: httpx.Response) -> None:
    url = r.request.url.copy_with(query=None)
    wire.debug(redact(f"< {r.status_code} {r.request.method} {url}"))


def describe_request(request: httpx.Request) -> dict[str, Any]:
    """Method, URL, masked headers and body of a request, for --dry-run output."""
    body: Any = None
    if request.content:
        try:
            body = json.loads(request.content)
        except ValueError:
            body = redact(request.content.decode("utf-8", "replace"))
    return {
        "method": request.method,
        "url": redact(str(request.url)),
        "headers": redact_headers(dict(request.headers)),
        "body": body,
    }
