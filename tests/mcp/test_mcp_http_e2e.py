"""The same proof over `mktd mcp --http`: streamable HTTP on 127.0.0.1 behind the serve token.

Without the token (or with a wrong one) every request is answered 401 and nothing runs; with it
the official client drafts, is refused, a person approves through the CLI, it publishes once and
again without a second post, and reads the analytics and the report.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from e2e_helpers import (
    API_TOKEN,
    MKTD,
    free_port,
    llm_server,
    mktd,
    mktd_env,
    sandbox_posts,
    sandbox_process,
    within_two_minutes,
)
from mcp.client.streamable_http import streamable_http_client

from mcp import ClientSession

pytestmark = pytest.mark.slow  # three processes end to end


@contextmanager
def mcp_http(env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([MKTD, "mcp", "--http", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        if proc.stderr is not None:
            proc.stderr.close()


async def assistant(url: str, env: dict[str, str], sandbox_url: str) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    auth = {"Authorization": f"Bearer {API_TOKEN}"}
    async with (
        httpx2.AsyncClient(headers=auth, timeout=30) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        made = await session.call_tool("draft_post", {"platform": "x", "text": "Over HTTP."})
        did = made.structured_content["id"]  # type: ignore[index]
        refused = await session.call_tool("publish_draft", {"draft_id": did})
        seen["refused"] = refused.structured_content["error"]["kind"]  # type: ignore[index]
        seen["after_refusal"] = len(sandbox_posts(sandbox_url))
        ok = await anyio.to_thread.run_sync(lambda: mktd(env, "drafts", "approve", did, "--yes"))
        assert ok.returncode == 0, ok.stderr
        first = await session.call_tool("publish_draft", {"draft_id": did})
        again = await session.call_tool("publish_draft", {"draft_id": did})
        seen["published"] = (first.structured_content, again.structured_content)
        seen["after_publish"] = len(sandbox_posts(sandbox_url))
        metrics = await session.call_tool("post_analytics", {"post_or_draft_id": did})
        report = await session.call_tool("performance_report", {"timeframe": "7d"})
        seen["reads"] = (metrics.is_error, report.is_error, metrics.content)
    return seen


def test_mcp_over_http_needs_the_token_and_then_works(tmp_path: Path) -> None:
    with llm_server() as llm, sandbox_process(tmp_path / "sbx") as (sb_url, sb_env):
        env = {**mktd_env(tmp_path / "home", sb_env, llm.url), "MKTD_API_TOKEN": API_TOKEN}
        with mcp_http(env) as url:
            hello = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
            for headers in ({}, {"Authorization": "Bearer not-the-token-at-all"},
                            {"Authorization": API_TOKEN}):  # fmt: skip
                denied = httpx.post(url, json=hello, headers=headers, timeout=10)
                assert denied.status_code == 401, headers
                assert API_TOKEN not in denied.text and "mktd mcp --show-token" in denied.text
            # The token is not enough from a page on another site (DNS rebinding).
            foreign = httpx.post(url, json=hello, timeout=10, headers={
                "Authorization": f"Bearer {API_TOKEN}", "Host": "evil.example"})  # fmt: skip
            assert foreign.status_code in (403, 421)
            seen = anyio.run(within_two_minutes, assistant, url, env, sb_url)
        shown = mktd(env, "mcp", "--show-token")
        logged = mktd(env, "logs", "--source", "mcp", "--json")
        with sqlite3.connect(tmp_path / "home" / "mktd.db") as conn:
            dump = "\n".join(conn.iterdump())
    assert seen["refused"] == "approval_required" and seen["after_refusal"] == 0
    first, again = seen["published"]
    assert first["status"] == "published" and again["already_published"] is True
    assert seen["after_publish"] == 1
    assert seen["reads"][:2] == (False, False), seen["reads"][2]
    assert shown.returncode == 0 and shown.stdout.strip() == API_TOKEN
    # The token guards the endpoint; it is in no result, actions row or database row.
    assert [json.loads(line)["action"] for line in logged.stdout.splitlines()] == [
        "draft_post", "publish_draft", "publish_draft", "publish_draft", "post_analytics",
        "performance_report",
    ]  # fmt: skip
    assert API_TOKEN not in logged.stdout + dump + repr(seen)
