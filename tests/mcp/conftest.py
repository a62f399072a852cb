"""An in-process mktd MCP server and the official client connected to it (no subprocess)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp_assistant import Assistant

from mktdirector.mcp.server import build
from mktdirector.wiring import Deps

from fakes import FakeLLM


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
