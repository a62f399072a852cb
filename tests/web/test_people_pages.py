"""Issue 16: the dashboard's status page names who caused each recent call, and the posts page
who approved and who published each post."""

from __future__ import annotations

import respx

LI = "http://li.test"
TOKEN = "li-token-SECRET-people-0123456789"


def test_status_and_posts_pages_name_the_people(api, browser, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MKTD_LINKEDIN_BASE_URL", LI)
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("MKTD_USER", "wendy")
    did = api.post("/social/linkedin/posts", json={"text": "Who did it"}).json()["draft_id"]
    etag = api.get(f"/drafts/{did}").headers["etag"]
    api.post(f"/drafts/{did}/approve", headers={"If-Match": etag})
    monkeypatch.setenv("MKTD_USER", "pablo")
    with respx.mock(assert_all_called=False) as router:
        router.get(f"{LI}/v2/userinfo").respond(200, json={"sub": "a"})
        router.post(f"{LI}/rest/posts").respond(
            201, json={}, headers={"x-restli-id": "urn:li:share:9"}
        )
        assert api.post(f"/drafts/{did}/publish").status_code == 200
    status = browser.get("/ui/status").text
    calls = status[
        status.index('<table id="calls">') : status.index("</table>", status.index('id="calls"'))
    ]
    assert "<th>by</th>" in calls and "<td>pablo</td>" in calls
    posts = browser.get("/ui/posts").text
    table = posts[posts.index('<table id="posts">') :]
    assert "<th>approved by</th><th>published by</th>" in table
    assert "<td>wendy</td><td>pablo</td>" in table
    assert TOKEN not in status + posts
    logged = api.get("/logs", params={"draft": did}).json()["items"]
    assert [(c["method"], c["path"], c["actor"]) for c in logged] == [
        ("GET", "/v2/userinfo", "pablo"),
        ("POST", "/rest/posts", "pablo"),
    ]
    assert TOKEN not in str(api.get("/logs").json())


def test_the_logs_api_needs_the_token_and_refuses_bad_filters(api, anon):  # type: ignore[no-untyped-def]
    assert anon.get("/logs").status_code == 401
    assert api.get("/logs").json() == {"items": []}  # no calls yet, nothing created
    assert api.get("/logs", params={"platform": "myspace"}).status_code in (400, 422)
    assert api.get("/logs", params={"limit": 0}).status_code == 422
