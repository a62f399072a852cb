"""The sandbox's X: driven by mktd's own TwitterClient, and by raw httpx for the rules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mktdirector.core import errors as E
from mktdirector.integrations.social import DuplicateContentError
from mktdirector.integrations.twitter.errors import ReplyNotAllowedError
from mktdirector.sandbox import Sandbox
from mktdirector.sandbox.env import TOKEN_ENV, X_USER
from mktdirector.wiring import Deps

# One keep-alive client: a new httpx.Client costs ~30 ms (TLS context) per call.
# No kept-alive sockets: each test's sandbox is gone after it, and its socket would leak.
http = httpx.Client(timeout=10, limits=httpx.Limits(max_keepalive_connections=0))

USER = {"Authorization": f"Bearer {TOKEN_ENV['TWITTER_ACCESS_TOKEN']}"}
APP = {"Authorization": f"Bearer {TOKEN_ENV['TWITTER_BEARER_TOKEN']}"}
LINK = "https://example.com/launch?utm_source=x&utm_medium=social&utm_campaign=c1&utm_content=D1"


@pytest.fixture
def x(sb: Sandbox) -> Iterator[Any]:
    deps = Deps(overrides={"http.max_wait": 0})
    client = deps.integration("twitter")
    yield client
    client.close()
    deps.close()


def posts(sb: Sandbox) -> list[dict[str, Any]]:
    return sb.state()["posts"]["x"]


def test_post_and_thread_are_recorded_in_order(sb: Sandbox, x: Any) -> None:
    first = x.create_post(f"Launch day! {LINK}")
    second = x.create_post("Part two of the thread.", reply_to=first.id)
    third = x.create_post("Part three.", reply_to=second.id)

    assert [p["id"] for p in posts(sb)] == [first.id, second.id, third.id]
    assert [p["reply_to"] for p in posts(sb)] == [None, first.id, second.id]
    assert posts(sb)[0]["text"] == f"Launch day! {LINK}"
    # X rewrites links to t.co in what it answers; ids carry their creation time.
    assert "t.co/" in first.text and LINK not in first.text
    # The id carries the creation time (a snowflake), as mktd's client assumes.
    assert first.created_at[:19] == posts(sb)[0]["created_at"][:19]
    found = x.recent_posts()
    assert [p.id for p in found] == [third.id, second.id, first.id]
    assert found[-1].text == f"Launch day! {LINK}"  # entities expand t.co back
    assert found[0].reply_to == second.id
    assert sb.state()["requests"]["x.create"] == {"count": 3, "outcomes": {"201": 3}}


def test_duplicate_text_is_refused_with_xs_403(sb: Sandbox, x: Any) -> None:
    x.create_post("Same words twice.")
    with pytest.raises(DuplicateContentError):
        x.create_post("Same words twice.")
    assert len(posts(sb)) == 1
    r = http.post(f"{sb.url}/x/2/tweets", headers=USER, json={"text": "Same words twice."})
    assert r.status_code == 403
    assert r.json()["detail"] == "You are not allowed to create a Tweet with duplicate content."


def test_weighted_length_limit(sb: Sandbox) -> None:
    url = f"{sb.url}/x/2/tweets"
    # 140 CJK characters weigh 280: allowed; one more is over.
    assert http.post(url, headers=USER, json={"text": "字" * 140}).status_code == 201
    r = http.post(url, headers=USER, json={"text": "字" * 141})
    assert r.status_code == 403 and "too long" in r.json()["detail"]
    # A URL counts 23 whatever its length.
    long_url = "https://example.com/" + "a" * 300
    assert http.post(url, headers=USER, json={"text": "x " + long_url}).status_code == 201


def test_reply_needs_an_existing_post(sb: Sandbox, x: Any) -> None:
    with pytest.raises(ReplyNotAllowedError):
        x.create_post("A reply to nothing.", reply_to="1234567890123456789")
    r = http.post(f"{sb.url}/x/2/tweets", headers=USER, json={"text": "t", "reply": {}})
    assert r.status_code == 400
    assert "in_reply_to_tweet_id" in r.json()["errors"][0]["message"]
    assert posts(sb) == []


def test_body_schema_and_auth_rules(sb: Sandbox) -> None:
    url = f"{sb.url}/x/2/tweets"
    r = http.post(url, headers=USER, json={"text": "hi", "colour": "red"})
    assert r.status_code == 400 and r.json()["type"].endswith("/invalid-request")
    r = http.post(url, headers=APP, json={"text": "app-only cannot post"})
    assert r.status_code == 403 and "Application-Only" in r.json()["detail"]
    r = http.post(url, headers={"Authorization": "Bearer nope"}, json={"text": "hi"})
    assert r.status_code == 401 and r.json()["title"] == "Unauthorized"
    assert http.post(url, json={"text": "hi"}).status_code == 401


def test_rate_limit_headers_and_24_hour_headers(sb: Sandbox) -> None:
    r = http.post(f"{sb.url}/x/2/tweets", headers=USER, json={"text": "counted"})
    assert r.headers["x-rate-limit-limit"] == "100"
    assert r.headers["x-rate-limit-remaining"] == "99"
    assert int(r.headers["x-rate-limit-reset"]) > sb.emu.now()
    assert r.headers["x-app-limit-24hour-remaining"] == "9999"
    assert r.headers["x-user-limit-24hour-limit"] == "10000"
    me = http.get(f"{sb.url}/x/2/users/me", headers=USER)
    assert me.json()["data"]["id"] == X_USER["id"] and me.headers["x-rate-limit-limit"] == "75"


def test_enforced_limit_answers_429_with_reset(tmp_path: Path) -> None:
    with Sandbox(port=0, state_dir=tmp_path / "s", limits={"x.create.user": (2, 900)}) as s:
        url = f"{s.url}/x/2/tweets"
        codes = [http.post(url, headers=USER, json={"text": f"n{i}"}).status_code for i in range(3)]
        assert codes == [201, 201, 429]
        r = http.post(url, headers=USER, json={"text": "n4"})
        assert r.json()["title"] == "Too Many Requests"
        assert r.headers["x-rate-limit-remaining"] == "0"


def test_metrics_grow_with_age_and_private_ones_stop_at_30_days(sb: Sandbox, x: Any) -> None:
    post = x.create_post(f"Metrics please {LINK}")
    sb.advance(3600)
    early = x.get_metrics([post.id])[0]
    sb.advance(24 * 3600)
    later = x.get_metrics([post.id])[0]
    assert early.private and later.private
    assert 0 < early.impressions <= later.impressions
    assert early.likes <= later.likes and later.link_clicks > 0
    # Same seed, same post, same age: the same numbers.
    assert x.get_metrics([post.id])[0].impressions == later.impressions
    sb.advance(31 * 86400)
    params = {"ids": post.id, "tweet.fields": "public_metrics,non_public_metrics"}
    r = http.get(f"{sb.url}/x/2/tweets", headers=USER, params=params).json()
    assert "data" not in r and r["errors"][0]["type"].endswith("/not-authorized-for-field")
    public = http.get(
        f"{sb.url}/x/2/tweets",
        headers=APP,
        params={"ids": post.id, "post.fields": "public_metrics"},
    ).json()
    assert public["data"][0]["public_metrics"]["repost_count"] >= 0  # spec 2.167 naming


def test_deleted_post_is_gone_and_can_be_posted_again(sb: Sandbox, x: Any) -> None:
    post = x.create_post("Delete me.")
    assert x.delete_post(post.id) is True
    assert x.delete_post(post.id) is False
    again = x.create_post("Delete me.")
    assert [p["deleted"] for p in posts(sb)] == [True, False] and again.id != post.id
    with pytest.raises(E.BadRequestError):
        x.create_post("")
