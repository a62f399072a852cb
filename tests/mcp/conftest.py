"""An in-process mktd MCP server and the official client connected to it (no subprocess)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.types import CallToolResult

from fakes import FakeLLM
from mktdirector.mcp.server import AuditedServer, build
from mktdirector.wiring import Deps


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


@pytest.fixture
def llm() -> FakeLLM:
    return FakeLLM()


@pytest.fixture
def assistant(home: Path, llm: FakeLLM) -> Iterator[Assistant]:
    def make() -> Deps:
        deps = Deps()
        deps.set_llm(llm)
        return deps

    yield Assistant(build(make))
