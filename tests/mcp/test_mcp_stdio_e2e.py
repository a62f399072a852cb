"""The issue's proof over stdio: the official MCP client drives a real `mktd mcp` process while a
real `mktd sandbox serve` process plays X, and a person approves through the real CLI.

An assistant drafts a thread, is refused when it publishes (the sandbox saw 0 posts), a human
approves with `mktd drafts approve`, the assistant publishes (one thread on X), publishes again
(nothing more), reads the post's analytics and the report. Then every MCP result, the actions
log and the database are searched for the run's secrets.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import anyio
import pytest
from e2e_helpers import (
    MKTD,
    llm_server,
    mktd,
    mktd_env,
    sandbox_posts,
    sandbox_process,
    secrets_in,
    within_two_minutes,
)
from mcp.client.stdio import stdio_client

from mcp import ClientSession, StdioServerParameters

pytestmark = pytest.mark.slow  # three processes end to end


async def assistant_session(env: dict[str, str], sandbox_url: str) -> dict[str, Any]:
    seen: dict[str, Any] = {"results": []}
    params = StdioServerParameters(command=MKTD, args=["mcp"], env=env)
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()

        async def call(tool: str, **args: Any) -> Any:
            result = await session.call_tool(tool, args)
            seen["results"].append(result.model_dump_json())
            return result

        drafted = await call("draft_post", platform="twitter", topic="shipping small",
                             thread_length=3)  # fmt: skip
        assert not drafted.is_error, drafted.content
        draft = drafted.structured_content
        seen["draft"] = draft
        assert draft["kind"] == "thread" and len(draft["segments"]) == 3
        assert all(n <= 280 for n in draft["weighted_length"]) and draft["content_hash"]

        refused = await call("publish_draft", draft_id=draft["id"])
        assert refused.is_error
        assert refused.structured_content["error"]["kind"] == "approval_required"
        assert f"mktd drafts approve {draft['id']}" in refused.content[0].text
        seen["posts_after_refusal"] = len(sandbox_posts(sandbox_url))

        # A person reads it and approves it with the CLI, as the refusal said.
        approved = await anyio.to_thread.run_sync(
            lambda: mktd(env, "drafts", "approve", draft["id"], "--yes", "--json")
        )
        assert approved.returncode == 0, approved.stderr

        published = await call("publish_draft", draft_id=draft["id"])
        assert not published.is_error, published.content
        seen["published"] = published.structured_content
        seen["posts_after_publish"] = len(sandbox_posts(sandbox_url))

        again = await call("publish_draft", draft_id=draft["id"])
        assert not again.is_error, again.content
        seen["again"] = again.structured_content
        seen["posts_after_again"] = len(sandbox_posts(sandbox_url))

        analytics = await call("post_analytics", post_or_draft_id=draft["id"])
        assert not analytics.is_error, analytics.content
        seen["analytics"] = analytics.structured_content
        report = await call("performance_report", timeframe="7d", channels=["twitter"])
        assert not report.is_error, report.content
        seen["report"] = report.structured_content
        for uri in ("mktd://brand", "mktd://schedule", "mktd://performance/30d"):
            seen["results"].append((await session.read_resource(uri)).model_dump_json())
    return seen


def test_an_assistant_drafts_is_refused_then_publishes_once_after_a_human_approves(
    tmp_path: Path,
) -> None:
    with llm_server() as llm, sandbox_process(tmp_path / "sbx") as (url, sb_env):
        env = mktd_env(tmp_path / "home", sb_env, llm.url)
        seen = anyio.run(within_two_minutes, assistant_session, env, url)
        logged = mktd(env, "logs", "--source", "mcp", "--json")
        db = tmp_path / "home" / "mktd.db"

    draft = seen["draft"]
    assert seen["posts_after_refusal"] == 0  # refused: nothing reached the platform
    assert seen["posts_after_publish"] == 3  # one thread of three posts
    assert seen["posts_after_again"] == 3  # publishing again sent nothing
    published, again = seen["published"], seen["again"]
    assert (published["status"], published["approved_by"]) == ("published", "human")
    assert again["already_published"] is True
    assert [p["id"] for p in again["thread_results"]] == [
        p["id"] for p in published["thread_results"]
    ]
    assert [p["segment"] for p in seen["analytics"]["posts"]] == [0, 1, 2]
    assert all(p["available"] for p in seen["analytics"]["posts"])
    assert [p["draft_id"] for p in seen["report"]["posts"]] == [draft["id"]]

    rows = [json.loads(line) for line in logged.stdout.splitlines()]
    assert [(r["action"], r["outcome"]) for r in rows] == [
        ("draft_post", "ok"), ("publish_draft", "refused"), ("publish_draft", "ok"),
        ("publish_draft", "ok"), ("post_analytics", "ok"), ("performance_report", "ok"),
    ]  # fmt: skip
    assert {r["draft_id"] for r in rows[:5]} == {draft["id"]}

    # No secret of the run in any MCP result, the actions log or anywhere in the database.
    with sqlite3.connect(db) as conn:
        dump = "\n".join(conn.iterdump())
    haystacks = {"mcp results": "\n".join(seen["results"]), "actions": logged.stdout,
                 "database": dump}  # fmt: skip
    found = secrets_in(env)
    assert {"TWITTER_ACCESS_TOKEN", "OPENAI_API_KEY", "MKTD_SECRET_KEY"} <= set(found)
    for name, secret in found.items():
        for where, text in haystacks.items():
            assert secret not in text, f"{name} found in {where}"
