"""`mktd mcp --http`: streamable HTTP on 127.0.0.1 behind the bearer token of `mktd serve`.

The SDK's app checks the Host and Origin headers (DNS rebinding); this wrapper answers 401 to
any HTTP request without `Authorization: Bearer <token>` before the SDK sees it. The token is
compared in constant time and never logged (uvicorn's access log is off).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from mktdirector.agents.ops.api_token import bearer_token, token_matches

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]
PATH = "/mcp"


class BearerGuard:
    """ASGI: HTTP requests need the bearer token; lifespan events pass through."""

    def __init__(self, app: App, token: str) -> None:
        self.app = app
        self._token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not token_matches(_presented(scope), self._token):
            body = json.dumps(
                {"error": "unauthorized",
                 "message": "This MCP endpoint needs the mktd API token.",
                 "hint": "Send Authorization: Bearer <token> (mktd mcp --show-token)"}
            ).encode()  # fmt: skip
            await send({"type": "http.response.start", "status": 401, "headers": [
                (b"content-type", b"application/json"),
                (b"www-authenticate", b'Bearer realm="mktd"'),
                (b"content-length", str(len(body)).encode()),
            ]})  # fmt: skip
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def _presented(scope: Scope) -> str | None:
    for name, value in scope.get("headers") or []:
        if name.lower() == b"authorization":
            return bearer_token(value.decode("latin-1"))
    return None


def serve(server: Any, *, port: int, token: str, on_ready: Callable[[str], None]) -> None:
    """Serve until interrupted; `on_ready` gets the URL once the port is ours."""
    import uvicorn

    host = "127.0.0.1"  # never another interface: the token guards a company's accounts
    sock = _bind(host, port)
    app = BearerGuard(server.streamable_http_app(streamable_http_path=PATH, host=host), token)
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    on_ready(f"http://{host}:{sock.getsockname()[1]}{PATH}")
    uvicorn.Server(config).run(sockets=[sock])


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything starts: a taken port is a one-line error."""
    from mktdirector.core.errors import UsageError

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise UsageError(
            f"Cannot listen on {host}:{port}: {e.strerror}.",
            hint="mktd mcp --http --port 0 (any free port), or another --port",
        ) from None
    return sock
