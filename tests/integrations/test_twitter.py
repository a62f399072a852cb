"""TwitterClient against respx: every request shape, every error row of the reference card."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mktdirector.core import errors as E
from mktdirector.core.clock import Clock
from mktdirector.core.credentials import Connection
from mktdirector.core.http import HttpClient, HttpSettings
from mktdirector.core.ratelimit import Limiter
from mktdirector.integrations import get_class
from mktdirector.integrations.social import DuplicateContentError, RemotePost
from mktdirector.integrations.twitter.client import (
    PRIVATE_FIELDS,
    PUBLIC_FIELDS,
    TWEPOCH_MS,
    TwitterClient,
    create_post_body,
    post_cost,
    snowflake_time,
)
from mktdirector.integrations.twitter.errors import ReplyNotAllowedError

FIX = Path(__file__).parents[1] / "fixtures" / "twitter"
# The official spec, copied into the repository (tests/contracts/specs/README.md says from where)
SPEC = Path(__file__).parents[1] / "contracts" / "specs" / "x-api-v2-openapi.json"
API = "https://api.x.com"
TOKEN = "x-access-token-0123456789"


def fx(name: str) -> Any:
    return json.loads((FIX / name).read_text())


def x_id(epoch: float) -> str:
    """An X id created at `epoch` (snowflake layout)."""
    return str((int(epoch * 1000) - TWEPOCH_MS) << 22)


def conn(**kw: Any) -> Connection:
    base = dict(
        platform="twitter", account="acme", access_token=TOKEN, refresh_token=None,
        expires_at=time.time() + 3600, scopes=["tweet.read", "tweet.write"],
        user_id="2244994945", extra={"username": "acme"}, source="keyring",
    )  # fmt: skip
    base.update(kw)
    return Connection(**base)


def make(
    connection: Connection | None = None,
    *,
    audit: list[Any] | None = None,
    config: Any = None,
    sleeps: list[float] | None = None,
) -> TwitterClient:
    start = time.time()
    clock = {"now": start}

    def sleep(seconds: float) -> None:  # fake time: the limiter sees it pass
        if sleeps is not None:
            sleeps.append(seconds)
        clock["now"] += seconds

    def factory(**kw: Any) -> HttpClient:
        limiter = Limiter(clock=lambda: clock["now"] + time.time() - start, sleep=sleep)
        return HttpClient(
            **kw,
            audit=audit.append if audit is not None else None,
            limiter=limiter,
            clock=Clock(sleep=sleep),
            settings=HttpSettings(max_wait=60.0),
        )

    return TwitterClient(http_factory=factory, connection=connection or conn(), config=config)


@pytest.fixture
def x() -> TwitterClient:
    return make()


@pytest.fixture(scope="module")
def create_schema() -> Draft202012Validator:
    spec = json.loads(SPEC.read_text())
    registry = Registry().with_resource("urn:x-openapi", Resource(spec, DRAFT202012))
    ref = {"$ref": "urn:x-openapi#/components/schemas/CreatePostsRequest"}
    return Draft202012Validator(ref, registry=registry)


def test_registered_in_the_integration_registry() -> None:
    assert get_class("twitter") is TwitterClient
    assert get_class("x") is TwitterClient


@respx.mock
def test_me_sends_bearer_and_parses_the_user(x: TwitterClient) -> None:
    route = respx.get(f"{API}/2/users/me").respond(200, json=fx("users_me.json"))
    user = x.me()
    assert (user.id, user.username, user.name) == ("2244994945", "acme", "Acme Marketing")
    req = route.calls.last.request
    assert req.headers["Authorization"] == f"Bearer {TOKEN}"
    assert req.headers["User-Agent"].startswith("mktd/")


@respx.mock
def test_base_url_override_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MKTD_TWITTER_BASE_URL", "http://127.0.0.1:9999/")
    route = respx.get("http://127.0.0.1:9999/2/users/me").respond(200, json=fx("users_me.json"))
    make().me()
    assert route.called


@respx.mock
def test_create_post_request_shape_and_result(x: TwitterClient, create_schema: Any) -> None:
    route = respx.post(f"{API}/2/tweets").respond(201, json=fx("create_post_201.json"))
    post = x.create_post("Launch day & more: https://example.com")
    req = route.calls.last.request
    body = json.loads(req.content)
    assert body == {"text": "Launch day & more: https://example.com"}
    assert req.headers["Content-Type"] == "application/json"
    assert req.headers["Authorization"] == f"Bearer {TOKEN}"
    create_schema.validate(body)
    assert isinstance(post, RemotePost)
    assert post.id == "1850000000000000000"
    assert post.url == "https://x.com/acme/status/1850000000000000000"
    assert post.text == "Launch day & more: https://t.co/abc123"  # entities decoded
    assert post.created_at == time.strftime(
        "%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(snowflake_time(post.id)))
    )


@respx.mock
def test_reply_and_media_body_matches_the_openapi_schema(
    x: TwitterClient, create_schema: Any
) -> None:
    route = respx.post(f"{API}/2/tweets").respond(201, json=fx("create_post_201.json"))
    post = x.create_post(
        "2/5 more", reply_to="1850000000000000000", media_ids=["1880028106020515840"]
    )
    body = json.loads(route.calls.last.request.content)
    assert body == {
        "text": "2/5 more",
        "reply": {"in_reply_to_tweet_id": "1850000000000000000"},
        "media": {"media_ids": ["1880028106020515840"]},
    }
    create_schema.validate(body)
    assert post.reply_to == "1850000000000000000"


def test_schema_validation_catches_a_wrong_body(create_schema: Any) -> None:
    create_schema.validate(create_post_body("hi", reply_to="1", media_ids=["2"]))
    assert not create_schema.is_valid({"text": "hi", "reply_to": "1"})  # additionalProperties
    assert not create_schema.is_valid({"text": "hi", "reply": {}})  # in_reply_to missing
    assert not create_schema.is_valid({"media": {"media_ids": ["a1"]}})  # pattern


def test_create_post_request_for_dry_run_sends_nothing() -> None:
    with respx.mock(assert_all_called=False) as mock:
        req = make().create_post_request("hello", reply_to="12")
        assert not mock.calls
    assert req.method == "POST" and str(req.url) == f"{API}/2/tweets"
    assert json.loads(req.content) == {"text": "hello", "reply": {"in_reply_to_tweet_id": "12"}}
    assert req.headers["Authorization"] == f"Bearer {TOKEN}"


@respx.mock
def test_create_is_not_retried_after_a_timeout(x: TwitterClient) -> None:
    route = respx.post(f"{API}/2/tweets").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(E.ApiTimeoutError) as exc:
        x.create_post("once only")
    assert exc.value.sent is True
    assert route.call_count == 1


@respx.mock
def test_create_is_not_retried_after_a_5xx(x: TwitterClient) -> None:
    route = respx.post(f"{API}/2/tweets").respond(503, json={"title": "Service Unavailable"})
    with pytest.raises(E.ServerError):
        x.create_post("once only")
    assert route.call_count == 1


@respx.mock
def test_create_is_retried_when_the_connection_never_opened(x: TwitterClient) -> None:
    route = respx.post(f"{API}/2/tweets").mock(
        side_effect=[
            httpx.ConnectError("refused"),
            httpx.Response(201, json=fx("create_post_201.json")),
        ]
    )
    assert x.create_post("hello").id == "1850000000000000000"
    assert route.call_count == 2


@pytest.mark.parametrize(
    ("fixture", "status", "cls", "code"),
    [
        ("duplicate_403.json", 403, DuplicateContentError, "duplicate"),
        ("duplicate_187_403.json", 403, DuplicateContentError, "duplicate"),  # spec Error
        ("reply_not_allowed_403.json", 403, ReplyNotAllowedError, "reply_not_allowed"),
        ("legacy_385_403.json", 403, ReplyNotAllowedError, "reply_not_allowed"),
        ("client_forbidden_403.json", 403, E.PermissionDeniedError, "client-forbidden"),
        ("unsupported_auth_403.json", 403, E.PermissionDeniedError, "unsupported_authentication"),
        ("invalid_request_400.json", 400, E.BadRequestError, "invalid-request"),
        ("unauthorized_401.json", 401, E.AuthenticationError, None),
    ],
)
@respx.mock
def test_error_rows_are_classified(
    fixture: str, status: int, cls: type[Exception], code: str | None
) -> None:
    audit: list[Any] = []
    route = respx.post(f"{API}/2/tweets").respond(status, json=fx(fixture))
    with pytest.raises(cls) as exc:
        make(audit=audit).create_post("hello", reply_to="1850000000000000000")
    err = exc.value
    assert type(err) is cls
    assert route.call_count == 1  # none of these is retried
    assert err.status_code == status
    if code:
        assert err.code == code
    assert audit[-1].error_kind == err.kind
    assert err.hint


def test_duplicate_is_a_conflict_and_reply_refusal_explains_the_rule() -> None:
    assert issubclass(DuplicateContentError, E.ConflictError)
    assert issubclass(ReplyNotAllowedError, E.PermissionDeniedError)


@respx.mock
def test_error_messages_carry_the_detail() -> None:
    respx.post(f"{API}/2/tweets").respond(400, json=fx("invalid_request_400.json"))
    with pytest.raises(E.BadRequestError) as exc:
        make().create_post("x")
    assert "in_reply_to_tweet_id" in exc.value.message
    respx.post(f"{API}/2/tweets").respond(403, json=fx("client_forbidden_403.json"))
    with pytest.raises(E.PermissionDeniedError) as exc2:
        make().create_post("x")
    assert "Project" in (exc2.value.hint or "")


@respx.mock
def test_401_without_refresh_token_says_authorize() -> None:
    route = respx.get(f"{API}/2/users/me").respond(401, json=fx("unauthorized_401.json"))
    with pytest.raises(E.AuthenticationError) as exc:
        make().me()
    assert exc.value.hint == "mktd authorize twitter"
    assert route.call_count == 1


@respx.mock
def test_429_with_a_far_reset_raises_with_seconds_until_the_latest_reset() -> None:
    now = time.time()
    headers = {
        "x-rate-limit-limit": "100", "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": str(int(now + 600)),
        "x-user-limit-24hour-limit": "17", "x-user-limit-24hour-remaining": "0",
        "x-user-limit-24hour-reset": str(int(now + 20000)),
    }  # fmt: skip
    route = respx.post(f"{API}/2/tweets").respond(429, json=fx("rate_limited_429.json"),
                                                   headers=headers)  # fmt: skip
    with pytest.raises(E.RateLimitError) as exc:
        make().create_post("hello")
    assert route.call_count == 1
    assert 19_900 < (exc.value.retry_after or 0) <= 20_001
    assert "24-hour" in exc.value.message


@respx.mock
def test_429_legacy_body_and_reset_hook_without_exhausted_counters() -> None:
    reset = time.time() + 900
    respx.post(f"{API}/2/tweets").respond(
        429,
        json=fx("rate_limited_legacy_429.json"),
        headers={"x-rate-limit-reset": str(int(reset))},
    )
    with pytest.raises(E.RateLimitError) as exc:
        make().create_post("hello")
    assert 890 < (exc.value.retry_after or 0) <= 901  # from the vendor hook
    assert "15-minute" in exc.value.message


@respx.mock
def test_429_with_a_short_reset_waits_and_retries() -> None:
    sleeps: list[float] = []
    reset = str(int(time.time() + 5))
    route = respx.get(f"{API}/2/users/me").mock(side_effect=[
        httpx.Response(429, json=fx("rate_limited_429.json"),
                       headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset}),
        httpx.Response(200, json=fx("users_me.json")),
    ])  # fmt: skip
    assert make(sleeps=sleeps).me().username == "acme"
    assert route.call_count == 2
    assert sleeps and 3 < max(sleeps) <= 6.1


@respx.mock
def test_usage_capped_is_a_rate_limit_with_a_hint() -> None:
    respx.post(f"{API}/2/tweets").respond(429, json=fx("usage_capped_429.json"))
    with pytest.raises(E.RateLimitError) as exc:
        make().create_post("hello")
    assert exc.value.code == "usage_capped"
    assert "credits" in (exc.value.hint or "")


@respx.mock
def test_200_with_errors_only_on_a_create_is_an_error() -> None:
    respx.post(f"{API}/2/tweets").respond(200, json=fx("create_errors_only_200.json"))
    with pytest.raises(E.BadRequestError) as exc:
        make().create_post("hello", media_ids=["1"])
    assert "not owned" in exc.value.message


@respx.mock
def test_delete_post() -> None:
    route = respx.delete(f"{API}/2/tweets/1850000000000000000").respond(
        200, json=fx("delete_200.json")
    )
    assert make().delete_post("1850000000000000000") is True
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {TOKEN}"
    respx.delete(f"{API}/2/tweets/1").respond(404, json={"title": "Not Found Error"})
    assert make().delete_post("1") is False


@respx.mock
def test_recent_posts_for_read_back() -> None:
    route = respx.get(f"{API}/2/users/2244994945/tweets").respond(200, json=fx("user_tweets.json"))
    since = 1_795_000_000.0
    posts = make().recent_posts("2244994945", since=since, max_results=50)
    params = dict(route.calls.last.request.url.params)
    assert params == {
        "max_results": "50",
        "tweet.fields": "created_at,entities,referenced_tweets,conversation_id",
        "start_time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(since)),
    }
    assert [p.id for p in posts] == ["1850000000000000002", "1850000000000000001"]
    assert posts[0].text == "2/2 Read more at https://example.com/post?utm_source=x & share"
    assert posts[0].reply_to == "1850000000000000001"
    assert posts[1].text == "1/2 Big news <today>"
    assert posts[1].created_at == "2026-11-20T10:00:00.000Z"


@respx.mock
def test_recent_posts_defaults_to_the_stored_user_id() -> None:
    route = respx.get(f"{API}/2/users/2244994945/tweets").respond(
        200, json={"meta": {"result_count": 0}}
    )
    assert make().recent_posts() == []
    assert route.calls.last.request.url.params["max_results"] == "100"


@respx.mock
def test_get_metrics_batches_and_splits_private_from_public() -> None:
    now = time.time()
    recent = [x_id(now - 86400 - i) for i in range(150)]
    old = [x_id(now - 40 * 86400)]
    seen: list[tuple[list[str], str]] = []

    def lookup(request: httpx.Request) -> httpx.Response:
        ids = request.url.params["ids"].split(",")
        fields = request.url.params["tweet.fields"]
        seen.append((ids, fields))
        data = []
        for i in ids:
            t: dict[str, Any] = {"id": i, "created_at": "2026-11-20T10:00:00.000Z",
                                 "public_metrics": {"like_count": 3, "reply_count": 1,
                                                    "quote_count": 0, "bookmark_count": 2,
                                                    "impression_count": 99}}  # fmt: skip
            # older spec/prose name vs 2.167 name
            t["public_metrics"]["retweet_count" if i == recent[0] else "repost_count"] = 4
            if fields == PRIVATE_FIELDS:
                t["non_public_metrics"] = {"impression_count": 120, "url_link_clicks": 5,
                                           "user_profile_clicks": 2, "engagements": 11}  # fmt: skip
                t["organic_metrics"] = {"impression_count": 120, "like_count": 3,
                                        "reply_count": 1, "retweet_count": 4}  # fmt: skip
            data.append(t)
        return httpx.Response(200, json={"data": data})

    respx.get(f"{API}/2/tweets").mock(side_effect=lookup)
    rows = make().get_metrics(recent + old + ["not-an-id"])
    assert [len(ids) for ids, _ in seen] == [100, 50, 1]
    assert [f for _, f in seen] == [PRIVATE_FIELDS, PRIVATE_FIELDS, PUBLIC_FIELDS]
    assert len(rows) == 151
    first = rows[0]
    assert (first.post_id, first.reposts, first.impressions, first.link_clicks) == (
        recent[0],
        4,
        120,
        5,
    )
    assert first.private is True and first.engagements == 11
    assert rows[1].reposts == 4  # repost_count
    last = rows[-1]
    assert last.post_id == old[0] and last.private is False
    assert (last.impressions, last.likes, last.link_clicks) == (99, 3, None)


@respx.mock
def test_get_metrics_refused_private_fields_fall_back_to_public() -> None:
    mine, theirs = x_id(time.time() - 3600), x_id(time.time() - 7200)

    def lookup(request: httpx.Request) -> httpx.Response:
        ids = request.url.params["ids"].split(",")
        if request.url.params["tweet.fields"] == PRIVATE_FIELDS:
            return httpx.Response(200, json={
                "data": [{"id": mine, "public_metrics": {"like_count": 1},
                          "non_public_metrics": {"impression_count": 10}}],
                "errors": [{"resource_id": theirs, "field": "non_public_metrics",
                            "title": "Field Authorization Error", "section": "data",
                            "type": "https://api.twitter.com/2/problems/not-authorized-for-field",
                            "detail": "Sorry, you are not authorized to access non_public_metrics"}],
            })  # fmt: skip
        assert ids == [theirs]
        return httpx.Response(
            200, json={"data": [{"id": theirs, "public_metrics": {"like_count": 7}}]}
        )

    route = respx.get(f"{API}/2/tweets").mock(side_effect=lookup)
    rows = make().get_metrics([mine, theirs])
    assert route.call_count == 2
    assert [(r.post_id, r.likes, r.private) for r in rows] == [(mine, 1, True), (theirs, 7, False)]


@respx.mock
def test_get_metrics_of_deleted_posts_is_empty_not_an_error() -> None:
    respx.get(f"{API}/2/tweets").respond(200, json=fx("only_errors_200.json"))
    assert make().get_metrics(["1850000000000000001"]) == []


@respx.mock
def test_test_connection_shape() -> None:
    reset = int(time.time()) + 900
    respx.get(f"{API}/2/users/me").respond(
        200, json=fx("users_me.json"),
        headers={"x-rate-limit-remaining": "74", "x-rate-limit-reset": str(reset)},
    )  # fmt: skip
    check = make().test_connection().to_dict()
    assert check["status"] == "connected"
    assert check["platform"] == "twitter"
    assert check["user_id"] == "2244994945"
    assert check["organization_id"] is None
    assert check["rate_limit"]["rate_limit_remaining"] == 74
    assert check["rate_limit"]["rate_limit_reset"] == time.strftime(
        "%Y-%m-%dT%H:%M:%SZ", time.gmtime(reset)
    )


@respx.mock
def test_test_connection_reports_errors_and_missing_credentials() -> None:
    respx.get(f"{API}/2/users/me").respond(401, json=fx("unauthorized_401.json"))
    assert make().test_connection().status == "error"
    client = TwitterClient(http_factory=lambda **kw: HttpClient(**kw), connection=None)
    assert client.test_connection().status == "missing_credentials"


def test_post_cost_and_its_config_keys() -> None:
    assert post_cost("plain words") == 0.015
    assert post_cost("see https://example.com/x") == 0.20
    cfg = {"twitter.cost_post": 0.02, "twitter.cost_post_url": 0.25}
    assert post_cost("plain", cfg.get) == 0.02
    assert post_cost("https://a.example.com", cfg.get) == 0.25

    def undeclared(key: str) -> Any:
        raise E.UsageError(f"Unknown config key {key!r}.")

    assert post_cost("plain", undeclared) == 0.015


def test_declared_rate_limits_follow_the_card() -> None:
    by_name = {lim.name: lim for lim in TwitterClient.rate_limits}
    create_user, create_app = by_name["tweets-create-user"], by_name["tweets-create-app"]
    assert (create_user.calls, create_user.period_s, create_user.scope) == (100, 900, "user")
    assert (create_app.calls, create_app.period_s, create_app.scope) == (10_000, 86400, "app")
    assert create_user.matches("POST", "/2/tweets") and not create_user.matches("GET", "/2/tweets")
    assert by_name["users-me-user"].calls == 75
    assert by_name["media-chunked-user"].matches("POST", "/2/media/upload/{id}/append")


# media -------------------------------------------------------------------------------------
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 1000


@respx.mock
def test_simple_image_upload_is_one_multipart_post(tmp_path: Path) -> None:
    route = respx.post(f"{API}/2/media/upload").respond(200, json=fx("media_simple_200.json"))
    image = tmp_path / "pic.png"
    image.write_bytes(PNG)
    assert make().upload_image(image) == "1880028106020515840"
    req = route.calls.last.request
    assert req.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b'name="media_category"\r\n\r\ntweet_image' in req.content
    assert b'name="media"; filename="media"' in req.content and PNG in req.content
    assert req.headers["Authorization"] == f"Bearer {TOKEN}"


@respx.mock
def test_chunked_upload_initialize_append_finalize_status(create_schema: Any) -> None:
    spec = json.loads(SPEC.read_text())
    registry = Registry().with_resource("urn:x-openapi", Resource(spec, DRAFT202012))
    init_schema = Draft202012Validator(
        {"$ref": "urn:x-openapi#/components/schemas/InitializeMediaUploadRequest"},
        registry=registry,
    )
    gif = b"GIF89a" + b"\1" * (6 * 1024 * 1024)
    init = respx.post(f"{API}/2/media/upload/initialize").respond(
        200, json=fx("media_initialize_200.json")
    )
    append = respx.post(f"{API}/2/media/upload/1880028106020515841/append").respond(200, json={})
    fin = respx.post(f"{API}/2/media/upload/1880028106020515841/finalize").respond(
        200, json=fx("media_finalize_pending_200.json")
    )
    status = respx.get(f"{API}/2/media/upload").respond(
        200, json=fx("media_status_succeeded_200.json")
    )
    sleeps: list[float] = []
    media_id = make(sleeps=sleeps).upload_media(gif, "image/gif")
    assert media_id == "1880028106020515841"
    body = json.loads(init.calls.last.request.content)
    assert body == {
        "media_type": "image/gif",
        "total_bytes": len(gif),
        "media_category": "tweet_gif",
    }
    init_schema.validate(body)
    assert append.call_count == 2
    assert b'name="segment_index"\r\n\r\n0' in append.calls[0].request.content
    assert b'name="segment_index"\r\n\r\n1' in append.calls[1].request.content
    assert fin.call_count == 1
    assert dict(status.calls.last.request.url.params) == {
        "media_id": "1880028106020515841",
        "command": "STATUS",
    }
    assert 2.0 in sleeps


@respx.mock
def test_failed_media_processing_is_reported() -> None:
    respx.post(f"{API}/2/media/upload/initialize").respond(
        200, json=fx("media_initialize_200.json")
    )
    respx.post(f"{API}/2/media/upload/1880028106020515841/append").respond(200, json={})
    respx.post(f"{API}/2/media/upload/1880028106020515841/finalize").respond(
        200, json=fx("media_finalize_pending_200.json")
    )
    respx.get(f"{API}/2/media/upload").respond(200, json=fx("media_status_failed_200.json"))
    with pytest.raises(E.ApiResponseError, match="Unsupported video format"):
        make().upload_media(b"\0" * 100, "video/mp4")


def test_media_limits_are_checked_before_any_request() -> None:
    with respx.mock(assert_all_called=False) as mock:
        with pytest.raises(E.UsageError, match="5 MB"):
            make().upload_media(b"\0" * (5 * 1024 * 1024 + 1), "image/png")
        with pytest.raises(E.UsageError, match="cannot attach"):
            make().upload_media(b"\0", "application/pdf")
        assert not mock.calls


def test_metrics_fall_back_to_public_when_every_id_refuses_owner_fields() -> None:
    """All posts of a batch are over 30 days old: X answers errors only; public is read next."""
    import respx as _respx

    pid = x_id(1_700_000_000)
    field_error = {
        "errors": [{"resource_id": pid, "parameter": "tweet.fields", "resource_type": "tweet",
                    "title": "Field Authorization Error", "section": "data",
                    "detail": "Sorry, you are not authorized to access non_public_metrics on a Tweet.",
                    "type": "https://api.x.com/2/problems/not-authorized-for-field"}]
    }  # fmt: skip
    public = {"data": [{"id": pid, "text": "t", "public_metrics": {"like_count": 3,
                                                                  "retweet_count": 1}}]}  # fmt: skip
    with _respx.mock() as router:
        route = router.get(url__regex=rf"{API}/2/tweets\?.*").mock(
            side_effect=[httpx.Response(200, json=field_error), httpx.Response(200, json=public)]
        )
        rows = make().get_metrics([pid], now=1_700_000_000 + 5 * 86400)
    assert route.call_count == 2
    assert [(r.post_id, r.likes, r.reposts, r.private) for r in rows] == [(pid, 3, 1, False)]
