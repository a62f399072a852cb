"""The brief's own Python API examples, run as written (with a fake LLM injected)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from mktdirector.api import OrchestratorAgent, SocialMediaAgent, StrategyAgent
from mktdirector.core.errors import ConfigError, UsageError
from mktdirector.llm import NoLLMError

from fakes import FakeLLM


def test_brief_campaign_flow_drafts():
    day = lambda n: (date.today() + timedelta(days=n)).isoformat()  # noqa: E731
    steps = [
        {"day": day(1 + i), "channel": c, "topic": f"S{i}", "angle": "a", "kind": "post"}
        for i, c in enumerate(["linkedin", "twitter", "linkedin", "twitter"])
    ]
    topics = [
        {
            "title": "Prompting is a skill",
            "angle": "a",
            "audience": "b",
            "why_now": "c",
            "suggested_platform": "linkedin",
        }
    ] * 5
    llm = FakeLLM(
        {"steps": steps},
        {"topics": topics},
        "LinkedIn post text",
        {"posts": [f"p{i}" for i in range(5)]},
    )

    orchestrator = OrchestratorAgent(llm=llm)
    plan = orchestrator.plan_marketing_initiative(
        objective="Launch new prompt engineering course", timeframe="2 weeks"
    )
    strategy = StrategyAgent(llm=llm)
    topics = strategy.suggest_content_topics(
        content_type="linkedin", count=5, based_on="new course launch"
    )
    social = SocialMediaAgent(llm=llm)
    linkedin_post = social.create_linkedin_post(
        topic=topics["topics"][0]["title"], style="professional", include_cta=True, publish=False
    )
    twitter_thread = social.create_twitter_thread(
        topic=topics["topics"][0]["title"], thread_length=5, publish=False
    )
    assert len(plan["steps"]) == 4 and plan["slug"] == "launch-new-prompt-engineering-course"
    assert linkedin_post["status"] == "draft" and linkedin_post["text"] == "LinkedIn post text"
    assert twitter_thread["kind"] == "thread" and len(twitter_thread["body"]) == 5
    assert twitter_thread["body"][4] == "p4 5/5"


def test_without_llm_the_api_raises_the_config_error():
    with pytest.raises(NoLLMError):
        SocialMediaAgent().create_linkedin_post(topic="AI ROI")


@pytest.mark.usefixtures("brand_voice")
def test_publish_true_without_credentials_refuses_and_sends_nothing():
    social = SocialMediaAgent(llm=FakeLLM("text"))
    with pytest.raises(ConfigError) as info:
        social.create_linkedin_post(topic="AI ROI", publish=True)
    assert "mktd authorize linkedin" in info.value.hint


@pytest.mark.usefixtures("brand_voice")
def test_publish_true_returns_the_brief_shape(monkeypatch):
    import httpx
    import respx

    monkeypatch.setenv("MKTD_TWITTER_BASE_URL", "http://x.test")
    monkeypatch.setenv("TWITTER_ACCESS_TOKEN", "tok-123456789")
    social = SocialMediaAgent(llm=FakeLLM({"posts": ["a", "b"]}))
    ids = iter(["101", "102"])
    with respx.mock() as router:
        router.post("http://x.test/2/tweets").mock(
            side_effect=lambda r: httpx.Response(201, json={"data": {"id": next(ids), "text": "t"}})
        )
        result = social.create_twitter_thread(topic="AI ROI", thread_length=2, publish=True)
    assert result["status"] == "published" and result["post_id"] == "101"
    assert [t["id"] for t in result["thread_results"]] == ["101", "102"]
    assert set(result) >= {"id", "platform", "text", "url", "created_at", "status"}


@pytest.mark.usefixtures("brand_voice")  # publishing LLM text needs a voice
def test_brief_flow_draft_then_publish_publishes_the_reviewed_draft(monkeypatch):
    """The brief drafts with publish=False, a human reviews, then calls again with publish=True:
    the reviewed draft goes out, not a second, different text."""
    import httpx
    import respx

    monkeypatch.setenv("MKTD_LINKEDIN_BASE_URL", "http://li.test")
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", "li-tok-123456789")
    llm = FakeLLM("The reviewed text.")
    social = SocialMediaAgent(llm=llm)
    draft = social.create_linkedin_post(topic="AI ROI", style="professional", publish=False)
    with respx.mock() as router:
        router.get("http://li.test/v2/userinfo").mock(
            return_value=httpx.Response(200, json={"sub": "abc"})
        )
        route = router.post("http://li.test/rest/posts").mock(
            return_value=httpx.Response(201, json={}, headers={"x-restli-id": "urn:li:share:9"})
        )
        published = social.create_linkedin_post(topic="AI ROI", publish=True)
        assert route.call_count == 1
        with pytest.raises(UsageError) as info:
            social.create_linkedin_post(topic="AI ROI", publish=True)
        assert "already published" in info.value.message
    assert published["draft_id"] == draft["draft_id"] and published["status"] == "published"
    assert len(llm.calls) == 1  # no second generation


def test_post_analytics_of_a_platform_without_posts_is_a_usage_error():
    # It was an AttributeError from deep inside (a CRM client has no get_metrics).
    with pytest.raises(UsageError) as e:
        SocialMediaAgent(llm=FakeLLM()).get_post_analytics("hubspot", "123")
    assert e.value.message == "hubspot has no post analytics."
    assert e.value.hint == "Use linkedin or twitter"


@pytest.mark.usefixtures("brand_voice")
def test_publish_true_answers_what_the_database_holds(monkeypatch):
    """Issue 11 item 9: the dict is the draft after the call (id is the draft's, not the URN;
    published_utc and approved_hash are set), with the post's id beside it."""
    import httpx
    import respx

    from mktdirector.wiring import Deps

    monkeypatch.setenv("MKTD_LINKEDIN_BASE_URL", "http://li.test")
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", "li-tok-123456789")
    deps = Deps()
    social = SocialMediaAgent(llm=FakeLLM("Fresh text."), deps=deps)
    with respx.mock() as router:
        router.get("http://li.test/v2/userinfo").mock(
            return_value=httpx.Response(200, json={"sub": "abc"})
        )
        router.post("http://li.test/rest/posts").mock(
            return_value=httpx.Response(201, json={}, headers={"x-restli-id": "urn:li:share:9"})
        )
        result = social.create_linkedin_post(topic="AI ROI", publish=True)
    stored = deps.store.get_draft(result["draft_id"])
    assert result["id"] == stored["id"] == result["draft_id"]
    assert result["post_id"] == "urn:li:share:9"
    assert result["status"] == stored["status"] == "published"
    assert result["published_utc"] == stored["published_utc"] is not None
    assert result["approved_hash"] == stored["approved_hash"] is not None
    deps.close()


