"""`mktd mcp` as a command: the shared token, and bad input as one line with a hint."""

from __future__ import annotations

import socket
from typing import Any

import pytest

STRONG = "a-long-enough-token-for-mcp-tests"


def test_show_token_prints_the_env_token_or_a_stored_one_that_stays(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MKTD_API_TOKEN", STRONG)
    assert cli("mcp", "--show-token").stdout.strip() == STRONG
    monkeypatch.delenv("MKTD_API_TOKEN")
    first = cli("mcp", "--show-token").stdout.strip()
    assert len(first) >= 32 and cli("mcp", "--show-token").stdout.strip() == first


def test_a_weak_token_is_a_config_error(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MKTD_API_TOKEN", "short")
    result = cli("mcp", "--show-token")
    assert result.exit_code == 3 and "MKTD_API_TOKEN is shorter than 16" in result.stderr
    assert "Traceback" not in result.stderr and "short" not in result.stdout


def test_a_taken_port_is_one_line_with_a_hint(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MKTD_API_TOKEN", STRONG)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("mcp", "--http", "--port", str(port))
    assert result.exit_code == 2
    assert f"Cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "--port 0" in result.stderr and STRONG not in result.stderr + result.stdout
