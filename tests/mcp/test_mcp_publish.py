"""publish_draft against the in-process sandbox: once after a person approves, never twice, and
on an opted-in platform approved by the assistant (recorded as such)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mcp_assistant import Assistant

from mktdirector.agents.content import review
from mktdirector.core.config import Config
from mktdirector.sandbox import Sandbox
from mktdirector.store.protocols import StoreLike

pytestmark = pytest.mark.slow  # a real sandbox server and publishes through it


@pytest.fixture
def sb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    with Sandbox(port=0, state_dir=tmp_path / "sbx") as s:
        for k, v in s.env().items():
            monkeypatch.setenv(k, v)
        yield s


def x_posts(sb: Sandbox) -> list[str]:
    state = httpx.get(f"{sb.url}/_sandbox/state", timeout=10).json()
    return [p["text"] for p in state["posts"].get("x", [])]


def test_published_once_after_approval_and_again_sends_nothing(
    assistant: Assistant, store: StoreLike, sb: Sandbox
) -> None:
    made = assistant.call("draft_post", platform="twitter", text="Approved by a person.")
    did = made.structured_content["id"]  # type: ignore[index]
    review.approve(store, did, confirmed=True)
    first = assistant.call("publish_draft", draft_id=did).structured_content
    again = assistant.call("publish_draft", draft_id=did).structured_content
    assert first is not None and again is not None
    assert (first["status"], first["approved_by"], first["already_published"]) == (
        "published", "human", False,
    )  # fmt: skip
    assert again["already_published"] and again["url"] == first["url"]
    assert x_posts(sb) == ["Approved by a person."]
    by_post = assistant.call("post_analytics", post_or_draft_id=first["post_id"])
    assert not by_post.is_error, by_post.content
    assert by_post.structured_content["draft_id"] == did  # type: ignore[index]
    # The platform calls a tool made carry its actions row's correlation id.
    row = store.actions(source="mcp")[-1]
    calls = store.calls(correlation_id=row["correlation_id"])
    assert row["action"] == "post_analytics" and [c["method"] for c in calls] == ["GET"]


def test_autonomy_publishes_and_the_log_says_the_assistant_approved(
    assistant: Assistant, store: StoreLike, sb: Sandbox, home: Path
) -> None:
    home.mkdir(exist_ok=True)
    (home / "config.toml").write_text('[mcp]\nautonomy = ["twitter"]\n')  # as the issue writes it
    assert Config(home / "config.toml").get("mcp.autonomy") == ["twitter"]
    made = assistant.call("draft_post", platform="twitter", text="Trusted to post.")
    did = made.structured_content["id"]  # type: ignore[index]
    done = assistant.call("publish_draft", draft_id=did).structured_content
    assert done is not None and (done["status"], done["approved_by"]) == ("published", "assistant")
    assert x_posts(sb) == ["Trusted to post."]
    rows = [(r["actor"], r["action"], r["outcome"]) for r in store.actions(draft_id=did)]
    assert rows == [
        ("assistant", "draft_post", "ok"),
        ("assistant", "approve", "ok"),
        ("assistant", "publish_draft", "ok"),
    ]
