"""ActionLog: who did what through a front end (an MCP tool call, an approval), oldest first."""

from __future__ import annotations

from mktdirector.store.protocols import StoreLike


def test_actions_are_recorded_with_their_arguments_and_filtered(store: StoreLike) -> None:
    first = store.record_action(
        source="mcp", actor="assistant", action="draft_post", outcome="ok",
        arguments={"platform": "twitter", "text": "Hello"}, draft_id="D1",
        correlation_id="RUN1", duration_ms=12,
    )  # fmt: skip
    store.record_action(source="cli", actor="ada", action="approve", outcome="ok", draft_id="D1")
    store.record_action(
        source="mcp", action="publish_draft", outcome="refused", detail="approval_required",
        arguments={"draft_id": "D1"}, draft_id="D1",
    )  # fmt: skip
    mcp = store.actions(source="mcp")
    assert [(a["action"], a["outcome"]) for a in mcp] == [
        ("draft_post", "ok"),
        ("publish_draft", "refused"),
    ]
    assert mcp[0]["id"] == first and mcp[0]["arguments"] == {"platform": "twitter", "text": "Hello"}
    assert (mcp[0]["actor"], mcp[0]["correlation_id"], mcp[0]["duration_ms"]) == (
        "assistant", "RUN1", 12,
    )  # fmt: skip
    assert mcp[1]["detail"] == "approval_required" and mcp[1]["actor"] is None
    assert [a["source"] for a in store.actions(draft_id="D1")] == ["mcp", "cli", "mcp"]
    assert [a["action"] for a in store.actions(after_id=first)] == ["approve", "publish_draft"]
    assert [a["action"] for a in store.actions(limit=1)] == ["publish_draft"]  # the newest
    assert store.actions(source="web") == []
