"""LinkedInClient against respx: request shapes, headers, every error row of the card."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from mktdirector.core import errors as E
from mktdirector.core.clock import Clock
from mktdirector.core.credentials import Connection
from mktdirector.core.http import HttpClient
from mktdirector.core.linkedin_text import escape_commentary
from mktdirector.integrations import get_class
from mktdirector.integrations.linkedin.client import LinkedInClient
from mktdirector.integrations.linkedin.policy import LinkedInVersionError, suggested_version
from mktdirector.integrations.oauth.flow import ReauthorizeError
from mktdirector.integrations.social import CapabilityError, DuplicateContentError

FIX = Path(__file__).parents[1] / "fixtures" / "linkedin"
API = "https://api.linkedin.com"
TOKEN = "li-access-token-0123456789"
AUTHOR = "urn:li:person:782bbtaQ"
SHARE = "urn:li:share:7140000000000000001"


def fx(name: str) -> Any:
    return json.loads((FIX / name).read_text())


def conn(**kw: Any) -> Connection:
    base = dict(
        platform="linkedin", account="782bbtaQ", access_token=TOKEN,
        expires_at=time.time() + 50 * 86400, scopes=["openid", "profile", "w_member_social"],
        user_id=AUTHOR, source="keyring",
    )  # fmt: skip
    base.update(kw)
    return Connection(**base)


def make(connection: Connection | None = None, *, config: dict[str, Any] | None = None,
         audit: list[Any] | None = None) -> LinkedInClient:  # fmt: skip
    values = {"linkedin.version": "202609", **(config or {})}

    def factory(**kw: Any) -> HttpClient:
        return HttpClient(**kw, audit=audit.append if audit is not None else None,
                          clock=Clock(sleep=lambda s: None))  # fmt: skip

    return LinkedInClient(http_factory=factory, connection=connection or conn(),
                          config=values.get)  # fmt: skip


def assert_linkedin_headers(request: httpx.Request, version: str = "202609") -> None:
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["LinkedIn-Version"] == version
    assert request.headers["X-Restli-Protocol-Version"] == "2.0.0"


def test_registered_in_the_integration_registry() -> None:
    assert get_class("linkedin") is LinkedInClient


@respx.mock
def test_me_uses_userinfo_and_builds_the_person_urn() -> None:
    route = respx.get(f"{API}/v2/userinfo").respond(200, json=fx("userinfo.json"))
    member = make(config={"linkedin.version": "202611"}).me()
    assert (member.sub, member.name, member.urn) == ("782bbtaQ", "John Doe", AUTHOR)
    assert_linkedin_headers(route.calls.last.request, "202611")


@respx.mock
def test_create_post_request_shape_escapes_commentary_and_reads_x_restli_id() -> None:
    route = respx.post(f"{API}/rest/posts").respond(201, headers={"x-restli-id": SHARE})
    text = "AI ROI (really) #growth https://example.com/a_b?x=1 @you *bold*"
    post = make().create_post(text)
    req = route.calls.last.request
    assert_linkedin_headers(req)
    assert req.headers["Content-Type"] == "application/json"
    assert json.loads(req.content) == {
        "author": AUTHOR,
        "commentary": escape_commentary(text),
        "visibility": "PUBLIC",
        "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [],
                         "thirdPartyDistributionChannels": []},
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }  # fmt: skip
    assert "\\(really\\)" in json.loads(req.content)["commentary"]
    assert (post.id, post.url, post.text) == (
        SHARE,
        f"https://www.linkedin.com/feed/update/{SHARE}/",
        text,
    )
    assert post.created_at and post.created_at.endswith("Z")


@respx.mock
def test_create_post_asks_userinfo_when_no_author_is_stored() -> None:
    respx.get(f"{API}/v2/userinfo").respond(200, json=fx("userinfo.json"))
    route = respx.post(f"{API}/rest/posts").respond(201, headers={"x-restli-id": SHARE})
    make(conn(user_id=None)).create_post("hi", visibility="CONNECTIONS")
    body = json.loads(route.calls.last.request.content)
    assert body["author"] == AUTHOR and body["visibility"] == "CONNECTIONS"


@respx.mock
def test_create_post_falls_back_to_location_and_refuses_a_201_without_id() -> None:
    respx.post(f"{API}/rest/posts").respond(
        201, headers={"location": "/rest/posts/urn%3Ali%3AugcPost%3A42"}
    )
    assert make().create_post("hi").id == "urn:li:ugcPost:42"
    route = respx.post(f"{API}/rest/posts").respond(201)
    with pytest.raises(E.ApiResponseError) as exc:
        make().create_post("hi")
    assert "probably created" in (exc.value.hint or "")
    assert route.call_count == 2  # respx reuses the route: one call per create, no retry


def test_bad_visibility_and_too_long_text_send_nothing() -> None:
    with respx.mock(assert_all_called=False) as mock:
        with pytest.raises(E.UsageError, match="visibility"):
            make().create_post("hi", visibility="FRIENDS")
        with pytest.raises(E.UsageError, match="3000"):
            make().create_post("x" * 3001)
        assert not mock.calls


def test_create_post_request_for_dry_run() -> None:
    with respx.mock(assert_all_called=False) as mock:
        req = make().create_post_request("hi (there)", author=AUTHOR)
        assert not mock.calls
    assert str(req.url) == f"{API}/rest/posts"
    assert_linkedin_headers(req)
    assert json.loads(req.content)["commentary"] == "hi \\(there\\)"


@respx.mock
def test_create_is_not_retried_after_a_timeout() -> None:
    route = respx.post(f"{API}/rest/posts").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(E.ApiTimeoutError):
        make().create_post("once")
    assert route.call_count == 1


@respx.mock
def test_image_upload_then_post_with_image() -> None:
    init = respx.post(f"{API}/rest/images", params={"action": "initializeUpload"}).respond(
        200, json=fx("images_initialize.json")
    )
    upload_url = fx("images_initialize.json")["value"]["uploadUrl"]
    put = respx.put(upload_url).respond(201)
    status = respx.get(f"{API}/rest/images/urn%3Ali%3Aimage%3AD4D10AQH4GJAjaFCkHQ").respond(
        200, json=fx("image_available.json")
    )
    posts = respx.post(f"{API}/rest/posts").respond(201, headers={"x-restli-id": SHARE})
    client = make()
    urn = client.upload_image(b"\x89PNG...", media_type="image/png")
    assert urn == "urn:li:image:D4D10AQH4GJAjaFCkHQ"
    assert json.loads(init.calls.last.request.content) == {
        "initializeUploadRequest": {"owner": AUTHOR}
    }
    assert_linkedin_headers(init.calls.last.request)
    put_req = put.calls.last.request
    assert put_req.content == b"\x89PNG..."
    assert put_req.headers["Content-Type"] == "image/png"
    assert put_req.headers["Authorization"] == f"Bearer {TOKEN}"
    assert status.called
    client.create_post("with a picture", image_urn=urn, image_alt="A chart")
    assert json.loads(posts.calls.last.request.content)["content"] == {
        "media": {"id": urn, "altText": "A chart"}
    }


@respx.mock
def test_image_processing_failure_is_reported() -> None:
    respx.post(f"{API}/rest/images").respond(200, json=fx("images_initialize.json"))
    respx.put(fx("images_initialize.json")["value"]["uploadUrl"]).respond(201)
    respx.get(url__startswith=f"{API}/rest/images/").respond(
        200, json={"status": "PROCESSING_FAILED"}
    )
    with pytest.raises(E.ApiResponseError, match="could not process"):
        make().upload_image(b"img")


@respx.mock
def test_delete_post_encodes_the_urn() -> None:
    route = respx.delete(f"{API}/rest/posts/urn%3Ali%3Ashare%3A7140000000000000001").respond(204)
    assert make().delete_post(SHARE) is True
    assert_linkedin_headers(route.calls.last.request)
    respx.delete(f"{API}/rest/posts/urn%3Ali%3Ashare%3A1").respond(404, json={"status": 404})
    assert make().delete_post("urn:li:share:1") is False


@pytest.mark.parametrize(
    ("fixture", "status", "cls", "code"),
    [
        ("invalid_token_401.json", 401, E.AuthenticationError, "65600"),
        ("revoked_401.json", 401, E.AuthenticationError, "REVOKED_ACCESS_TOKEN"),
        ("scope_403.json", 403, E.PermissionDeniedError, None),
        ("duplicate_422.json", 422, DuplicateContentError, "DUPLICATE_POST"),
        ("version_426.json", 426, LinkedInVersionError, "NONEXISTENT_VERSION"),
        ("field_too_long_400.json", 400, E.BadRequestError, "FIELD_LENGTH_TOO_LONG"),
    ],
)
@respx.mock
def test_error_rows_are_classified(
    fixture: str, status: int, cls: type[Exception], code: str | None
) -> None:
    audit: list[Any] = []
    route = respx.post(f"{API}/rest/posts").respond(status, json=fx(fixture))
    with pytest.raises(cls) as exc:
        make(audit=audit).create_post("hello")
    err = exc.value
    assert type(err) is cls
    assert route.call_count == 1
    assert err.status_code == status
    if code:
        assert err.code == code
    assert audit[-1].error_kind == err.kind


@respx.mock
def test_error_details() -> None:
    respx.post(f"{API}/rest/posts").respond(422, json=fx("duplicate_422.json"))
    with pytest.raises(DuplicateContentError) as dup:
        make().create_post("hello")
    assert dup.value.existing_id == SHARE
    assert isinstance(dup.value, E.ConflictError)

    respx.post(f"{API}/rest/posts").respond(426, json=fx("version_426.json"))
    with pytest.raises(LinkedInVersionError) as ver:
        make().create_post("hello")
    assert ver.value.exit_code == E.ExitCode.CONFIG
    assert ver.value.hint and ver.value.hint.startswith(
        f"mktd config set linkedin.version {suggested_version()}"
    )

    respx.post(f"{API}/rest/posts").respond(401, json=fx("revoked_401.json"))
    with pytest.raises(E.AuthenticationError) as auth:
        make().create_post("hello")
    assert "revoked" in auth.value.message and auth.value.hint == "mktd authorize linkedin"

    respx.post(f"{API}/rest/posts").respond(403, json=fx("scope_403.json"))
    with pytest.raises(E.PermissionDeniedError) as perm:
        make().create_post("hello")
    assert "mktd authorize linkedin" in (perm.value.hint or "")


def test_suggested_version_is_last_month() -> None:
    assert suggested_version(datetime(2026, 11, 22, tzinfo=UTC)) == "202610"
    assert suggested_version(datetime(2027, 1, 1, tzinfo=UTC)) == "202612"


@respx.mock
def test_daily_429_waits_until_midnight_utc_so_it_is_queued() -> None:
    route = respx.post(f"{API}/rest/posts").respond(429, json=fx("too_many_429.json"))
    with pytest.raises(E.RateLimitError) as exc:
        make().create_post("hello")
    now = time.time()
    midnight = (now // 86400 + 1) * 86400
    assert abs((exc.value.retry_after or 0) - (midnight - now)) < 5
    assert "00:00 UTC" in exc.value.message
    assert route.call_count == 1


def test_declared_rate_limits() -> None:
    by_name = {lim.name: lim for lim in LinkedInClient.rate_limits}
    assert by_name["posts-create-member"].calls == 150
    assert by_name["posts-create-member"].period_s == 86400
    assert by_name["app-daily"].scope == "app"


# analytics ---------------------------------------------------------------------------------
def test_metrics_without_the_scope_raise_once_and_send_nothing() -> None:
    with respx.mock(assert_all_called=False) as mock:
        with pytest.raises(CapabilityError, match="r_member_postAnalytics") as exc:
            make().get_metrics([SHARE, "urn:li:share:2"])
        assert not mock.calls
    assert exc.value.exit_code == E.ExitCode.CONFIG
    assert "this LinkedIn app cannot read analytics" in exc.value.message


@respx.mock
def test_metrics_with_the_scope_query_each_metric() -> None:
    values = {"IMPRESSION": 1234, "MEMBERS_REACHED": 800, "RESHARE": 3, "REACTION": 40,
              "COMMENT": 5}  # fmt: skip

    def answer(request: httpx.Request) -> httpx.Response:
        metric = request.url.params["queryType"]
        return httpx.Response(200, json={"elements": [{"count": values[metric],
                                                       "metricType": metric}]})  # fmt: skip

    route = respx.get(url__startswith=f"{API}/rest/memberCreatorPostAnalytics").mock(
        side_effect=answer
    )
    client = make(conn(scopes=["openid", "w_member_social", "r_member_postAnalytics"]))
    rows = client.get_metrics([SHARE, "urn:li:ugcPost:9"])
    assert route.call_count == 10
    first = route.calls[0].request
    assert_linkedin_headers(first)
    assert first.url.query.decode() == (
        "q=entity&entity=(share:urn%3Ali%3Ashare%3A7140000000000000001)"
        "&queryType=IMPRESSION&aggregation=TOTAL"
    )
    assert "entity=(ugc:urn%3Ali%3AugcPost%3A9)" in route.calls[5].request.url.query.decode()
    row = rows[0]
    assert (row.impressions, row.reach, row.reposts, row.likes, row.replies) == (
        1234,
        800,
        3,
        40,
        5,
    )
    assert row.private is True and row.platform == "linkedin"


@respx.mock
def test_metrics_with_unknown_scopes_turn_a_403_into_one_capability_error() -> None:
    route = respx.get(url__startswith=f"{API}/rest/memberCreatorPostAnalytics").respond(
        403, json=fx("scope_403.json")
    )
    with pytest.raises(CapabilityError):
        make(conn(scopes=[], source="env")).get_metrics([SHARE, "urn:li:share:2"])
    assert route.call_count == 1


# token life --------------------------------------------------------------------------------
def test_expired_token_without_refresh_fails_fast_with_the_command() -> None:
    with respx.mock(assert_all_called=False) as mock:
        with pytest.raises(ReauthorizeError) as exc:
            make(conn(expires_at=time.time() - 60)).create_post("hello")
        assert not mock.calls
    assert exc.value.hint == "mktd authorize linkedin"
    assert isinstance(exc.value, E.AuthenticationError)


@respx.mock
def test_expiry_warning_from_seven_days_before(caplog: pytest.LogCaptureFixture) -> None:
    respx.post(f"{API}/rest/posts").respond(201, headers={"x-restli-id": SHARE})
    client = make(conn(expires_at=time.time() + 5 * 86400 + 60))
    assert "expires in 5 days" in (client.expiry_warning() or "")
    with caplog.at_level("WARNING", logger="mktd.oauth"):
        client.create_post("a")
        client.create_post("b")
    assert sum("mktd authorize linkedin" in r.message for r in caplog.records) == 1
    assert make(conn(expires_at=time.time() + 30 * 86400)).expiry_warning() is None


@respx.mock
def test_test_connection_shape() -> None:
    respx.get(f"{API}/v2/userinfo").respond(200, json=fx("userinfo.json"))
    check = make().test_connection().to_dict()
    assert check["status"] == "connected"
    assert check["platform"] == "linkedin"
    assert check["user_id"] == AUTHOR
    assert check["organization_id"] is None
    assert check["rate_limit"]["rate_limit_remaining"] is None
    assert check["rate_limit"]["rate_limit_reset"].endswith("T00:00:00Z")
    respx.get(f"{API}/v2/userinfo").respond(401, json=fx("invalid_token_401.json"))
    assert make().test_connection().status == "error"
