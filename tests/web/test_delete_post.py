"""Deleting a published post from the web doors: `DELETE /posts/{draft_id}` and the draft page's
confirmed form, through the same flow as `mktd posts delete` (LinkedIn answered by respx; every
DELETE it received is counted). Without the confirmation nothing is sent and nothing changes."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import respx

from mktdirector.wiring import Deps

LI = "http://li.test"
URN = "urn:li:share:7"
TOKEN = "li-token-0123456789"


@pytest.fixture
def linkedin(monkeypatch: pytest.MonkeyPatch) -> Iterator[respx.Route]:
    monkeypatch.setenv("MKTD_LINKEDIN_BASE_URL", LI)
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", TOKEN)
    with respx.mock(assert_all_called=False) as router:
        router.get(f"{LI}/v2/userinfo").mock(
            return_value=httpx.Response(200, json={"sub": "abc", "name": "Ann"})
        )
        router.post(f"{LI}/rest/posts").mock(
            return_value=httpx.Response(201, json={}, headers={"x-restli-id": URN})
        )
        yield router.delete(url__regex=rf"{LI}/rest/posts/.+").mock(
            return_value=httpx.Response(204)
        )


def published(api) -> str:  # type: ignore[no-untyped-def]
    r = api.post("/social/linkedin/posts", json={"text": "Delete me later", "publish": True})
    assert r.status_code == 201 and r.json()["status"] == "published", r.text
    return str(r.json()["draft_id"])


def statuses(draft_id: str) -> list[str]:
    deps = Deps()
    try:
        return [str(p["status"]) for p in deps.store.draft_posts(draft_id)]
    finally:
        deps.close()


def test_delete_removes_it_on_the_platform_once_and_keeps_the_ledger_row(api, linkedin):
    did = published(api)
    r = api.delete(f"/posts/{did}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body == {"draft_id": did, "platform": "linkedin", "status": "deleted",
                    "deleted": [URN], "already_gone": []}  # fmt: skip
    assert linkedin.call_count == 1
    assert statuses(did) == ["deleted"]
    assert TOKEN not in r.text
    assert all(p["remote_id"] != URN for p in api.get("/posts").json()["items"])
    again = api.delete(f"/posts/{did}")
    assert again.status_code == 422 and "deleted already" in again.json()["detail"]
    assert linkedin.call_count == 1  # nothing sent twice


def test_deleting_a_draft_never_published_sends_nothing(api, linkedin):
    did = api.post("/social/linkedin/posts", json={"text": "Never out"}).json()["draft_id"]
    r = api.delete(f"/posts/{did}")
    assert r.status_code == 422 and "no published post" in r.json()["detail"]
    assert api.delete("/posts/nosuchdraft").status_code == 404
    assert linkedin.call_count == 0


def test_the_page_deletes_only_with_the_box_ticked(api, browser, csrf_of, linkedin):
    did = published(api)
    page = browser.get(f"/ui/drafts/{did}").text
    assert f'action="/ui/drafts/{did}/delete"' in page
    token = csrf_of(page)
    unticked = browser.post(f"/ui/drafts/{did}/delete", data={"csrf": token})
    assert unticked.status_code == 422 and "tick the box" in unticked.text
    assert linkedin.call_count == 0 and statuses(did) == ["published"]
    no_csrf = browser.post(f"/ui/drafts/{did}/delete", data={"confirm": "yes"})
    assert no_csrf.status_code == 403
    assert linkedin.call_count == 0 and statuses(did) == ["published"]
    done = browser.post(f"/ui/drafts/{did}/delete", data={"csrf": token, "confirm": "yes"})
    assert done.status_code == 303 and done.headers["location"].endswith("done=deleted")
    assert linkedin.call_count == 1 and statuses(did) == ["deleted"]
    assert f'action="/ui/drafts/{did}/delete"' not in browser.get(f"/ui/drafts/{did}").text
