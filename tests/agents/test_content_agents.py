"""Agents with a fake LLM: what goes into the prompts, what comes out, what is stored."""

from __future__ import annotations

import json
from datetime import date

import pytest

from mktdirector.agents.content import agent as content
from mktdirector.agents.content import compose, orchestrator, strategy
from mktdirector.agents.content.brand import Brand
from mktdirector.agents.content.generation import log_generation
from mktdirector.core.errors import UsageError
from mktdirector.llm import LLMOutputError

from fakes import FakeLLM

BRAND = Brand(
    company="Acme",
    audience="data leaders",
    tone=["plain"],
    avoid=["synergy"],
    hashtag_max=2,
    cta_style="a question",
    hash="abc123def456",
)


def test_linkedin_prompt_carries_brand_rules_and_platform_limits():
    llm = FakeLLM("AI ROI is measurable.\n\nWhat did you measure?")
    body, gen = content.linkedin_post(llm, BRAND, topic="AI ROI", style="contrarian")
    system, prompt = llm.calls[0]["system"], llm.calls[0]["prompt"]
    assert "Acme" in system and "data leaders" in system and "synergy" in system
    assert "3,000 characters" in system and "at most 2 hashtags" in system
    assert "AI ROI" in prompt and "contrarian" in prompt and "a question" in prompt
    assert body == ["AI ROI is measurable.\n\nWhat did you measure?"]
    assert gen.prompt.name == "linkedin_post" and gen.prompt.version == "1"


def test_linkedin_over_length_is_sent_back_once():
    llm = FakeLLM("x" * 3100, "Short and sweet.")
    body, gen = content.linkedin_post(llm, BRAND, topic="t")
    assert body == ["Short and sweet."] and len(llm.calls) == 2 and gen.completion.attempts == 2


def test_x_thread_has_exact_length_numbering_and_limits_in_prompt():
    posts = [f"Post number {i} about ROI" for i in range(1, 6)]
    llm = FakeLLM({"posts": posts})
    body, _ = content.x_thread(llm, BRAND, topic="AI ROI", thread_length=5)
    assert body == [f"{p} {i}/5" for i, p in enumerate(posts, 1)]
    call = llm.calls[0]
    assert "exactly 5 posts" in call["prompt"]
    assert "at most 276 weighted characters" in call["system"]
    assert call["schema"]["properties"]["posts"]["minItems"] == 5


def test_x_thread_segment_over_weighted_limit_is_rejected_then_repaired():
    too_long = ["日本" * 70] + ["ok"] * 4  # 140 CJK chars = 280 weighted > 276
    good = ["fine"] * 5
    llm = FakeLLM({"posts": too_long}, {"posts": good})
    body, _ = content.x_thread(llm, BRAND, topic="t", thread_length=5)
    assert body[0] == "fine 1/5" and len(llm.calls) == 2


def test_x_thread_invalid_twice_raises():
    bad = {"posts": ["日本" * 70] + ["ok"] * 4}
    with pytest.raises(LLMOutputError):
        content.x_thread(FakeLLM(bad, bad), BRAND, topic="t", thread_length=5)


def test_email_has_subject_preheader_text_and_html():
    llm = FakeLLM(
        {"subject": "Your course", "preheader": "Starts Monday", "text": "Join us at https://a.io"}
    )
    body, _ = content.marketing_email(llm, BRAND, topic="course")
    assert body["subject"] == "Your course" and '<a href="https://a.io">' in body["html"]


def test_unknown_style_refused_before_any_llm_call():
    llm = FakeLLM()
    with pytest.raises(UsageError):
        content.linkedin_post(llm, BRAND, topic="t", style="shouty")
    assert llm.calls == []


def test_topics_structured_and_grounded():
    topics = [
        {
            "title": f"T{i}",
            "angle": "a",
            "audience": "b",
            "why_now": "c",
            "suggested_platform": "linkedin",
        }
        for i in range(3)
    ]
    llm = FakeLLM({"topics": topics})
    found, gen = strategy.suggest_content_topics(
        llm,
        BRAND,
        content_type="linkedin",
        count=3,
        based_on="course launch",
        recent_titles=["Old"],
        today=date(2026, 11, 22),
    )
    assert [t.title for t in found] == ["T0", "T1", "T2"]
    p = llm.calls[0]["prompt"]
    assert "course launch" in p and "Old" in p and "2026-11-22" in llm.calls[0]["system"]


