"""The sandbox's LinkedIn: version headers, little text, DUPLICATE_POST, images, analytics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mktdirector.integrations.linkedin.policy import LinkedInVersionError
from mktdirector.integrations.social import DuplicateContentError
from mktdirector.sandbox import Sandbox
from mktdirector.sandbox.env import LINKEDIN_MEMBER, TOKEN_ENV
from mktdirector.wiring import Deps

# One keep-alive client: a new httpx.Client costs ~30 ms (TLS context) per call.
# No kept-alive sockets: each test's sandbox is gone after it, and its socket would leak.
http = httpx.Client(timeout=10, limits=httpx.Limits(max_keepalive_connections=0))

AUTHOR = f"urn:li:person:{LINKEDIN_MEMBER['sub']}"
TOKEN = {"Authorization": f"Bearer {TOKEN_ENV['LINKEDIN_ACCESS_TOKEN']}"}
TEXT = "AI ROI (part 1): what we measured #ai https://example.com/roi_report?utm_content=D9"


@pytest.fixture
def client(make_deps: Callable[..., Deps]) -> Callable[..., Any]:
    """The LinkedIn client pointed at the sandbox (closed after the test)."""
    return lambda **overrides: make_deps(**{"http.max_wait": 0, **overrides}).integration(
        "linkedin"
    )


def body(commentary: str, **kw: Any) -> dict[str, Any]:
    b = {
        "author": AUTHOR,
        "commentary": commentary,
        "visibility": "PUBLIC",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }
    b.update(kw)
    return b


def rest(version: str | None = "202610", restli: str | None = "2.0.0") -> dict[str, str]:
    h = dict(TOKEN)
    if version:
        h["LinkedIn-Version"] = version
    if restli:
        h["X-Restli-Protocol-Version"] = restli
    return h


def test_post_through_the_client_returns_the_restli_id(
    sb: Sandbox, client: Callable[..., Any]
) -> None:
    post = client().create_post(TEXT)
    [stored] = sb.state()["posts"]["linkedin"]
    assert post.id == stored["urn"] and post.id.startswith("urn:li:share:")
    assert stored["text"] == TEXT  # escaped on the wire, shown as written
    assert "\\(part 1\\)" in stored["commentary"] and "{hashtag|\\#|ai}" in stored["commentary"]
    assert stored["author"] == AUTHOR


def test_required_headers(sb: Sandbox) -> None:
    url = f"{sb.url}/linkedin/rest/posts"
    r = http.post(url, headers=rest(version=None), json=body("no version"))
    assert r.status_code == 400 and r.json()["code"] == "VERSION_MISSING"
    r = http.post(url, headers=rest(version="202401"), json=body("old version"))
    assert r.status_code == 426
    assert r.json() == {
        "status": 426,
        "message": "Requested version 202401 is not active",
        "code": "NONEXISTENT_VERSION",
    }
    assert http.post(url, headers=rest(version="20250101"), json=body("x")).status_code == 426
    r = http.post(url, headers=rest(restli=None), json=body("no protocol header"))
    assert r.status_code == 400 and r.json()["code"] == "ILLEGAL_ARGUMENT"
    assert sb.state()["posts"]["linkedin"] == []


def test_a_sunset_version_is_a_version_error_in_mktd(
    sb: Sandbox, client: Callable[..., Any]
) -> None:
    with pytest.raises(LinkedInVersionError) as e:
        client(**{"linkedin.version": "202404"}).create_post("too old")
    assert "mktd config set linkedin.version" in (e.value.hint or "")


def test_duplicate_post_names_the_earlier_urn_even_after_a_delete(
    sb: Sandbox, client: Callable[..., Any]
) -> None:
    li = client()
    first = li.create_post("Posting the same thing twice.")
    with pytest.raises(DuplicateContentError) as e:
        li.create_post("Posting the same thing twice.")
    assert e.value.existing_id == first.id
    assert li.delete_post(first.id) is True
    assert li.delete_post(first.id) is True  # deletions are idempotent (204 again)
    with pytest.raises(DuplicateContentError):  # the "ghost duplicate" of a deleted post
        li.create_post("Posting the same thing twice.")
    sb.advance(25 * 3600)
    assert li.create_post("Posting the same thing twice.").id != first.id


def test_body_rules(sb: Sandbox) -> None:
    url = f"{sb.url}/linkedin/rest/posts"
    r = http.post(url, headers=rest(), json=body("Unescaped (parens) get cut by LinkedIn"))
    assert r.status_code == 422 and "reserved character '('" in r.json()["message"]
    escaped = body("Escaped \\(parens\\), a @[Name](urn:li:person:abc) mention and #tags")
    assert http.post(url, headers=rest(), json=escaped).status_code == 201
    missing = body("x")
    del missing["author"]
    r = http.post(url, headers=rest(), json=missing)
    assert r.status_code == 422 and r.json()["message"].startswith(
        "ERROR :: /author :: field is required"
    )
    r = http.post(url, headers=rest(), json=body("y" * 3001))
    assert r.status_code == 400 and r.json()["code"] == "FIELD_LENGTH_TOO_LONG"
    r = http.post(url, headers=rest(), content=b"{not json")
    assert r.json()["message"] == "Request body could not be converted to data map"
    r = http.post(url, headers=rest(), json=body("someone else", author="urn:li:person:zzz"))
    assert r.status_code == 403
    r = http.post(url, headers={**rest(), "Authorization": "Bearer wrong"}, json=body("x"))
    assert r.status_code == 401 and r.json()["serviceErrorCode"] == 65600


def test_image_upload_then_post(sb: Sandbox, client: Callable[..., Any]) -> None:
    li = client()
    urn = li.upload_image(b"\x89PNG fake image bytes", media_type="image/png")
    post = li.create_post("With a picture.", image_urn=urn, image_alt="alt")
    assert sb.state()["posts"]["linkedin"][0]["image"] == urn and post.id


def test_member_analytics_grow_with_the_post(sb: Sandbox, client: Callable[..., Any]) -> None:
    li = client()
    post = li.create_post(TEXT)
    sb.advance(2 * 3600)
    early = li.get_metrics([post.id])[0]
    sb.advance(48 * 3600)
    later = li.get_metrics([post.id])[0]
    assert 0 < early.impressions <= later.impressions
    assert early.reach is not None and later.reach <= later.impressions
    assert sb.state()["requests"]["linkedin.analytics"]["count"] == 10
