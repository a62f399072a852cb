"""The server's guards: bearer token for the API, one-time login link -> session cookie for the
dashboard, CSRF tokens on its forms, the Host allow-list and the security headers.

Sessions live in this process's memory: restarting `mktd serve` logs everyone out, which is
what a local tool holding a company's social accounts should do.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mktdirector.agents.ops.api_token import bearer_token, token_matches

SESSION_COOKIE = "mktd_session"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
SESSION_TTL_S = 12 * 3600.0

# No inline script, no third-party origin: everything the pages use is served from here.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass
class Session:
    csrf: str
    expires: float


@dataclass
class Sessions:
    """One-time login codes and the sessions they open (both kept only as hashes)."""

    ttl_s: float = SESSION_TTL_S
    _codes: set[str] = field(default_factory=set)
    _sessions: dict[str, Session] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def new_login_code(self) -> str:
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes.add(_digest(code))
        return code

    def redeem(self, code: str) -> str | None:
        """A new session id for an unused code (the code is spent either way), else None."""
        key = _digest(code)
        with self._lock:
            if key not in self._codes:
                return None
            self._codes.discard(key)
            sid = secrets.token_urlsafe(32)
            self._sessions[_digest(sid)] = Session(
                secrets.token_urlsafe(24), time.time() + self.ttl_s
            )
        return sid

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        with self._lock:
            s = self._sessions.get(_digest(sid))
            if s is not None and s.expires < time.time():
                del self._sessions[_digest(sid)]
                return None
            return s

    def end(self, sid: str | None) -> None:
        if sid:
            with self._lock:
                self._sessions.pop(_digest(sid), None)


def csrf_ok(session: Session, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(session.csrf.encode(), str(presented).encode())


def api_authorized(request: Request, expected: str) -> bool:
    return token_matches(bearer_token(request.headers.get("authorization")), expected)


def allowed_hosts(host: str, port: int, extra: Iterable[str] = ()) -> set[str]:
    """Host header values this server answers to (a DNS-rebinding page sends its own name)."""
    names = {"127.0.0.1", "localhost", "[::1]", host, *(h.strip() for h in extra if h.strip())}
    names.discard("0.0.0.0")
    names.discard("::")
    out = set()
    for n in names:
        n = n.lower()
        if ":" in n and not n.startswith("["):
            n = f"[{n}]"
        out.update({n, f"{n}:{port}"})
    return out


class GuardMiddleware:
    """Refuses a Host outside the allow-list (421) and adds the security headers to every answer.

    Plain ASGI rather than BaseHTTPMiddleware, so streamed answers pass through unbuffered.
    """

    def __init__(self, app: ASGIApp, hosts: set[str]) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = ""
        for name, value in scope.get("headers", []):
            if name == b"host":
                host = value.decode("latin-1").lower()
        if host not in self.hosts:
            await _refuse_host(send)
            return

        started = False

        async def with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for k, v in SECURITY_HEADERS.items():
                    if k.encode() not in present:
                        headers.append((k.encode(), v.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, with_headers)
        except Exception as exc:  # a bug: one redacted line, a 500 problem, no traceback
            _log_bug(scope, exc)
            if not started:
                await _problem(send, 500, b'"kind":"bug","title":"Internal error",'
                               b'"detail":"mktd serve hit a bug; the server log has one line '
                               b'about it (the traceback with MKTD_DEBUG=1)."')  # fmt: skip


async def _refuse_host(send: Send) -> None:
    await _problem(send, 421, b'"kind":"host","title":"Misdirected request",'
                   b'"detail":"This server does not answer to that Host name.",'
                   b'"hint":"Open the address mktd serve printed, or add the name to '
                   b'serve.allowed_hosts"')  # fmt: skip


async def _problem(send: Send, status: int, fields: bytes) -> None:
    kind = b"/problems/" + fields.split(b'"kind":"', 1)[1].split(b'"', 1)[0]
    body = b'{"type":"' + kind + b'","status":' + str(status).encode() + b"," + fields + b"}"
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        *((k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _log_bug(scope: Scope, exc: BaseException) -> None:
    import logging
    import os
    import sys
    import traceback

    from mktdirector.core.redact import redact

    line = f"mktd serve: {scope.get('method')} {scope.get('path')} failed: {type(exc).__name__}"
    logging.getLogger("mktd").error(redact(line))
    if os.environ.get("MKTD_DEBUG", "") not in ("", "0"):
        sys.stderr.write(redact("".join(traceback.format_exception(exc))))