def test_plan_steps_dated_inside_timeframe_and_stored(store):
    start = date(2026, 12, 1)
    steps = [
        {
            "day": "2026-12-01",
            "channel": "linkedin",
            "topic": "Teaser",
            "angle": "why",
            "kind": "post",
        },
        {
            "day": "2026-12-03",
            "channel": "twitter",
            "topic": "Launch",
            "angle": "how",
            "kind": "thread",
        },
        {
            "day": "2026-12-05",
            "channel": "linkedin",
            "topic": "Proof",
            "angle": "case",
            "kind": "post",
        },
        {
            "day": "2026-12-09",
            "channel": "twitter",
            "topic": "Recap",
            "angle": "data",
            "kind": "post",
        },
    ]
    outside = [dict(steps[0], day="2027-01-01")] + steps[1:]
    llm = FakeLLM({"steps": outside}, {"steps": steps})
    plan, gen = orchestrator.plan_marketing_initiative(
        llm, BRAND, store, objective="Launch the course", timeframe="2 weeks", start=start
    )
    assert "outside 2026-12-01..2026-12-14" in llm.calls[1]["prompt"] or len(llm.calls) == 2
    assert [s.day for s in plan.steps] == ["2026-12-01", "2026-12-03", "2026-12-05", "2026-12-09"]
    assert plan.slug == "launch-the-course"
    stored = orchestrator.load_plan(store, plan.id)
    assert stored.steps == plan.steps and stored.generation_id
    g = store.generation(stored.generation_id)
    assert g["plan_id"] == plan.id and g["template"] == "plan" and g["brand_hash"] == "abc123def456"


def test_plan_create_drafts_links_and_resumes(store):
    steps = [
        {
            "day": "2026-12-01",
            "channel": "linkedin",
            "topic": "Teaser",
            "angle": "why",
            "kind": "post",
        },
        {
            "day": "2026-12-02",
            "channel": "twitter",
            "topic": "Launch",
            "angle": "how",
            "kind": "thread",
        },
    ]
    llm = FakeLLM({"steps": steps})
    plan, _ = orchestrator.plan_marketing_initiative(
        llm,
        BRAND,
        store,
        objective="Launch",
        timeframe="2 days",
        channels="linkedin,x",
        start=date(2026, 12, 1),
    )
    llm.replies += ["Teaser post https://acme.io/course", {"posts": ["Launch day"]}]
    views = compose.drafts_from_plan(llm, BRAND, store, plan, thread_length=1)
    assert len(views) == 2 and llm.replies == []
    rows = store.db.query(
        "select plan_id, plan_step, campaign, platform from drafts order by plan_step"
    )
    assert [(r["plan_id"], r["plan_step"], r["campaign"], r["platform"]) for r in rows] == [
        (plan.id, 0, "launch", "linkedin"),
        (plan.id, 1, "launch", "twitter"),
    ]
    assert "utm_campaign=launch" in store.get_draft(views[0].id)["body"][0]
    # A re-run drafts only the steps without a draft (none left): no LLM call at all.
    calls = len(llm.calls)
    assert compose.drafts_from_plan(llm, BRAND, store, plan) == [] and len(llm.calls) == calls


@pytest.mark.parametrize("text", ["2 fortnights", "0 days", "200 days", ""])
def test_bad_timeframes_refused(text):
    with pytest.raises(UsageError):
        orchestrator.parse_timeframe(text)


def test_generation_log_has_provenance(store):
    llm = FakeLLM("Post text")
    composed = compose.compose_from_topic(llm, BRAND, platform="linkedin", topic="AI ROI")
    view = compose.save(store, BRAND, composed, topic="AI ROI", style="professional", source="llm")
    gens = store.generations_for_draft(view.id)
    assert len(gens) == 1
    g = gens[0]
    assert g["model"] == "fake-model" and g["endpoint_host"] == "fake.local"
    assert (g["template"], g["template_version"], g["brand_hash"]) == (
        "linkedin_post",
        "1",
        "abc123def456",
    )
    assert "AI ROI" in g["user_prompt"] and "Acme" in g["system_prompt"]
    assert g["output"] == "Post text" and (g["input_tokens"], g["output_tokens"]) == (100, 50)
    assert g["cost_usd"] == pytest.approx(0.000125)
    assert view.draft["generation_id"] == g["id"]


def test_log_generation_of_structured_output_is_json(store):
    llm = FakeLLM({"posts": ["a", "b"]})
    _, gen = content.x_thread(llm, BRAND, topic="t", thread_length=2)
    gid = log_generation(store, gen, BRAND)
    assert json.loads(store.generation(gid)["output"]) == {"posts": ["a", "b"]}
