"""Redacted request lines for --verbose / MKTD_DEBUG_HTTP=1 (httpx event hooks).

The CLI decides where the `mktd.wire` logger goes; nothing here prints.
"""

from __future__ import annotations

import logging

import httpx

from mktdirector.core.redact import redact, redact_headers

wire = logging.getLogger("mktd.wire")


def log_request(r: httpx.Request) -> None:
    headers = " ".join(f"{k}: {v}" for k, v in redact_headers(dict(r.headers)).items())
    wire.debug(redact(f"> {r.method} {r.url.copy_with(query=None)} {headers}"))


def log_response(r: httpx.Response) -> None:
    url = r.request.url.copy_with(query=None)
    wire.debug(redact(f"< {r.status_code} {r.request.method} {url}"))
