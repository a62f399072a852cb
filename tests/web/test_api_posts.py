"""`POST /social/{platform}/posts` and the drafts routes, over the ASGI app, through the same
flows as the CLI (LinkedIn answered by respx; every create it received is counted)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import respx

from fakes import FakeLLM

LI = "http://li.test"


@pytest.fixture
def linkedin(monkeypatch: pytest.MonkeyPatch) -> Iterator[respx.Route]:
    monkeypatch.setenv("MKTD_LINKEDIN_BASE_URL", LI)
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", "li-token-0123456789")
    with respx.mock(assert_all_called=False) as router:
        router.get(f"{LI}/v2/userinfo").mock(
            return_value=httpx.Response(200, json={"sub": "abc", "name": "Ann"})
        )
        yield router.post(f"{LI}/rest/posts").mock(
            return_value=httpx.Response(201, json={}, headers={"x-restli-id": "urn:li:share:7"})
        )


def test_a_text_becomes_a_draft_in_the_briefs_shape(api):
    r = api.post("/social/linkedin/posts", json={"text": "Hello from the API"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "draft" and body["platform"] == "linkedin"
    assert body["text"] == "Hello from the API" and body["id"] is None and body["url"] is None
    assert body["draft_id"] and body["created_at"] and body["thread_results"] == []


def test_a_topic_is_written_by_the_llm(api, wiring):
    wiring.llm = FakeLLM("80% of AI projects fail. Here is why.")
    r = api.post("/social/linkedin/posts", json={"topic": "AI ROI", "style": "casual"})
    assert r.status_code == 201, r.text
    assert r.json()["text"].startswith("80% of AI projects fail")
    assert len(wiring.llm.calls) == 1


def test_publish_true_publishes_exactly_once_and_answers_the_post(api, linkedin):
    r = api.post("/social/linkedin/posts", json={"text": "Ship it", "publish": True})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "published" and body["id"] == "urn:li:share:7"
    assert body["url"].startswith("https://www.linkedin.com/feed/update/urn:li:share:7")
    assert body["thread_results"][0]["id"] == "urn:li:share:7"
    assert linkedin.call_count == 1
    again = api.post("/social/linkedin/posts", json={"text": "Ship it", "publish": True})
    assert again.status_code == 409 and again.json()["kind"] == "usage"  # already published
    assert linkedin.call_count == 1  # nothing sent twice


def test_a_rate_limit_is_429_with_retry_after_and_the_post_queued(api, linkedin):
    linkedin.mock(return_value=httpx.Response(429, headers={"Retry-After": "3600"}))
    r = api.post("/social/linkedin/posts", json={"text": "Later please", "publish": True})
    assert r.status_code == 429, r.text
    assert r.headers["retry-after"] == "3600"
    body = r.json()
    assert body["kind"] == "rate_limit" and body["queued"] is True and body["exit_code"] == 5
    assert r.headers["content-type"] == "application/problem+json"
    drafts = api.get("/drafts").json()["items"]
    assert len(drafts) == 1
    from mktdirector.wiring import Deps

    d = Deps()
    try:
        jobs = d.store.list_jobs(statuses=("queued",))
    finally:
        d.close()
    assert [j["draft_id"] for j in jobs] == [drafts[0]["id"]]


def test_an_unknown_outcome_is_202_with_what_to_check(api, linkedin):
    linkedin.mock(return_value=httpx.Response(500, json={"message": "oops"}))
    r = api.post("/social/linkedin/posts", json={"text": "Did it go?", "publish": True})
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["status"] == "needs-check" and body["message"]
    assert linkedin.call_count == 1  # never resent blindly


def test_schedule_at_approves_and_queues(api):
    r = api.post("/social/twitter/posts", json={"text": "Tomorrow's news", "schedule_at": "in 2h"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "scheduled" and body["schedule"]["draft_id"] == body["draft_id"]


def test_the_x_alias_works(api):
    r = api.post("/social/x/posts", json={"text": "An X post"})
    assert r.status_code == 201 and r.json()["platform"] == "twitter"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"text": "x", "thread_length": 0}, "body.thread_length"),
        ({"text": "x", "style": "shouty"}, "body.style"),
        ({"text": "x", "surprise": 1}, "body.surprise"),
    ],
)
def test_validation_is_422_naming_the_field(api, payload, field):
    r = api.post("/social/linkedin/posts", json=payload)
    assert r.status_code == 422
    body = r.json()
    assert body["kind"] == "validation" and field in [e["field"] for e in body["errors"]]
    assert api.get("/drafts").json()["items"] == []


def test_neither_or_both_sources_is_422_and_saves_nothing(api):
    for payload in ({}, {"topic": "a", "text": "b"}):
        r = api.post("/social/linkedin/posts", json=payload)
        assert r.status_code == 422 and r.json()["kind"] == "usage"
    assert api.get("/drafts").json()["items"] == []


def test_an_unknown_platform_is_422(api):
    r = api.post("/social/myspace/posts", json={"text": "hi"})
    assert r.status_code == 422 and "myspace" in r.json()["detail"]


def test_no_llm_configured_is_409_config_with_the_ways_to_configure(api):
    r = api.post("/social/linkedin/posts", json={"topic": "AI ROI"})
    assert r.status_code == 409 and r.json()["exit_code"] == 3


def test_llm_text_without_a_brand_voice_is_refused_unless_no_brand(api, wiring, linkedin):
    """Issue 11 item 6 through the API: the same flow rule, opted out per request."""
    wiring.llm = FakeLLM("Generic words.", "Generic words.")
    refused = api.post("/social/linkedin/posts", json={"topic": "AI ROI", "publish": True})
    assert refused.status_code == 409 and refused.json()["kind"] == "brand_not_set", refused.text
    assert "brand" in refused.text.lower() and linkedin.call_count == 0
    done = api.post(
        "/social/linkedin/posts", json={"topic": "AI ROI", "publish": True, "no_brand": True}
    )
    assert done.status_code == 201, done.text
    assert done.json()["status"] == "published" and linkedin.call_count == 1
