"""The drafts routes: list (filters, pages), get (ETag = content hash), edit, approve only with
the hash that was reviewed, reject, schedule, publish; and the ops routes."""

from __future__ import annotations

import httpx
import pytest
import respx

LI = "http://li.test"


def make(api, text: str, platform: str = "linkedin", **kw) -> str:
    r = api.post(f"/social/{platform}/posts", json={"text": text, **kw})
    assert r.status_code == 201, r.text
    return r.json()["draft_id"]


def test_list_pages_through_every_draft_once(api):
    ids = {make(api, f"Post number {i}") for i in range(7)}
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = api.get("/drafts", params=params).json()
        seen += [d["id"] for d in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and len(seen) == 7 and set(seen) == ids


def test_list_filters_by_status_platform_and_campaign(api):
    make(api, "On LinkedIn", campaign="launch")
    make(api, "On X", platform="twitter")
    assert [d["platform"] for d in api.get("/drafts?platform=x").json()["items"]] == ["twitter"]
    assert len(api.get("/drafts?campaign=launch").json()["items"]) == 1
    assert api.get("/drafts?status=approved").json()["items"] == []
    r = api.get("/drafts?status=bogus")
    assert r.status_code == 422 and "bogus" in r.json()["detail"]


def test_a_cursor_this_server_did_not_give_is_422(api):
    assert api.get("/drafts?cursor=abc").status_code == 422


def test_get_carries_the_content_hash_as_etag(api):
    did = make(api, "Read me")
    r = api.get(f"/drafts/{did}")
    assert r.status_code == 200
    assert r.headers["etag"] == f'"{r.json()["content_hash"]}"'
    assert r.json()["text"] == "Read me"


def test_an_unknown_draft_is_404_with_a_hint(api):
    r = api.get("/drafts/01NOPE")
    assert r.status_code == 404 and r.json()["kind"] == "usage" and r.json()["hint"]


def test_approval_without_if_match_is_428_and_approves_nothing(api):
    did = make(api, "Approve me")
    r = api.post(f"/drafts/{did}/approve")
    assert r.status_code == 428
    assert api.get(f"/drafts/{did}").json()["status"] == "draft"


def test_approval_of_a_draft_edited_since_review_is_412_and_approves_nothing(api):
    did = make(api, "Version one")
    seen = api.get(f"/drafts/{did}").headers["etag"]
    assert api.patch(f"/drafts/{did}", json={"text": "Version two"}).status_code == 200
    r = api.post(f"/drafts/{did}/approve", headers={"If-Match": seen})
    assert r.status_code == 412 and r.json()["kind"] == "content_changed"
    assert api.get(f"/drafts/{did}").json()["status"] == "draft"


def test_approval_with_the_reviewed_hash_approves_exactly_that(api):
    did = make(api, "Approve me")
    got = api.get(f"/drafts/{did}")
    r = api.post(f"/drafts/{did}/approve", headers={"If-Match": got.headers["etag"]})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "approved"
    assert r.json()["approved_hash"] == got.json()["content_hash"]


def test_editing_an_approved_draft_sends_it_back_to_draft(api):
    did = make(api, "First")
    etag = api.get(f"/drafts/{did}").headers["etag"]
    api.post(f"/drafts/{did}/approve", headers={"If-Match": etag})
    r = api.patch(f"/drafts/{did}", json={"text": "Second"})
    assert r.json()["status"] == "draft" and r.json()["text"] == "Second"
    assert r.headers["etag"] != etag


def test_reject_keeps_the_reason(api):
    did = make(api, "Nope")
    r = api.post(f"/drafts/{did}/reject", json={"reason": "off brand"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert r.json()["rejected_reason"] == "off brand"
    assert api.post(f"/drafts/{did}/reject", json={"reason": ""}).status_code == 422


def test_publishing_an_unapproved_draft_is_refused_and_sends_nothing(api, monkeypatch):
    monkeypatch.setenv("MKTD_LINKEDIN_BASE_URL", LI)
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", "li-token-0123456789")
    did = make(api, "Not yet")
    with respx.mock(assert_all_called=False) as router:
        create = router.post(f"{LI}/rest/posts").mock(return_value=httpx.Response(201))
        r = api.post(f"/drafts/{did}/publish")
    assert r.status_code in (409, 422) and create.call_count == 0


def test_approve_then_publish_then_list_posts(api, monkeypatch):
    monkeypatch.setenv("MKTD_LINKEDIN_BASE_URL", LI)
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", "li-token-0123456789")
    did = make(api, "Going out")
    api.post(
        f"/drafts/{did}/approve", headers={"If-Match": api.get(f"/drafts/{did}").headers["etag"]}
    )
    with respx.mock(assert_all_called=False) as router:
        router.get(f"{LI}/v2/userinfo").mock(return_value=httpx.Response(200, json={"sub": "a"}))
        create = router.post(f"{LI}/rest/posts").mock(
            return_value=httpx.Response(201, json={}, headers={"x-restli-id": "urn:li:share:9"})
        )
        r = api.post(f"/drafts/{did}/publish")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "published" and create.call_count == 1
    posts = api.get("/posts").json()
    assert [p["remote_id"] for p in posts["items"]] == ["urn:li:share:9"]
    assert api.get("/posts?since=yesterday").status_code == 422


def test_schedule_an_approved_draft(api):
    did = make(api, "Later")
    api.post(
        f"/drafts/{did}/approve", headers={"If-Match": api.get(f"/drafts/{did}").headers["etag"]}
    )
    r = api.post(f"/drafts/{did}/schedule", json={"at": "in 3h", "timezone": "Europe/Paris"})
    assert r.status_code == 200, r.text
    assert r.json()["draft_id"] == did and r.json()["timezone"] == "Europe/Paris"
    assert api.get(f"/drafts/{did}").json()["status"] == "scheduled"
    bad = api.post(f"/drafts/{did}/schedule", json={"at": "whenever"})
    assert bad.status_code == 422


def test_status_notifications_and_ack(api, store):
    assert api.get("/status").json()["platforms"]
    store.notify("publish_failed", "Publishing X failed", "it broke", severity="error")
    page = api.get("/notifications").json()
    assert page["unread"] == 1 and page["items"][0]["subject"] == "Publishing X failed"
    assert api.post("/notifications/ack", json={}).json() == {"acknowledged": 1}
    assert api.get("/notifications").json()["unread"] == 0


def test_report_json_csv_and_html(api):
    assert "by_channel" in api.get("/report").json()
    csv = api.get("/report?format=csv")
    assert csv.headers["content-type"].startswith("text/csv")
    html = api.get("/report?format=html")
    assert html.status_code == 200 and "<script" not in html.text
    assert "script-src" not in html.headers["content-security-policy"]  # default-src 'none'
    assert api.get("/report?timeframe=forever").status_code == 422


def test_test_integration_without_credentials_says_so(api):
    r = api.post("/test-integration/hubspot")
    assert r.status_code == 200 and r.json()["status"] == "missing_credentials"


@pytest.mark.parametrize("path", ["/analytics", "/posts", "/notifications?include_read=true"])
def test_empty_lists_are_fine(api, path):
    assert api.get(path).status_code == 200
