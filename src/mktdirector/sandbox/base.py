"""What every platform module of the sandbox shares: requests, responses, routes, principals.

A platform module declares `ROUTES` (method, path pattern below the platform's URL prefix,
route name, handler); the first module of a platform (emulator.PLATFORMS) also answers the
fault injector's errors in that platform's shape: `error`, `unauthorized`, `rate_limited`.
Handlers are plain functions `handler(emu, req, **path_params) -> Response`; they run under
the state lock, one request at a time, in one transaction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qs


class SandboxError(Exception):
    """The sandbox cannot start or a spec is malformed (bad bind address, fault grammar...)."""


@dataclass
class Request:
    """One HTTP request, read in full before any handler sees it."""

    method: str
    path: str  # below the platform prefix, e.g. /2/tweets
    query_string: str
    headers: Mapping[str, str]  # names lower-cased
    body: bytes = b""
    full_path: str = ""

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.query_string, keep_blank_values=True)

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str, default: str | None = None) -> str | None:
        value = self.headers.get(name.lower())
        return default if value is None else str(value)

    def json(self) -> Any:
        """The JSON body; raises ValueError for a missing or malformed one."""
        if not self.body:
            raise ValueError("empty body")
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict[str, str]:
        """An `application/x-www-form-urlencoded` body (first value of each field)."""
        text = self.body.decode("utf-8", "replace")
        return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}

    def bearer(self) -> str | None:
        auth = self.header("Authorization") or ""
        scheme, _, token = auth.partition(" ")
        return token.strip() or None if scheme.lower() == "bearer" else None


@dataclass
class Response:
    """What a handler answers. `after` actions of faults may still drop or mangle it."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def header_block(self) -> list[tuple[str, str]]:
        base = {"Date": formatdate(usegmt=True), "Server": "mktd-sandbox"}
        base.update(self.headers)
        base["Content-Length"] = str(len(self.body))
        return list(base.items())


def json_response(status: int, data: Any, headers: Mapping[str, str] | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    h = {"Content-Type": "application/json; charset=utf-8"}
    h.update(headers or {})
    return Response(status, body, h)


def html_response(status: int, html: str, headers: Mapping[str, str] | None = None) -> Response:
    h = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}
    h.update(headers or {})
    return Response(status, html.encode("utf-8"), h)


def empty(status: int, headers: Mapping[str, str] | None = None) -> Response:
    return Response(status, b"", dict(headers or {}))


Handler = Callable[..., Response]


@dataclass(frozen=True)
class Route:
    """`pattern` is a regex matched in full against the path below the platform prefix."""

    method: str
    pattern: re.Pattern[str]
    name: str
    handler: Handler


def route(method: str, pattern: str, name: str, handler: Handler) -> Route:
    return Route(method, re.compile(pattern), name, handler)


@dataclass(frozen=True)
class Principal:
    """Who a bearer token belongs to."""

    platform: str
    user: str
    scopes: frozenset[str]
    kind: str = "user"  # "user" (member/user context) or "app" (app-only bearer)
    token_id: str = ""
    client_id: str = ""


@dataclass(frozen=True)
class AuthFailure:
    """Why a bearer token was refused: missing, invalid, expired or revoked."""

    reason: str


Auth = Principal | AuthFailure


def find_route(
    routes: list[Route], method: str, path: str
) -> tuple[Route | None, dict[str, str], bool]:
    """(route, path params, path matched with another method)."""
    other = False
    for r in routes:
        m = r.pattern.fullmatch(path)
        if m is None:
            continue
        if r.method == method:
            return r, m.groupdict(), False
        other = True
    return None, {}, other


def iso(epoch: float, *, millis: bool = True) -> str:
    """`2026-09-03T09:00:00.000Z`."""
    from datetime import UTC, datetime

    dt = datetime.fromtimestamp(epoch, UTC)
    text = dt.isoformat(timespec="milliseconds" if millis else "seconds")
    return text.replace("+00:00", "Z")
