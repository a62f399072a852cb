"""Publishing exactly once against respx: threads resume, unknown outcomes are reconciled."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from mktdirector.agents.content import drafts
from mktdirector.agents.content.brand import Brand
from mktdirector.agents.social.publishing import dry_run, publish_draft
from mktdirector.core import errors as E
from mktdirector.core.clock import Clock
from mktdirector.wiring import Deps

X = "http://x.test"
LI = "http://li.test"
TOKEN = "x-user-token-SECRET-abcdef123456"


@pytest.fixture
def deps(monkeypatch, home):
    monkeypatch.setenv("MKTD_TWITTER_BASE_URL", X)
    monkeypatch.setenv("MKTD_LINKEDIN_BASE_URL", LI)
    monkeypatch.setenv("TWITTER_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("MKTD_MAX_WAIT", "0")
    d = Deps()
    yield d
    d.close()


def approved(deps, platform, body, kind=None):
    v = drafts.create_draft(
        deps.store,
        Brand(),
        platform=platform,
        kind=kind or ("thread" if len(body) > 1 else "post"),
        body=body,
        utm=False,
    )
    drafts.approve(deps.store, v.id)
    return v.id


def client(deps, platform):
    c = deps.integration(platform)
    c.http.clock = Clock(sleep=lambda s: None)
    return c


class XServer:
    """A tiny X: POST /2/tweets with scripted failures, GET timeline for read-back."""

    def __init__(self, router, *, fail=None):
        self.created: list[dict] = []
        self.fail = fail or {}  # call number (1-based) -> exception or httpx.Response
        self.calls = 0
        router.post(f"{X}/2/tweets").mock(side_effect=self.create)
        router.get(f"{X}/2/users/me").mock(
            return_value=httpx.Response(
                200, json={"data": {"id": "42", "username": "acme", "name": "Acme"}}
            )
        )
        router.get(url__regex=rf"{X}/2/users/42/tweets.*").mock(side_effect=self.timeline)

    def create(self, request):
        self.calls += 1
        body = json.loads(request.content)
        outcome = self.fail.get(self.calls)
        if isinstance(outcome, httpx.Response):
            return outcome
        post_id = str(1_900_000_000_000_000_000 + len(self.created))
        self.created.append(
            {
                "id": post_id,
                "text": body["text"],
                "reply_to": body.get("reply", {}).get("in_reply_to_tweet_id"),
                "media": body.get("media"),
            }
        )
        if isinstance(outcome, Exception):
            raise outcome  # created on the server, answer lost on the way back
        return httpx.Response(201, json={"data": {"id": post_id, "text": body["text"]}})

    def timeline(self, request):
        data = [
            {
                "id": p["id"],
                "text": p["text"],
                "created_at": "2026-11-22T10:00:00.000Z",
                "referenced_tweets": (
                    [{"type": "replied_to", "id": p["reply_to"]}] if p["reply_to"] else None
                ),
            }
            for p in reversed(self.created)
        ]
        return httpx.Response(200, json={"data": data, "meta": {"result_count": len(data)}})


def test_thread_publishes_in_order_with_reply_chain_and_cost(deps):
    did = approved(deps, "twitter", [f"post {i} {i}/5" for i in range(1, 6)])
    with respx.mock(assert_all_called=False) as router:
        xs = XServer(router)
        result = publish_draft(deps.store, client(deps, "twitter"), did)
    assert result.status == "published" and xs.calls == 5
    assert [p["text"] for p in xs.created] == [f"post {i} {i}/5" for i in range(1, 6)]
    assert xs.created[0]["reply_to"] is None
    assert all(xs.created[i]["reply_to"] == xs.created[i - 1]["id"] for i in range(1, 5))
    assert deps.store.get_draft(did)["status"] == "published"
    d = result.to_dict()
    assert (
        d["id"] == xs.created[0]["id"] and d["status"] == "published" and d["platform"] == "twitter"
    )
    assert d["url"] == f"https://x.com/i/web/status/{xs.created[0]['id']}"  # env token: no username
    assert d["cost_usd"] == pytest.approx(5 * 0.015)


def test_thread_failing_at_segment_3_resumes_without_reposting(deps):
    did = approved(deps, "twitter", [f"seg {i} {i}/5" for i in range(1, 6)])
    refused = httpx.Response(
        400,
        json={
            "title": "Invalid Request",
            "detail": "bad",
            "type": "https://api.x.com/2/problems/invalid-request",
        },
    )
    with respx.mock(assert_all_called=False) as router:
        xs = XServer(router, fail={3: refused})
        with pytest.raises(E.BadRequestError):
            publish_draft(deps.store, client(deps, "twitter"), did)
        assert [p["text"] for p in xs.created] == ["seg 1 1/5", "seg 2 2/5"]
        d = deps.store.get_draft(did)
        assert d["status"] == "failed" and d["lease_owner"] is None
        result = publish_draft(deps.store, client(deps, "twitter"), did)
    assert result.status == "published"
    assert [p["text"] for p in xs.created] == [f"seg {i} {i}/5" for i in range(1, 6)]
    assert xs.created[2]["reply_to"] == xs.created[1]["id"]  # chain intact across the resume
    assert xs.calls == 6  # 2 + the refused one + 3


def test_timeout_after_send_is_reconciled_by_read_back_not_resent(deps):
    did = approved(deps, "twitter", ["Only once, please"])
    with respx.mock(assert_all_called=False) as router:
        xs = XServer(router, fail={1: httpx.ReadTimeout("lost")})
        result = publish_draft(deps.store, client(deps, "twitter"), did)
    assert result.status == "published" and xs.calls == 1 and len(xs.created) == 1
    assert result.posts[0]["id"] == xs.created[0]["id"]
    outcomes = [a["outcome"] for a in deps.store.attempts(did)]
    assert outcomes == ["unknown", "reconciled"]


def test_lost_request_not_on_timeline_is_sent_again_once(deps):
    did = approved(deps, "twitter", ["Try again"])
    with respx.mock(assert_all_called=False) as router:
        xs = XServer(router, fail={1: httpx.Response(500, json={"title": "boom"})})
        result = publish_draft(deps.store, client(deps, "twitter"), did)
    assert result.status == "published" and xs.calls == 2 and len(xs.created) == 1


def test_crashed_run_intent_is_settled_by_read_back(deps):
    did = approved(deps, "twitter", ["First 1/2", "Second 2/2"])
    # A run that died after sending post 1 and before saving its id:
    deps.store.claim_draft(did, "dead-process", now=0.0, lease_s=1.0)  # lease long expired
    deps.store.write_intent(
        did, 0, platform="twitter", account=None, text="First 1/2", reply_to=None
    )
    with respx.mock(assert_all_called=False) as router:
        xs = XServer(router)
        xs.created.append({"id": "1700", "text": "First 1/2", "reply_to": None})
        result = publish_draft(deps.store, client(deps, "twitter"), did)
    assert result.status == "published" and xs.calls == 1
    assert (xs.created[1]["text"], xs.created[1]["reply_to"]) == ("Second 2/2", "1700")


def test_live_lease_of_another_process_is_respected(deps):
    import time

    did = approved(deps, "twitter", ["Busy"])
    deps.store.claim_draft(did, "other", now=time.time(), lease_s=300)
    with respx.mock(assert_all_called=False) as router:
        xs = XServer(router)
        with pytest.raises(E.UsageError) as info:
            publish_draft(deps.store, client(deps, "twitter"), did)
    assert "another mktd process" in info.value.message and xs.calls == 0


def test_live_lease_of_a_dead_local_process_is_taken_over_and_settled(deps):
    """`mktd publish ID` killed mid-post, re-run at once: no 5-minute wait, no second post."""
    import subprocess
    import sys
    import time

    from mktdirector.core.leases import owner_id

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()  # exited and reaped, as after kill -9 in a shell
    parts = owner_id().split(":")
    parts[1] = str(proc.pid)
    did = approved(deps, "twitter", ["Killed 1/2", "Resumed 2/2"])
    deps.store.claim_draft(did, ":".join(parts), now=time.time(), lease_s=300)  # still live
    deps.store.write_intent(
        did, 0, platform="twitter", account=None, text="Killed 1/2", reply_to=None
    )
    with respx.mock(assert_all_called=False) as router:
        xs = XServer(router)
        xs.created.append({"id": "1700", "text": "Killed 1/2", "reply_to": None})
        result = publish_draft(deps.store, client(deps, "twitter"), did)
    assert result.status == "published" and xs.calls == 1  # post 1 read back, not resent
    assert (xs.created[1]["text"], xs.created[1]["reply_to"]) == ("Resumed 2/2", "1700")


def test_changed_after_approval_is_refused_and_nothing_sent(deps):
    did = approved(deps, "twitter", ["Approved text"])
    deps.store.db.execute("update drafts set content_hash = 'tampered' where id = ?", [did])
    deps.store.db.conn.commit()
    with respx.mock(assert_all_called=False) as router:
        xs = XServer(router)
        with pytest.raises(E.UsageError) as info:
            publish_draft(deps.store, client(deps, "twitter"), did)
    assert "changed since it was approved" in info.value.message and xs.calls == 0
    assert deps.store.draft_posts(did) == []


def test_unapproved_draft_is_refused(deps):
    v = drafts.create_draft(deps.store, Brand(), platform="twitter", kind="post", body=["x"])
    with respx.mock(assert_all_called=False) as router:
        xs = XServer(router)
        with pytest.raises(E.UsageError):
            publish_draft(deps.store, client(deps, "twitter"), v.id)
    assert xs.calls == 0


def linkedin_routes(router, create):
    router.get(f"{LI}/v2/userinfo").mock(
        return_value=httpx.Response(200, json={"sub": "abc", "name": "A"})
    )
    return router.post(f"{LI}/rest/posts").mock(side_effect=create)


def test_linkedin_lost_answer_becomes_needs_check_then_resolved(deps):
    did = approved(deps, "linkedin", ["Big news"])
    with respx.mock(assert_all_called=False) as router:
        route = linkedin_routes(router, [httpx.ReadTimeout("lost")])
        result = publish_draft(deps.store, client(deps, "linkedin"), did)
        assert result.status == "needs-check" and route.call_count == 1
        assert "recent-activity" in result.message and "--resolve" in result.message
        note = deps.store.notifications()[0]
        assert note["kind"] == "needs_check" and did in note["subject"]
        # Re-running does not post blindly:
        with pytest.raises(E.UsageError) as info:
            publish_draft(deps.store, client(deps, "linkedin"), did)
        assert "needs a human check" in info.value.message and route.call_count == 1
    from mktdirector.agents.social.publishing import resolve_needs_check

    row = resolve_needs_check(
        deps.store,
        "linkedin",
        did,
        posted=True,
        url="https://www.linkedin.com/feed/update/urn:li:share:777/",
    )
    assert row["status"] == "published"
    assert deps.store.draft_posts(did)[0]["remote_id"] == "urn:li:share:777"


def test_linkedin_not_posted_resolution_allows_resend(deps):
    did = approved(deps, "linkedin", ["Retry me"])
    with respx.mock(assert_all_called=False) as router:
        route = linkedin_routes(
            router,
            [
                httpx.Response(
                    502, text="<html>Bad gateway</html>", headers={"content-type": "text/html"}
                ),
                httpx.Response(201, json={}, headers={"x-restli-id": "urn:li:share:9"}),
            ],
        )
        assert publish_draft(deps.store, client(deps, "linkedin"), did).status == "needs-check"
        from mktdirector.agents.social.publishing import resolve_needs_check

        assert (
            resolve_needs_check(deps.store, "linkedin", did, posted=False, url=None)["status"]
            == "failed"
        )
        result = publish_draft(deps.store, client(deps, "linkedin"), did)
    assert result.status == "published" and route.call_count == 2
    assert result.posts[0]["id"] == "urn:li:share:9"


def test_linkedin_post_body_and_headers(deps):
    did = approved(deps, "linkedin", ["Hello (world) #AI"])
    with respx.mock(assert_all_called=False) as router:
        route = linkedin_routes(
            router, [httpx.Response(201, json={}, headers={"x-restli-id": "urn:li:share:1"})]
        )
        publish_draft(deps.store, client(deps, "linkedin"), did)
    req = route.calls[0].request
    body = json.loads(req.content)
    assert body["author"] == "urn:li:person:abc"
    assert body["commentary"] == "Hello \\(world\\) {hashtag|\\#|AI}"
    assert req.headers["X-Restli-Protocol-Version"] == "2.0.0" and req.headers["LinkedIn-Version"]
    assert req.headers["Authorization"] == f"Bearer {TOKEN}"


def test_dry_run_sends_nothing(deps):
    did = approved(deps, "twitter", ["One 1/2", "Two 2/2"])
    with respx.mock(
        assert_all_mocked=True, assert_all_called=False
    ):  # no routes: any request fails
        plan = dry_run(deps.store, client(deps, "twitter"), did)
    assert [r["body"]["text"] for r in plan["requests"]] == ["One 1/2", "Two 2/2"]
    assert plan["requests"][1]["body"]["reply"]["in_reply_to_tweet_id"] == "{id of post 1}"
    assert plan["requests"][0]["headers"]["authorization"] == "****"
    assert TOKEN not in json.dumps(plan) and plan["sent"] is False
    assert deps.store.draft_posts(did) == []


def test_image_is_uploaded_once_and_attached_to_the_first_post(deps, tmp_path):
    png = tmp_path / "launch.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    did = approved(deps, "twitter", ["With a picture 1/2", "Without 2/2"])
    with respx.mock(assert_all_called=False) as router:
        xs = XServer(router)
        upload = router.post(f"{X}/2/media/upload").mock(
            return_value=httpx.Response(200, json={"data": {"id": "777", "media_key": "3_777"}})
        )
        result = publish_draft(deps.store, client(deps, "twitter"), did, image=str(png))
    assert result.status == "published" and upload.call_count == 1
    assert [p["media"] for p in xs.created] == [{"media_ids": ["777"]}, None]
