"""The brief's headline flow through the CLI: draft, confirm, publish, result shape."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from mktdirector.wiring import Deps

from fakes import FakeLLM

LI = "http://li.test"
TOKEN = "li-token-SECRET-0123456789"


@pytest.fixture
def linkedin(monkeypatch):
    monkeypatch.setenv("MKTD_LINKEDIN_BASE_URL", LI)
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", TOKEN)
    with respx.mock(assert_all_called=False) as router:
        router.get(f"{LI}/v2/userinfo").mock(
            return_value=httpx.Response(200, json={"sub": "abc", "name": "Ann"})
        )
        route = router.post(f"{LI}/rest/posts").mock(
            return_value=httpx.Response(201, json={}, headers={"x-restli-id": "urn:li:share:42"})
        )
        yield route


@pytest.mark.usefixtures("brand_voice")
def test_social_linkedin_topic_publish_exactly_as_the_brief(cli, linkedin, monkeypatch):
    llm = FakeLLM("80% of AI projects fail to show ROI. Here's how to be in the 20%.")
    monkeypatch.setattr(Deps, "llm", lambda self: llm)
    r = cli("social", "linkedin", "--topic", "AI ROI", "--publish", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["id"] == "urn:li:share:42" and out["platform"] == "linkedin"
    assert out["url"] == "https://www.linkedin.com/feed/update/urn:li:share:42/"
    assert out["status"] == "published" and out["text"].startswith("80% of AI")
    assert out["created_at"]
    assert linkedin.call_count == 1
    assert TOKEN not in r.stdout + r.stderr


def test_publish_without_confirmation_sends_nothing(cli, linkedin):
    d = json.loads(cli("social", "linkedin", "--text", "Hello", "--json").stdout)
    cli("drafts", "approve", d["id"], "--yes")
    r = cli("publish", d["id"])  # no TTY, no --yes
    assert r.exit_code == 2 and "--yes" in r.stderr and linkedin.call_count == 0


def test_publish_twice_is_refused_the_second_time(cli, linkedin):
    d = json.loads(cli("social", "linkedin", "--text", "Once", "--json").stdout)
    cli("drafts", "approve", d["id"], "--yes")
    assert cli("publish", d["id"], "--yes").exit_code == 0
    again = cli("publish", d["id"], "--yes")
    assert again.exit_code == 2 and "already published" in again.stderr
    assert linkedin.call_count == 1


def test_publish_dry_run_prints_requests_and_sends_nothing(cli, linkedin):
    d = json.loads(cli("social", "linkedin", "--text", "Dry (run)", "--json").stdout)
    r = cli("publish", d["id"], "--dry-run", "--json")
    assert r.exit_code == 0, r.stderr
    plan = json.loads(r.stdout)
    req = plan["requests"][0]
    assert req["method"] == "POST" and req["url"] == f"{LI}/rest/posts"
    assert (
        req["headers"]["authorization"] == "****" and req["body"]["commentary"] == "Dry \\(run\\)"
    )
    assert plan["approved"] is False and linkedin.call_count == 0


def test_needs_check_exit_code_and_resolution(cli, linkedin):
    linkedin.side_effect = httpx.ReadTimeout("lost")
    d = json.loads(cli("social", "linkedin", "--text", "Lost answer", "--json").stdout)
    cli("drafts", "approve", d["id"], "--yes")
    r = cli("publish", d["id"], "--yes")
    assert r.exit_code == 1 and "--resolve" in r.stderr
    ok = cli(
        "publish",
        d["id"],
        "--resolve",
        "posted",
        "--url",
        "https://www.linkedin.com/feed/update/urn:li:share:99/",
        "--json",
    )
    assert ok.exit_code == 0 and json.loads(ok.stdout)["status"] == "published"
    assert linkedin.call_count == 1


def test_rate_limited_publish_exits_5_and_is_queued_for_the_worker(cli, linkedin, store):
    linkedin.return_value = httpx.Response(
        429, json={"message": "Too many requests", "status": 429}, headers={"retry-after": "3600"}
    )
    d = json.loads(cli("social", "linkedin", "--text", "Busy day", "--json").stdout)
    cli("drafts", "approve", d["id"], "--yes")
    r = cli("publish", d["id"], "--yes")
    assert r.exit_code == 5, r.stderr
    assert "Queued for" in r.stderr and "mktd worker" in r.stderr
    assert linkedin.call_count == 1
    assert store.get_draft(d["id"])["status"] == "scheduled"
    jobs = [j for j in store.list_jobs() if j["draft_id"] == d["id"]]
    assert len(jobs) == 1 and jobs[0]["status"] == "queued"


def test_same_command_after_a_failure_resumes_the_same_draft(cli, monkeypatch, tmp_path, store):
    monkeypatch.setenv("MKTD_TWITTER_BASE_URL", "http://x.test")
    monkeypatch.setenv("TWITTER_ACCESS_TOKEN", "x-token-0123456789")
    text = tmp_path / "thread.md"
    text.write_text("First post https://acme.io/launch\n---\nSecond post\n---\nThird post")
    posted: list[dict] = []

    def create(request):
        body = json.loads(request.content)
        if len(posted) == 1 and not getattr(create, "failed", False):
            create.failed = True  # X refuses post 2 once (a transient validation failure)
            return httpx.Response(400, json={"title": "Invalid Request", "detail": "try later"})
        posted.append(body)
        return httpx.Response(
            201, json={"data": {"id": str(100 + len(posted)), "text": body["text"]}}
        )

    args = ("social", "twitter", "--text-file", str(text), "--publish", "--yes", "--json")
    with respx.mock() as router:
        router.post("http://x.test/2/tweets").mock(side_effect=create)
        first = cli(*args)
        assert first.exit_code == 6, first.stderr
        second = cli(*args)
    assert second.exit_code == 0, second.stderr
    assert "Resuming draft" in second.stderr
    assert [p["text"].split(" ")[0] for p in posted] == ["First", "Second", "Third"]
    assert posted[1]["reply"]["in_reply_to_tweet_id"] == "101"
    assert len(store.list_drafts()) == 1  # the re-run made no second draft
    third = cli(*args)
    assert third.exit_code == 2 and "already published" in third.stderr and len(posted) == 3


def test_unreadable_image_is_refused_before_anything_changes(cli, linkedin, store):
    d = json.loads(cli("social", "linkedin", "--text", "With a picture", "--json").stdout)
    cli("drafts", "approve", d["id"], "--yes")
    r = cli("publish", d["id"], "--yes", "--image", "/nope/launch.png")
    assert r.exit_code == 2 and "Cannot read the image" in r.stderr
    assert store.get_draft(d["id"])["status"] == "approved"  # not marked failed
    assert store.notifications() == [] and linkedin.call_count == 0


def test_report_to_an_unwritable_path_is_one_clean_error(cli):
    cli("init")
    r = cli("report", "--format", "html", "-o", "/nope/dir/report.html")
    assert r.exit_code == 2 and "Cannot write /nope/dir/report.html" in r.stderr
    assert "Traceback" not in r.stderr


def test_same_linkedin_text_from_a_new_draft_is_refused_not_published(cli, linkedin, store):
    """Issue 11 item 1: the second `--new` run used to print "Published" and the first URN."""
    dup = {
        "message": "Content is a duplicate of urn:li:share:42",
        "errorDetails": {"inputErrors": [{"code": "DUPLICATE_POST"}]},
        "status": 422,
    }
    linkedin.side_effect = [
        httpx.Response(201, json={}, headers={"x-restli-id": "urn:li:share:42"}),
        httpx.Response(422, json=dup),
    ]
    args = ("social", "linkedin", "--text", "Same words twice", "--publish", "--yes")
    first = cli(*args, "--json")
    assert first.exit_code == 0, first.stderr
    first_draft = json.loads(first.stdout)["draft_id"]
    second = cli(*args, "--new")
    assert second.exit_code == 1, second.stdout + second.stderr
    assert "Published" not in second.stdout
    assert "urn:li:share:42" in second.stderr and first_draft in second.stderr
    assert [p["draft_id"] for p in store.published_posts()] == [first_draft]
