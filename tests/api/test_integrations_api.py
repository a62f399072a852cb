"""The brief's integration classes against the sandbox (issue 11 item 9).

`LinkedInIntegration(access_token=...)` and its siblings are thin facades over the real clients
and the CLI's flows: a post is published exactly once through the ledger, the token given in
code is used and never saved, and the answers are the brief's shapes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mktdirector.api import (
    HubSpotIntegration,
    LinkedInIntegration,
    PublishIncomplete,
    TwitterIntegration,
)
from mktdirector.core.errors import UsageError
from mktdirector.sandbox import Sandbox
from mktdirector.sandbox.env import TOKEN_ENV
from mktdirector.wiring import Deps

LI_TOKEN = TOKEN_ENV["LINKEDIN_ACCESS_TOKEN"]
X_TOKEN = TOKEN_ENV["TWITTER_ACCESS_TOKEN"]


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """A sandbox with NO tokens in the environment: the facades must use the ones given."""
    with Sandbox(port=0, state_dir=tmp_path / "sbx") as s:
        for k, v in s.env(tokens=False).items():
            monkeypatch.setenv(k, v)
        yield s


@pytest.fixture
def deps() -> Iterator[Deps]:
    d = Deps()
    yield d
    d.close()


def posts_on(sandbox: Sandbox, platform: str) -> list[dict]:
    """The posts the sandbox holds (its room for X is called "x")."""
    room = {"twitter": "x"}.get(platform, platform)
    return list(sandbox.state()["posts"][room])


def test_the_briefs_first_sample_runs_and_publishes_once(
    sandbox: Sandbox, deps: Deps, home: Path
) -> None:
    linkedin = LinkedInIntegration(access_token=LI_TOKEN, deps=deps)
    post = linkedin.create_post(text="Check out our new AI training program!", visibility="PUBLIC")
    assert post["id"].startswith("urn:li:") and post["status"] == "published"
    assert post["platform"] == "linkedin" and post["url"] and post["created_at"]
    assert set(post) >= {"id", "platform", "text", "url", "created_at", "status", "draft_id"}

    again = linkedin.create_post(text="Check out our new AI training program!")
    assert again["id"] == post["id"]  # the same text asked again: the post already made
    assert len(posts_on(sandbox, "linkedin")) == 1

    analytics = linkedin.get_post_analytics(post["id"])
    assert analytics["available"] is True

    # The draft is mktd's like any other: published, with its account, counted by the report.
    draft = deps.store.get_draft(post["draft_id"])
    assert draft["status"] == "published" and draft["account"] == "api-token"


def test_the_token_given_in_code_is_used_and_never_saved(
    sandbox: Sandbox, deps: Deps, home: Path
) -> None:
    linkedin = LinkedInIntegration(access_token=LI_TOKEN, deps=deps)
    linkedin.create_post(text="A post made with a token given in code")
    assert deps.credentials.get("linkedin", "api-token", env=False) is None
    for path in home.rglob("*"):
        if path.is_file():
            assert LI_TOKEN.encode() not in path.read_bytes(), path


def test_visibility_reaches_linkedin(sandbox: Sandbox, deps: Deps) -> None:
    post = LinkedInIntegration(access_token=LI_TOKEN, deps=deps).create_post(
        text="Only for my connections", visibility="CONNECTIONS"
    )
    [stored] = posts_on(sandbox, "linkedin")
    assert stored["visibility"] == "CONNECTIONS" and post["id"].endswith(str(stored["id"]))


def test_unknown_visibility_is_refused_before_anything_is_written(
    sandbox: Sandbox, deps: Deps
) -> None:
    with pytest.raises(UsageError, match="visibility"):
        LinkedInIntegration(access_token=LI_TOKEN, deps=deps).create_post("x", visibility="FRIENDS")
    with pytest.raises(UsageError, match="LinkedIn's"):
        TwitterIntegration(access_token=X_TOKEN, deps=deps).create_post(
            "x", visibility="CONNECTIONS"
        )
    assert not deps.store.exists() or deps.store.list_drafts() == []
    assert posts_on(sandbox, "linkedin") == [] and posts_on(sandbox, "twitter") == []


def test_test_connection_answers_the_briefs_shape(sandbox: Sandbox, deps: Deps) -> None:
    status = LinkedInIntegration(access_token=LI_TOKEN, deps=deps).test_connection()
    assert status["status"] == "connected" and status["platform"] == "linkedin"
    assert status["user_id"] and set(status["rate_limit"]) == {
        "rate_limit_remaining",
        "rate_limit_reset",
    }
    assert LI_TOKEN not in repr(status)
    missing = HubSpotIntegration(deps=deps).test_connection()
    assert (
        missing["status"] == "missing_credentials" and "mktd authorize hubspot" in missing["hint"]
    )


def test_a_long_x_text_is_a_thread_published_once(sandbox: Sandbox, deps: Deps) -> None:
    text = " ".join(f"Sentence number {i} about measuring AI ROI honestly." for i in range(12))
    post = TwitterIntegration(access_token=X_TOKEN, deps=deps).create_post(text)
    assert post["status"] == "published" and len(post["thread_results"]) >= 2
    assert len(posts_on(sandbox, "twitter")) == len(post["thread_results"])


def test_an_unknown_outcome_raises_instead_of_returning_no_id(sandbox: Sandbox, deps: Deps) -> None:
    # The post is created, then the answer is lost: LinkedIn cannot be read back to confirm.
    sandbox.set_faults("linkedin.create:reset-after@1")
    with pytest.raises(PublishIncomplete) as info:
        LinkedInIntegration(access_token=LI_TOKEN, deps=deps).create_post("Did it go out?")
    assert info.value.result["status"] == "needs-check"
    assert "mktd drafts show" in info.value.hint


def test_schedule_post_queues_the_approved_text_for_the_worker(
    sandbox: Sandbox, deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", LI_TOKEN)  # what the worker will use
    when = datetime.now(UTC) + timedelta(days=1)
    result = LinkedInIntegration(deps=deps).schedule_post("Tomorrow's post", when)
    assert result["status"] == "scheduled" and result["id"] is None
    assert result["scheduled_for"].startswith(when.strftime("%Y-%m-%dT%H:%M"))
    assert posts_on(sandbox, "linkedin") == []


def test_schedule_post_with_a_token_given_in_code_is_refused(sandbox: Sandbox, deps: Deps) -> None:
    when = datetime.now(UTC) + timedelta(days=1)
    with pytest.raises(UsageError, match="worker"):
        LinkedInIntegration(access_token=LI_TOKEN, deps=deps).schedule_post("x", when)
    assert not deps.store.exists() or deps.store.list_drafts() == []
