"""`mktd logs --source mcp`: every MCP tool call, its arguments without secrets and its outcome."""

from __future__ import annotations

import json
from typing import Any

from mcp_assistant import Assistant


def test_logs_source_mcp_lists_the_tool_calls(assistant: Assistant, cli: Any) -> None:
    made = assistant.call("draft_post", platform="twitter", text="Logged, not leaked.")
    did = made.structured_content["id"]  # type: ignore[index]
    assistant.call("publish_draft", draft_id=did)
    assistant.call("list_drafts", limit=5)

    out = cli("logs", "--source", "mcp", "--json")
    assert out.exit_code == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(r["action"], r["outcome"], r["draft_id"]) for r in rows] == [
        ("draft_post", "ok", did),
        ("publish_draft", "refused", did),
        ("list_drafts", "ok", None),
    ]
    assert rows[1]["arguments"] == {"draft_id": did} and rows[1]["actor"] == "assistant"

    table = cli("logs", "--source", "mcp", "--draft", did[-6:], env={"COLUMNS": "160"})
    assert table.exit_code == 0, table.stderr
    assert "publish_draft" in table.stdout and "list_drafts" not in table.stdout
    assert cli("logs", "--source", "web").stdout.strip() == ""  # nothing through the dashboard


def test_logs_source_refuses_an_unknown_source_and_creates_no_database(cli: Any, home: Any) -> None:
    bad = cli("logs", "--source", "fax")
    assert bad.exit_code == 2 and "--source takes one of: cli, web, mcp, api" in bad.stderr
    assert cli("logs", "--source", "mcp").exit_code == 0
    assert not (home / "mktd.db").exists()


def test_secret_named_arguments_are_masked_and_texts_redacted() -> None:
    from mktdirector.agents.ops.actions import scrub
    from mktdirector.core.redact import register

    register("super-secret-value-123")
    kept = scrub({"api_key": "abc", "text": "a super-secret-value-123 b", "nested": {"token": "t"},
                  "items": ["Bearer abcdefghijkl"], "limit": 5})  # fmt: skip
    assert kept == {"api_key": "****", "text": "a **** b", "nested": {"token": "****"},
                    "items": ["Bearer ****"], "limit": 5}  # fmt: skip