@pytest.mark.usefixtures("brand_voice")
def test_publish_true_with_an_unknown_outcome_raises(monkeypatch):
    """Never a quiet thread_results[0]["id"]: None — the caller is told to check."""
    import httpx
    import respx

    from mktdirector.api import PublishIncomplete

    monkeypatch.setenv("MKTD_LINKEDIN_BASE_URL", "http://li.test")
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", "li-tok-123456789")
    monkeypatch.setenv("MKTD_MAX_WAIT", "0")
    social = SocialMediaAgent(llm=FakeLLM("Did it go out?"))
    with respx.mock() as router:
        router.get("http://li.test/v2/userinfo").mock(
            return_value=httpx.Response(200, json={"sub": "abc"})
        )
        sent = router.post("http://li.test/rest/posts").mock(
            side_effect=httpx.ReadTimeout("lost answer")
        )
        with pytest.raises(PublishIncomplete) as info:
            social.create_linkedin_post(topic="AI ROI", publish=True)
    assert sent.call_count == 1  # never sent twice on an unknown outcome
    assert info.value.result["status"] == "needs-check"


def test_publish_without_a_brand_voice_needs_no_brand(monkeypatch):
    """Item 6 through the Python API: refused by default (nothing sent), allowed with no_brand."""
    import httpx
    import respx

    from mktdirector.core.errors import ConfigError

    monkeypatch.setenv("MKTD_LINKEDIN_BASE_URL", "http://li.test")
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", "li-tok-123456789")
    with respx.mock() as router:
        router.get("http://li.test/v2/userinfo").mock(
            return_value=httpx.Response(200, json={"sub": "abc"})
        )
        route = router.post("http://li.test/rest/posts").mock(
            return_value=httpx.Response(201, json={}, headers={"x-restli-id": "urn:li:share:7"})
        )
        with pytest.raises(ConfigError):
            SocialMediaAgent(llm=FakeLLM("Generic text.")).create_linkedin_post(
                topic="AI ROI", publish=True
            )
        assert route.call_count == 0
        result = SocialMediaAgent(llm=FakeLLM("Generic text.")).create_linkedin_post(
            topic="AI ROI", publish=True, no_brand=True
        )
    assert route.call_count == 1 and result["post_id"] == "urn:li:share:7"
