"""The posting flow without a front end: resume rules, confirmation, dry run, schedule path."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import respx

from mktdirector.agents.social import posting
from mktdirector.agents.social.posting import Next, PostRequest
from mktdirector.core.errors import UsageError
from mktdirector.wiring import Deps

from fakes import FakeLLM

LI = "http://li.test"


@pytest.fixture
def deps() -> Iterator[Deps]:
    d = Deps()
    yield d
    d.close()


@pytest.fixture
def linkedin(monkeypatch: pytest.MonkeyPatch) -> Iterator[respx.Route]:
    """LinkedIn answering every post; the route counts what was really sent."""
    monkeypatch.setenv("MKTD_LINKEDIN_BASE_URL", LI)
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", "li-token-0123456789")
    with respx.mock(assert_all_called=False) as router:
        router.get(f"{LI}/v2/userinfo").mock(
            return_value=httpx.Response(200, json={"sub": "abc", "name": "Ann"})
        )
        yield router.post(f"{LI}/rest/posts").mock(
            return_value=httpx.Response(201, json={}, headers={"x-restli-id": "urn:li:share:7"})
        )


def text_request(text: str = "Hello from the flow") -> PostRequest:
    return PostRequest("linkedin", text=text)


def publish_now(deps: Deps, request: PostRequest) -> str:
    prepared = posting.prepare(deps, request, publish=True)
    ticket = posting.approve_for_publishing(deps, prepared, confirmed=True)
    assert posting.publish(deps, ticket, confirmed=True).status == "published"
    return prepared.view.id


# resume rules ----------------------------------------------------------------------------------


def test_a_new_request_saves_a_draft_to_show(deps):
    prepared = posting.prepare(deps, text_request())
    assert prepared.next is Next.SHOW and prepared.resumed is None
    assert deps.store.get_draft(prepared.view.id)["status"] == "draft"
    assert prepared.view.draft["source"] == "text"


def test_the_same_text_again_resumes_its_draft_and_saves_no_second(deps):
    first = posting.prepare(deps, text_request())
    again = posting.prepare(deps, text_request())
    assert again.view.id == first.view.id and again.resumed == "draft"
    assert len(deps.store.list_drafts()) == 1
    other = posting.prepare(deps, text_request("Something else"))
    assert other.view.id != first.view.id and other.resumed is None


def test_new_always_starts_a_new_draft(deps):
    first = posting.prepare(deps, text_request())
    fresh = posting.prepare(deps, text_request(), new=True)
    assert fresh.view.id != first.view.id and fresh.resumed is None


@pytest.mark.usefixtures("brand_voice")  # publishing LLM text needs a voice
def test_a_topic_alone_writes_anew_but_publishing_it_resumes_the_reviewed_draft(deps):
    llm = FakeLLM("First text.", "Second text.")
    deps.set_llm(llm)
    topic = PostRequest("linkedin", topic="AI ROI")
    first = posting.prepare(deps, topic)
    second = posting.prepare(deps, topic)  # asking again for ideas: a new text
    assert second.view.id != first.view.id and len(llm.calls) == 2
    to_publish = posting.prepare(deps, topic, publish=True)
    assert to_publish.view.id == second.view.id and to_publish.resumed == "draft"
    assert to_publish.next is Next.PUBLISH and to_publish.needs_approval
    assert len(llm.calls) == 2  # no third generation


def test_a_published_request_is_shown_not_published_again(deps, linkedin):
    did = publish_now(deps, text_request())
    with pytest.raises(posting.AlreadyPublished) as info:
        posting.prepare(deps, text_request(), publish=True)
    assert info.value.draft_id == did and "linkedin.com" in (info.value.url or "")
    when = posting.when_for(deps, "linkedin", "in 2h", publish=False)
    with pytest.raises(posting.AlreadyPublished):
        posting.prepare(deps, text_request(), when=when)
    shown = posting.prepare(deps, text_request())
    assert shown.next is Next.SHOW and shown.already_published and shown.view.id == did
    assert linkedin.call_count == 1


def test_scheduling_resumes_a_draft_or_approved_one_but_not_a_scheduled_one(deps):
    when = posting.when_for(deps, "linkedin", "in 2h", publish=False)
    first = posting.prepare(deps, text_request(), when=when)
    assert first.next is Next.SCHEDULE and first.resumed is None
    posting.approve_and_schedule(deps, first, confirmed=True)
    again = posting.prepare(deps, text_request(), when=when)
    assert again.resumed == "scheduled" and again.next is Next.SHOW  # not moved silently


# confirmation ----------------------------------------------------------------------------------


def test_publishing_needs_the_confirmation_flag_and_sends_nothing_without(deps, linkedin):
    prepared = posting.prepare(deps, text_request(), publish=True)
    with pytest.raises(UsageError) as info:
        posting.approve_for_publishing(deps, prepared, confirmed=False)
    assert "needs a confirmation" in info.value.message
    assert deps.store.get_draft(prepared.view.id)["status"] == "draft"  # not even approved
    ticket = posting.approve_for_publishing(deps, prepared, confirmed=True)
    with pytest.raises(UsageError):
        posting.publish(deps, ticket, confirmed=False)
    assert deps.store.get_draft(prepared.view.id)["status"] == "approved"
    assert linkedin.call_count == 0
    result = posting.publish(deps, ticket, confirmed=True)
    assert result.status == "published" and result.posts[0]["id"] == "urn:li:share:7"
    assert linkedin.call_count == 1


def test_scheduling_needs_the_confirmation_flag(deps):
    when = posting.when_for(deps, "linkedin", "in 2h", publish=False)
    prepared = posting.prepare(deps, text_request(), when=when)
    with pytest.raises(UsageError) as info:
        posting.approve_and_schedule(deps, prepared, confirmed=False)
    assert "did not schedule" in info.value.message
    assert deps.store.get_draft(prepared.view.id)["status"] == "draft"
    assert deps.store.list_jobs() == []


# dry run ---------------------------------------------------------------------------------------


def test_dry_run_saves_and_sends_nothing_and_shows_the_tagged_request(deps, linkedin):
    request = text_request("Read more https://acme.io/launch")
    result = posting.dry_run(deps, request, publish=True)
    assert linkedin.call_count == 0 and deps.store.list_drafts() == []
    assert result.requests is not None and result.requests["sent"] is False
    [req] = result.requests["requests"]
    assert req["method"] == "POST" and req["url"] == f"{LI}/rest/posts"
    assert "utm_content=DRAFT-ID" in req["body"]["commentary"]
    assert result.to_dict()["status"] == "dry run" and result.to_dict()["saved"] is False


def test_dry_run_without_publish_shows_only_the_draft(deps, linkedin):
    result = posting.dry_run(deps, text_request())
    assert result.requests is None and "publish" not in result.draft
    assert linkedin.call_count == 0 and deps.store.list_drafts() == []


# schedule path ---------------------------------------------------------------------------------


def test_approve_and_schedule_queues_one_publish_job(deps, linkedin):
    when = posting.when_for(deps, "linkedin", "in 3h", publish=False)
    prepared = posting.prepare(deps, text_request(), when=when)
    scheduled = posting.approve_and_schedule(deps, prepared, confirmed=True)
    assert scheduled.status == "scheduled" and scheduled.job.draft_id == prepared.view.id
    [job] = deps.store.list_jobs()
    assert job["draft_id"] == prepared.view.id and job["status"] == "queued"
    assert scheduled.to_dict()["schedule"]["id"] == job["id"]
    assert linkedin.call_count == 0  # the worker publishes it later


def test_publish_and_schedule_together_are_refused_before_anything_is_saved(deps):
    with pytest.raises(UsageError, match="not both"):
        posting.when_for(deps, "linkedin", "in 2h", publish=True)
    assert deps.store.list_drafts() == []


def test_only_social_platforms_are_posted_to():
    assert posting.check_platform("x") == "twitter"
    with pytest.raises(UsageError, match="linkedin or twitter"):
        posting.check_platform("hubspot")
