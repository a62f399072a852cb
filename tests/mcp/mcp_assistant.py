"""The official MCP client against an in-process mktd server (tests/mcp)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio
from mcp.types import CallToolResult

from mcp import Client
from mktdirector.mcp.server import AuditedServer


class Assistant:
    """Calls the server through the official client, one connection per call (as tests need)."""

    def __init__(self, server: AuditedServer) -> None:
        self.server = server

    def session(self, fn: Callable[[Client], Any]) -> Any:
        async def main() -> Any:
            async with Client(self.server) as client:
                return await fn(client)

        return anyio.run(main)

    def call(self, tool: str, **arguments: Any) -> CallToolResult:
        return self.session(lambda c: c.call_tool(tool, arguments))  # type: ignore[no-any-return]
