"""Calendar, posts and report, status and notifications, connections."""

from __future__ import annotations

import httpx
import respx

LI = "http://li.test"


def approved(api, text: str) -> str:
    did = api.post("/social/linkedin/posts", json={"text": text}).json()["draft_id"]
    api.post(
        f"/drafts/{did}/approve", headers={"If-Match": api.get(f"/drafts/{did}").headers["etag"]}
    )
    return did


def test_the_calendar_shows_a_scheduled_post_and_can_move_and_cancel_it(api, browser, csrf_of):
    did = approved(api, "On the calendar")
    api.post(f"/drafts/{did}/schedule", json={"at": "in 2h"})
    page = browser.get("/ui/calendar")
    assert page.status_code == 200 and "On the calendar" in page.text and "scheduled" in page.text
    assert "no slots set" in page.text
    token = csrf_of(page.text)
    moved = browser.post(f"/ui/calendar/{did}/move", data={"csrf": token, "at": "in 5h"})
    assert moved.status_code == 303
    r = browser.post(f"/ui/calendar/{did}/cancel", data={"csrf": token})
    assert r.status_code == 303
    assert api.get(f"/drafts/{did}").json()["status"] == "approved"
    assert browser.post(f"/ui/calendar/{did}/cancel", data={}).status_code == 403


def test_the_calendar_shows_next_free_slots_when_configured(browser, monkeypatch, cli):
    assert cli("config", "set", "schedule.linkedin", "Tue,Thu 09:00").exit_code == 0
    page = browser.get("/ui/calendar").text
    assert "linkedin: 20" in page  # an ISO date of the next Tue/Thu 09:00


def test_a_published_post_is_on_the_calendar_and_the_posts_page(api, browser, monkeypatch):
    monkeypatch.setenv("MKTD_LINKEDIN_BASE_URL", LI)
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", "li-token-0123456789")
    did = approved(api, "Published and counted")
    with respx.mock(assert_all_called=False) as router:
        router.get(f"{LI}/v2/userinfo").mock(return_value=httpx.Response(200, json={"sub": "a"}))
        router.post(f"{LI}/rest/posts").mock(
            return_value=httpx.Response(201, json={}, headers={"x-restli-id": "urn:li:share:3"})
        )
        assert api.post(f"/drafts/{did}/publish").status_code == 200
    assert "Published and counted" in browser.get("/ui/calendar").text
    posts = browser.get("/ui/posts")
    assert posts.status_code == 200 and f"/ui/drafts/{did}" in posts.text
    report = browser.get("/ui/report")
    assert report.status_code == 200 and "<script" not in report.text
    csv = browser.get("/ui/report?format=csv")
    assert csv.headers["content-type"].startswith("text/csv") and did in csv.text
    assert browser.get("/ui/posts?timeframe=forever").status_code == 422


def test_status_shows_notifications_with_a_badge_and_ack(browser, store, csrf_of):
    store.notify("publish_failed", "Publishing failed", "it broke", hint="mktd publish X")
    assert browser.get("/ui/unread").text == '<span class="badge">1</span>'
    page = browser.get("/ui/status")
    assert "Publishing failed" in page.text and "mktd publish X" in page.text
    token = csrf_of(page.text)
    assert browser.post("/ui/notifications/ack", data={"csrf": token}).status_code == 303
    assert browser.get("/ui/unread").text == ""
    assert "Publishing failed" in browser.get("/ui/status?all=true").text


def test_status_lists_recent_calls_with_their_draft(api, browser, monkeypatch):
    monkeypatch.setenv("MKTD_LINKEDIN_BASE_URL", LI)
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", "li-token-0123456789")
    did = approved(api, "Audited")
    with respx.mock(assert_all_called=False) as router:
        router.get(f"{LI}/v2/userinfo").mock(return_value=httpx.Response(200, json={"sub": "a"}))
        router.post(f"{LI}/rest/posts").mock(
            return_value=httpx.Response(201, json={}, headers={"x-restli-id": "urn:li:share:4"})
        )
        api.post(f"/drafts/{did}/publish")
    page = browser.get("/ui/status").text
    assert "POST /rest/posts" in page and f"/ui/drafts/{did}" in page
    assert "li-token-0123456789" not in page


def test_connections_list_platforms_and_offer_key_forms(browser):
    page = browser.get("/ui/connections")
    assert page.status_code == 200 and "LinkedIn" in page.text
    assert 'action="/ui/connections/hubspot/key"' in page.text


def test_a_key_is_saved_only_after_a_test_call_and_never_shown(
    browser, csrf_of, monkeypatch, memory_keyring
):
    monkeypatch.setenv("MKTD_HUBSPOT_BASE_URL", "http://hs.test")
    token = csrf_of(browser.get("/ui/connections").text)
    key = "pat-na1-11111111-2222-3333-4444-555555555555"
    with respx.mock(assert_all_called=False) as router:
        router.route(host="hs.test").mock(return_value=httpx.Response(401, json={"message": "bad"}))
        r = browser.post("/ui/connections/hubspot/key", data={"csrf": token, "key": key})
    assert r.status_code in (403, 409, 422, 502) and key not in r.text
    assert not any(key in v for v in memory_keyring.passwords.values())
