"""The dashboard's inbox and draft page through a logged-in session: every action is a CSRF-
checked form that calls the CLI's flows."""

from __future__ import annotations

import httpx
import respx

from fakes import FakeLLM

LI = "http://li.test"


def make(api, text: str, platform: str = "linkedin", **kw) -> str:
    r = api.post(f"/social/{platform}/posts", json={"text": text, **kw})
    assert r.status_code == 201, r.text
    return r.json()["draft_id"]


def test_the_inbox_shows_each_draft_as_the_platform_counts_it(api, browser):
    make(api, "A LinkedIn post about AI")
    make(api, "First of two\n---\nSecond 😀 of two", platform="twitter")
    html = browser.get("/").text
    assert "A LinkedIn post about AI" in html and "/3000" in html
    assert "Second 😀 of two" in html and "/280" in html
    filtered = browser.get("/?platform=twitter").text
    assert "A LinkedIn post about AI" not in filtered


def test_the_inbox_shows_findings_and_the_model_that_wrote_it(api, browser, wiring):
    wiring.llm = FakeLLM("A post written by the model. #AI")
    api.post("/social/linkedin/posts", json={"topic": "AI"})
    html = browser.get("/").text
    assert "fake-model" in html and "$0.0001" in html


def test_the_draft_page_shows_text_counts_and_provenance(api, browser, wiring):
    wiring.llm = FakeLLM("Written for the page.")
    did = api.post("/social/linkedin/posts", json={"topic": "AI"}).json()["draft_id"]
    html = browser.get(f"/ui/drafts/{did}").text
    assert "Written for the page." in html and "Provenance" in html and "fake-model" in html
    assert 'name="content_hash"' in html


def test_live_check_counts_and_lints_what_is_typed_and_saves_nothing(api, browser, csrf_of):
    did = make(api, "Short", platform="twitter")
    token = csrf_of(browser.get(f"/ui/drafts/{did}").text)
    r = browser.post(
        f"/ui/drafts/{did}/check", data={"text": "x" * 300}, headers={"x-csrf-token": token}
    )
    assert r.status_code == 200 and "300/280" in r.text
    assert api.get(f"/drafts/{did}").json()["text"] == "Short"


def test_edit_then_approve_with_the_shown_hash(api, browser, csrf_of):
    did = make(api, "Before")
    token = csrf_of(browser.get(f"/ui/drafts/{did}").text)
    r = browser.post(f"/ui/drafts/{did}/edit", data={"csrf": token, "text": "After"})
    assert r.status_code == 303
    shown = api.get(f"/drafts/{did}").json()["content_hash"]
    r = browser.post(f"/ui/drafts/{did}/approve", data={"csrf": token, "content_hash": shown})
    assert r.status_code == 303 and "done=approved" in r.headers["location"]
    assert api.get(f"/drafts/{did}").json()["status"] == "approved"


def test_approving_a_stale_page_is_refused_and_approves_nothing(api, browser, csrf_of):
    did = make(api, "Seen")
    page = browser.get(f"/ui/drafts/{did}").text
    token = csrf_of(page)
    import re

    seen = re.search(r'name="content_hash" value="([^"]+)"', page).group(1)
    api.patch(f"/drafts/{did}", json={"text": "Changed behind your back"})
    r = browser.post(f"/ui/drafts/{did}/approve", data={"csrf": token, "content_hash": seen})
    assert r.status_code == 412 and "changed since you reviewed it" in r.text
    assert api.get(f"/drafts/{did}").json()["status"] == "draft"


def test_a_form_post_without_csrf_changes_nothing(api, browser):
    did = make(api, "Guarded")
    shown = api.get(f"/drafts/{did}").json()["content_hash"]
    r = browser.post(f"/ui/drafts/{did}/approve", data={"content_hash": shown})
    assert r.status_code == 403
    r = browser.post(f"/ui/drafts/{did}/reject", data={"reason": "x", "csrf": "forged"})
    assert r.status_code == 403
    assert api.get(f"/drafts/{did}").json()["status"] == "draft"


def test_reject_and_schedule_from_the_page(api, browser, csrf_of):
    did = make(api, "Keep for later")
    token = csrf_of(browser.get(f"/ui/drafts/{did}").text)
    shown = api.get(f"/drafts/{did}").json()["content_hash"]
    browser.post(f"/ui/drafts/{did}/approve", data={"csrf": token, "content_hash": shown})
    r = browser.post(
        f"/ui/drafts/{did}/schedule",
        data={"csrf": token, "at": "2031-03-04T09:30", "tz": "Europe/Paris"},
    )
    assert r.status_code == 303, r.text
    job = api.get(f"/drafts/{did}").json()
    assert job["status"] == "scheduled"
    other = make(api, "Nope")
    r = browser.post(f"/ui/drafts/{other}/reject", data={"csrf": token, "reason": "off brand"})
    assert r.status_code == 303 and api.get(f"/drafts/{other}").json()["status"] == "rejected"


def test_publish_from_the_page_sends_once(api, browser, csrf_of, monkeypatch):
    monkeypatch.setenv("MKTD_LINKEDIN_BASE_URL", LI)
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", "li-token-0123456789")
    did = make(api, "Publish me")
    token = csrf_of(browser.get(f"/ui/drafts/{did}").text)
    shown = api.get(f"/drafts/{did}").json()["content_hash"]
    browser.post(f"/ui/drafts/{did}/approve", data={"csrf": token, "content_hash": shown})
    with respx.mock(assert_all_called=False) as router:
        router.get(f"{LI}/v2/userinfo").mock(return_value=httpx.Response(200, json={"sub": "a"}))
        create = router.post(f"{LI}/rest/posts").mock(
            return_value=httpx.Response(201, json={}, headers={"x-restli-id": "urn:li:share:5"})
        )
        page = browser.get(f"/ui/drafts/{did}").text
        assert "What publishing sends" in page and "li-token-0123456789" not in page
        r = browser.post(f"/ui/drafts/{did}/publish", data={"csrf": token})
        again = browser.post(f"/ui/drafts/{did}/publish", data={"csrf": token})
    assert r.status_code == 303 and "done=published" in r.headers["location"]
    assert again.status_code in (409, 422)
    assert create.call_count == 1


def test_an_unknown_draft_page_is_404_with_a_hint(browser):
    r = browser.get("/ui/drafts/01NOPE")
    assert r.status_code == 404 and "No draft" in r.text
