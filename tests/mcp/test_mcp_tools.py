"""The MCP tools through the official client, in process: names, annotations, schemas, the
approval rule, errors as tool errors, and an actions row for every call."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from mcp_assistant import Assistant

from mktdirector.agents.content import review
from mktdirector.core.config import Config
from mktdirector.store.protocols import StoreLike

from fakes import FakeLLM

TOOLS = {
    "draft_post", "list_drafts", "get_draft", "edit_draft", "suggest_topics", "plan_initiative",
    "schedule_draft", "publish_draft", "post_analytics", "performance_report",
    "integration_status",
}  # fmt: skip
READS = {"list_drafts", "get_draft", "post_analytics", "performance_report", "integration_status"}


def draft(assistant: Assistant, text: str = "Ship small, ship often.") -> dict[str, Any]:
    result = assistant.call("draft_post", platform="twitter", text=text)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


def test_the_tools_are_named_typed_and_annotated(assistant: Assistant) -> None:
    tools = {t.name: t for t in assistant.session(lambda c: c.list_tools()).tools}
    assert set(tools) == TOOLS
    for name, tool in tools.items():
        hints = tool.annotations
        assert hints is not None and tool.output_schema is not None, name
        assert hints.read_only_hint is (name in READS), name
    for name in ("publish_draft", "schedule_draft"):
        hints = tools[name].annotations
        assert hints is not None and hints.destructive_hint and hints.idempotent_hint
    assert tools["publish_draft"].annotations.open_world_hint  # type: ignore[union-attr]
    assert tools["post_analytics"].annotations.open_world_hint  # type: ignore[union-attr]
    platform = tools["draft_post"].input_schema["properties"]["platform"]
    assert platform["enum"] == ["linkedin", "twitter", "x"]
    assert tools["draft_post"].input_schema["required"] == ["platform"]
    assert "segments" in tools["draft_post"].output_schema["properties"]  # type: ignore[index]


def test_draft_post_returns_the_draft_with_hash_length_and_next_step(
    assistant: Assistant, store: StoreLike
) -> None:
    d = draft(assistant, "Read the docs https://example.com/docs before you ship.")
    saved = store.get_draft(d["id"])
    assert (d["status"], d["approved"], d["content_hash"]) == (
        "draft",
        False,
        saved["content_hash"],
    )
    assert d["segments"] == saved["body"] and d["weighted_length"] == [14 + 23 + 17]  # a URL is 23
    assert d["next_step"] == f"Waiting for a person to approve it: mktd drafts approve {d['id']}"
    [row] = store.actions(source="mcp")
    assert (row["action"], row["outcome"], row["actor"], row["draft_id"]) == (
        "draft_post", "ok", "assistant", d["id"],
    )  # fmt: skip
    assert row["arguments"]["text"].startswith("Read the docs") and row["correlation_id"]


def test_a_topic_thread_is_written_by_the_llm(assistant: Assistant, llm: FakeLLM) -> None:
    llm.replies.append({"posts": ["Why small releases win.", "They are easy to undo."]})
    result = assistant.call("draft_post", platform="x", topic="small releases", thread_length=2)
    d = result.structured_content
    assert not result.is_error and d is not None
    assert (d["kind"], d["segments"]) == ("thread", ["Why small releases win. 1/2",
                                                      "They are easy to undo. 2/2"])  # fmt: skip
    assert len(llm.calls) == 1


def test_bad_arguments_get_the_schemas_message_and_are_audited(
    assistant: Assistant, store: StoreLike
) -> None:
    wrong = assistant.call("draft_post", platform="myspace", text="hi")
    assert (
        wrong.is_error and "Input should be 'linkedin', 'twitter' or 'x'" in wrong.content[0].text
    )  # type: ignore[union-attr]
    both = assistant.call("draft_post", platform="twitter", text="hi", topic="also")
    assert both.is_error and both.structured_content is not None
    assert both.structured_content["error"]["kind"] == "usage"
    assert "exactly one of topic or text" in both.structured_content["error"]["message"]
    assert store.list_drafts() == []  # nothing half-written
    rows = store.actions(source="mcp")
    assert [(r["outcome"], r["detail"]) for r in rows] == [
        ("invalid_arguments", "platform: Input should be 'linkedin', 'twitter' or 'x'"),
        ("usage", "usage: Give exactly one of topic or text."),
    ]


def test_publish_and_schedule_refuse_a_draft_no_person_approved(
    assistant: Assistant, store: StoreLike
) -> None:
    d = draft(assistant)
    for tool, args in (("publish_draft", {}), ("schedule_draft", {"when": "in 2h"})):
        refused = assistant.call(tool, draft_id=d["id"], **args)
        assert refused.is_error and refused.structured_content is not None
        err = refused.structured_content["error"]
        assert err["kind"] == "approval_required" and err["draft_id"] == d["id"]
        assert err["approve_command"] == f"mktd drafts approve {d['id']}"
        assert f"mktd drafts approve {d['id']}" in refused.content[0].text  # type: ignore[union-attr]
    assert store.get_draft(d["id"])["status"] == "draft"  # nothing approved, queued or sent
    assert store.draft_posts(d["id"]) == [] and store.list_jobs() == []
    outcomes = [(r["action"], r["outcome"]) for r in store.actions(source="mcp")]
    assert outcomes[-2:] == [("publish_draft", "refused"), ("schedule_draft", "refused")]


def test_the_refusal_links_the_dashboard_when_one_is_configured(
    assistant: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MKTD_DASHBOARD_URL", "http://127.0.0.1:8484")
    d = draft(assistant)
    err = assistant.call("publish_draft", draft_id=d["id"]).structured_content["error"]  # type: ignore[index]
    assert err["dashboard_url"] == f"http://127.0.0.1:8484/ui/drafts/{d['id']}"  # the page
    assert err["dashboard_url"] in err["hint"]


def test_an_edit_after_approval_needs_a_new_approval(
    assistant: Assistant, store: StoreLike
) -> None:
    d = draft(assistant)
    review.approve(store, d["id"], confirmed=True)
    assert assistant.call("get_draft", draft_id=d["id"][-8:]).structured_content["approved"]  # type: ignore[index]
    edited = assistant.call("edit_draft", draft_id=d["id"], text="Ship small. Ship daily.")
    e = edited.structured_content
    assert e is not None and not edited.is_error
    assert (e["status"], e["approved"], e["approval_reset"]) == ("draft", False, True)
    assert e["content_hash"] != d["content_hash"] == e["previous_hash"]
    refused = assistant.call("publish_draft", draft_id=d["id"]).structured_content
    assert refused is not None and refused["error"]["kind"] == "approval_required"
    # The edit cleared the approval, so the text now waiting is one no person approved.
    assert "is draft, not approved by a person" in refused["error"]["message"]


def test_an_approved_draft_is_scheduled_and_rescheduling_moves_it(
    assistant: Assistant, store: StoreLike
) -> None:
    d = draft(assistant)
    review.approve(store, d["id"], confirmed=True)
    first = assistant.call("schedule_draft", draft_id=d["id"], when="in 2h", timezone="UTC")
    again = assistant.call("schedule_draft", draft_id=d["id"], when="in 3h", timezone="UTC")
    assert not first.is_error and not again.is_error, first.content
    s1, s2 = first.structured_content, again.structured_content
    assert s1 is not None and s2 is not None
    assert (s1["approved_by"], s1["draft_id"], s1["id"]) == ("human", d["id"], s2["id"])
    assert s2["due_utc"] > s1["due_utc"] and store.get_draft(d["id"])["status"] == "scheduled"


def test_autonomy_lets_the_assistant_approve_on_the_opted_in_platform_only(
    assistant: Assistant, store: StoreLike, home: Path
) -> None:
    home.mkdir(exist_ok=True)
    Config(home / "config.toml").set("mcp.autonomy", "twitter")
    x = draft(assistant)
    linkedin = assistant.call("draft_post", platform="linkedin", text="A LinkedIn note.")
    lid = linkedin.structured_content["id"]  # type: ignore[index]
    refused = assistant.call("schedule_draft", draft_id=lid, when="in 2h")
    assert refused.structured_content["error"]["kind"] == "approval_required"  # type: ignore[index]
    scheduled = assistant.call("schedule_draft", draft_id=x["id"], when="in 2h")
    assert not scheduled.is_error and scheduled.structured_content["approved_by"] == "assistant"  # type: ignore[index]
    approvals = [r for r in store.actions(draft_id=x["id"]) if r["action"] == "approve"]
    assert [(a["actor"], a["detail"]) for a in approvals] == [
        ("assistant", "approved by the assistant: mcp.autonomy includes twitter")
    ]


def test_reads_list_drafts_report_status_and_topics(
    assistant: Assistant, store: StoreLike, llm: FakeLLM
) -> None:
    d = draft(assistant)
    listed = assistant.call("list_drafts", status="draft", platform="x").structured_content
    assert listed is not None and [r["id"] for r in listed["drafts"]] == [d["id"]]
    assert listed["count"] == 1 and listed["drafts"][0]["approved"] is False
    report = assistant.call("performance_report", timeframe="30d").structured_content
    assert report is not None and report["timeframe"]["label"] and report["posts"] == []
    status = assistant.call("integration_status").structured_content
    assert status is not None and {p["platform"] for p in status["platforms"]} >= {"twitter"}
    topic = {"title": "Small releases", "angle": "a", "audience": "devs", "why_now": "now",
             "suggested_platform": "linkedin"}  # fmt: skip
    llm.replies.append({"topics": [topic]})
    topics = assistant.call("suggest_topics", count=1).structured_content
    assert topics is not None and topics["topics"][0]["title"] == "Small releases"
    missing = assistant.call("post_analytics", post_or_draft_id=d["id"]).structured_content
    assert missing is not None and "no published post yet" in missing["error"]["message"]


def test_an_unknown_draft_is_a_tool_error_with_the_clis_hint(
    assistant: Assistant, store: StoreLike
) -> None:
    result = assistant.call("get_draft", draft_id="NOSUCHDRAFT")
    assert result.is_error and result.structured_content is not None
    err = result.structured_content["error"]
    assert err["hint"] == "mktd drafts list shows the ids" and err["exit_code"] == 2
    assert "Traceback" not in result.content[0].text  # type: ignore[union-attr]
    [row] = store.actions(source="mcp")
    assert (row["outcome"], row["draft_id"]) == ("usage", None)  # it touched no draft


def test_a_bug_reaches_the_client_without_its_text(
    assistant: Assistant,
    store: StoreLike,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from mktdirector.agents.content import review as flows

    def broken(*args: Any, **kw: Any) -> Any:
        raise RuntimeError("internal detail sk-should-not-leak-123456")

    monkeypatch.setattr(flows, "find", broken)
    with caplog.at_level(logging.ERROR):
        result = assistant.call("list_drafts")
    assert result.is_error and result.content[0].text == "Error executing tool list_drafts"  # type: ignore[union-attr]
    assert store.actions(source="mcp")[-1]["outcome"] == "crashed"
    # The server logs one line, no traceback (that needs MKTD_DEBUG=1), nothing secret.
    crash = [r for r in caplog.records if "unexpected exception" in r.getMessage()]
    assert crash and all(r.exc_info is None and r.exc_text is None for r in crash)
    monkeypatch.setenv("MKTD_DEBUG", "1")
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        assistant.call("list_drafts")
    [debug] = [r for r in caplog.records if "unexpected exception" in r.getMessage()]
    assert "RuntimeError: internal detail" in (debug.exc_text or "")  # redacted traceback
    assert "sk-should-not-leak-123456" not in (debug.exc_text or "")


def test_resources_and_prompts(assistant: Assistant) -> None:
    async def read(client: Any) -> Any:
        listed = await client.list_resources()
        brand = await client.read_resource("mktd://brand")
        schedule = await client.read_resource("mktd://schedule")
        perf = await client.read_resource("mktd://performance/30d")
        prompts = await client.list_prompts()
        launch = await client.get_prompt("plan_a_launch", {"launch": "the course"})
        return listed, brand, schedule, perf, prompts, launch

    listed, brand, schedule, perf, prompts, launch = assistant.session(read)
    assert {str(r.uri) for r in listed.resources} == {
        "mktd://brand", "mktd://schedule", "mktd://performance/30d",
    }  # fmt: skip
    assert "neutral rules" in brand.contents[0].text
    assert '"jobs": []' in schedule.contents[0].text and '"timeframe"' in perf.contents[0].text
    assert {p.name for p in prompts.prompts} == {"plan_a_launch", "weekly_report"}
    assert "plan_initiative" in launch.messages[0].content.text


def test_plan_initiative_stores_the_plan_and_its_drafts_wait_for_approval(
    assistant: Assistant, store: StoreLike, llm: FakeLLM
) -> None:
    from datetime import date, timedelta

    days = [(date.today() + timedelta(days=1 + i)).isoformat() for i in range(2)]
    llm.replies += [
        {"steps": [{"day": d, "channel": "linkedin", "topic": f"Step {i}", "angle": "a",
                    "kind": "post"} for i, d in enumerate(days)]},
        "Post zero", "Post one",
    ]  # fmt: skip
    result = assistant.call("plan_initiative", objective="Launch the course",
                            timeframe="2 days", channels=["linkedin"], create_drafts=True)  # fmt: skip
    out = result.structured_content
    assert not result.is_error and out is not None, result.content
    assert [s["topic"] for s in out["plan"]["steps"]] == ["Step 0", "Step 1"]
    assert [(d["text"], d["status"], d["approved"]) for d in out["drafts"]] == [
        ("Post zero", "draft", False), ("Post one", "draft", False),
    ]  # fmt: skip
    assert {d["plan_id"] for d in store.list_drafts()} == {out["plan"]["id"]}


@pytest.mark.parametrize(
    ("status", "says", "hint"),
    [
        ("needs-check", "needs a person to check whether it was posted", "--resolve posted"),
        ("rejected", "was rejected (off brand)", "mktd drafts show"),
    ],
)
def test_a_draft_waiting_for_a_person_for_another_reason_says_so(
    assistant: Assistant, store: StoreLike, status: str, says: str, hint: str
) -> None:
    d = draft(assistant)
    store.update_draft(d["id"], "draft", status=status, rejected_reason="off brand")
    err = assistant.call("publish_draft", draft_id=d["id"]).structured_content["error"]  # type: ignore[index]
    assert err["kind"] == "usage" and says in err["message"] and hint in err["hint"]
