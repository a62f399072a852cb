"""The sandbox is as strict as the platforms it stands for (issue 12 item 9).

Each case is what an official SDK (tweepy, hubspot-api-client, google-analytics-data) sent to
`mktd sandbox serve` and got wrong: a 500 with a Python exception, a text X refuses accepted,
parameters ignored, routes missing, Google's default credential refused.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mktdirector.sandbox import Sandbox
from mktdirector.sandbox.base import route
from mktdirector.sandbox.env import GA_PROPERTY, TOKEN_ENV, service_account_path

http = httpx.Client(timeout=10, limits=httpx.Limits(max_keepalive_connections=0))
X = {"Authorization": f"Bearer {TOKEN_ENV['TWITTER_ACCESS_TOKEN']}"}
HUBSPOT = {"Authorization": f"Bearer {TOKEN_ENV['HUBSPOT_API_KEY']}"}
CONTACTS = "/hubspot/crm/v3/objects/contacts"


def _contacts(sb: Sandbox, *emails: str) -> list[str]:
    ids = []
    for e in emails:
        r = http.post(f"{sb.url}{CONTACTS}", headers=HUBSPOT, json={"properties": {"email": e}})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids


# HubSpot --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sorts", "first"),
    [
        (["createdate"], "a@example.org"),  # the spec's and the SDK's string form
        (["-createdate"], "c@example.org"),
        ([{"propertyName": "createdate", "direction": "DESCENDING"}], "c@example.org"),
    ],
)
def test_hubspot_search_sorts_in_both_forms(sb: Sandbox, sorts: list[Any], first: str) -> None:
    _contacts(sb, "a@example.org", "b@example.org", "c@example.org")
    r = http.post(f"{sb.url}{CONTACTS}/search", headers=HUBSPOT, json={"sorts": sorts})
    assert r.status_code == 200, r.text
    assert r.json()["results"][0]["properties"]["email"] == first


def test_hubspot_search_refuses_a_malformed_sort_with_400(sb: Sandbox) -> None:
    r = http.post(f"{sb.url}{CONTACTS}/search", headers=HUBSPOT, json={"sorts": [7]})
    assert r.status_code == 400 and r.json()["category"] == "VALIDATION_ERROR"


def test_hubspot_contact_patch_updates_by_id_and_by_email(sb: Sandbox) -> None:
    (cid,) = _contacts(sb, "ada@example.org")
    r = http.patch(f"{sb.url}{CONTACTS}/{cid}", headers=HUBSPOT,
                   json={"properties": {"firstname": "Ada"}})  # fmt: skip
    assert r.status_code == 200 and r.json()["properties"]["firstname"] == "Ada"
    r = http.patch(f"{sb.url}{CONTACTS}/ada@example.org?idProperty=email", headers=HUBSPOT,
                   json={"properties": {"lastname": "Lovelace"}})  # fmt: skip
    assert r.status_code == 200 and r.json()["id"] == cid
    got = http.get(f"{sb.url}{CONTACTS}/{cid}?properties=firstname,lastname", headers=HUBSPOT)
    assert got.json()["properties"]["firstname"] == "Ada"
    assert got.json()["properties"]["lastname"] == "Lovelace"


def test_hubspot_contact_patch_refuses_what_hubspot_refuses(sb: Sandbox) -> None:
    a, _ = _contacts(sb, "a@example.org", "b@example.org")
    url = f"{sb.url}{CONTACTS}/{a}"
    assert http.patch(f"{sb.url}{CONTACTS}/999999", headers=HUBSPOT,
                      json={"properties": {"firstname": "X"}}).status_code == 404  # fmt: skip
    taken = http.patch(url, headers=HUBSPOT, json={"properties": {"email": "b@example.org"}})
    assert taken.status_code == 409
    ro = http.patch(url, headers=HUBSPOT, json={"properties": {"hs_object_id": "1"}})
    assert ro.status_code == 400 and "read only" in ro.text
    assert http.patch(url, headers=HUBSPOT, json={"properties": []}).status_code == 400
    assert http.patch(url, json={"properties": {}}).status_code == 401


# X ----------------------------------------------------------------------------------------------
def test_x_refuses_a_text_with_characters_x_refuses(sb: Sandbox) -> None:
    r = http.post(f"{sb.url}/x/2/tweets", headers=X, json={"text": "ABC\u202a\uffffABC\ufffe"})
    assert r.status_code == 400
    assert "U+FFFF" in r.text  # the first character twitter-text refuses
    assert sb.state()["posts"].get("x", []) == []  # nothing was created


def test_x_users_me_honours_user_fields_and_expansions(sb: Sandbox) -> None:
    plain = http.get(f"{sb.url}/x/2/users/me", headers=X).json()["data"]
    assert set(plain) == {"id", "name", "username"}
    created = http.post(f"{sb.url}/x/2/tweets", headers=X, json={"text": "Latest words."})
    r = http.get(f"{sb.url}/x/2/users/me", headers=X, params={
        "user.fields": "created_at,public_metrics,description",
        "expansions": "most_recent_tweet_id",
    }).json()  # fmt: skip
    assert {"created_at", "public_metrics", "description"} <= set(r["data"])
    assert r["data"]["public_metrics"]["tweet_count"] == 1
    assert r["data"]["most_recent_tweet_id"] == created.json()["data"]["id"]
    assert r["includes"]["tweets"][0]["text"] == "Latest words."


def test_x_post_lookup_expands_the_author_and_the_replied_to_post(sb: Sandbox) -> None:
    first = http.post(f"{sb.url}/x/2/tweets", headers=X, json={"text": "One."}).json()["data"]
    reply = http.post(f"{sb.url}/x/2/tweets", headers=X,
                      json={"text": "Two.", "reply": {"in_reply_to_tweet_id": first["id"]}})  # fmt: skip
    r = http.get(f"{sb.url}/x/2/tweets/{reply.json()['data']['id']}", headers=X, params={
        "expansions": "author_id,referenced_tweets.id", "user.fields": "created_at",
    }).json()  # fmt: skip
    assert r["includes"]["users"][0]["created_at"]
    assert [t["id"] for t in r["includes"]["tweets"]] == [first["id"]]
    many = http.get(f"{sb.url}/x/2/tweets", headers=X,
                    params={"ids": first["id"], "expansions": "author_id"}).json()  # fmt: skip
    assert set(many["includes"]["users"][0]) == {"id", "name", "username"}


@pytest.mark.parametrize(("param", "value"), [("user.fields", "shoe_size"), ("expansions", "x")])
def test_x_refuses_unknown_field_and_expansion_values(sb: Sandbox, param: str, value: str) -> None:
    r = http.get(f"{sb.url}/x/2/users/me", headers=X, params={param: value})
    assert r.status_code == 400 and value in r.text and param in r.text


# GA4 -------------------------------------------------------------------------------------------
def _self_signed(sb: Sandbox, **kw: Any) -> str:
    """What google-analytics-data sends by default: google-auth's self-signed service JWT."""
    from google.auth import jwt

    creds = jwt.Credentials.from_service_account_file(str(service_account_path(sb.state_dir)), **kw)
    creds.refresh(None)
    token = creds.token
    return token.decode() if isinstance(token, bytes) else str(token)


def _report(sb: Sandbox, token: str, kind: str = "runReport", body: Any = None) -> httpx.Response:
    body = body or {"dateRanges": [{"startDate": "7daysAgo", "endDate": "today"}],
                    "metrics": [{"name": "sessions"}]}  # fmt: skip
    return http.post(f"{sb.url}/ga/v1beta/properties/{GA_PROPERTY}:{kind}",
                     headers={"Authorization": f"Bearer {token}"}, json=body)  # fmt: skip


def test_ga_accepts_googles_self_signed_service_account_jwt(sb: Sandbox) -> None:
    token = _self_signed(sb, audience="https://analyticsdata.googleapis.com/")
    assert _report(sb, token).status_code == 200
    assert _report(sb, _sdk_default(sb)).status_code == 200


def _sdk_default(sb: Sandbox) -> str:
    """The SDK's own path: scoped service-account credentials with self-signed JWT access."""
    from google.oauth2 import service_account

    creds = service_account.Credentials.from_service_account_file(
        str(service_account_path(sb.state_dir)),
        scopes=["https://www.googleapis.com/auth/analytics.readonly"],
        always_use_jwt_access=True,
    )
    creds._create_self_signed_jwt("https://analyticsdata.googleapis.com/")
    creds.refresh(None)
    token = creds.token
    return token.decode() if isinstance(token, bytes) else str(token)


def test_ga_refuses_a_jwt_for_another_audience_or_key(sb: Sandbox) -> None:
    elsewhere = _self_signed(sb, audience="https://www.googleapis.com/other/")
    assert _report(sb, elsewhere).status_code == 401
    token = _self_signed(sb, audience="https://analyticsdata.googleapis.com/")
    head, claims, sig = token.split(".")
    forged = f"{head}.{claims}.{sig[:-4]}AAAA"
    assert _report(sb, forged).status_code == 401


def test_ga_realtime_report_is_emulated(sb: Sandbox) -> None:
    token = _self_signed(sb, audience="https://analyticsdata.googleapis.com/")
    r = _report(sb, token, "runRealtimeReport", {
        "dimensions": [{"name": "country"}], "metrics": [{"name": "activeUsers"}],
    })  # fmt: skip
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["kind"] == "analyticsData#runRealtimeReport"
    assert out["dimensionHeaders"] == [{"name": "country"}]
    assert out["rowCount"] == len(out.get("rows", []))
    bad = _report(sb, token, "runRealtimeReport", {
        "dimensions": [{"name": "sessionSource"}], "metrics": [{"name": "activeUsers"}],
    })  # fmt: skip
    assert bad.status_code == 400 and "sessionSource" in bad.text
    old = _report(sb, token, "runRealtimeReport", {
        "metrics": [{"name": "activeUsers"}],
        "minuteRanges": [{"startMinutesAgo": 45, "endMinutesAgo": 0}],
    })  # fmt: skip
    assert old.status_code == 400


# Every platform: a route that cannot answer --------------------------------------------------
def test_a_route_that_fails_answers_501_naming_it_not_500(sb: Sandbox) -> None:
    def broken(emu: Any, req: Any) -> Any:
        raise AttributeError("'str' object has no attribute 'get'")

    routes = sb.emu.routes["x"]
    i = next(n for n, r in enumerate(routes) if r.name == "x.me")
    routes[i] = route("GET", r"/2/users/me", "x.me", broken)
    r = http.get(f"{sb.url}/x/2/users/me", headers=X)
    assert r.status_code == 501
    assert "x.me" in r.text
    assert "AttributeError" not in r.text and "attribute" not in r.text


@pytest.mark.parametrize("path", ["/x/2/spaces/search", "/hubspot/crm/v3/objects/deals",
                                  "/ga/v1beta/properties/1:runPivotReport"])  # fmt: skip
def test_a_path_the_sandbox_does_not_emulate_is_501_naming_it(sb: Sandbox, path: str) -> None:
    r = http.post(f"{sb.url}{path}", json={})
    assert r.status_code == 501
    assert path.split("/", 2)[2] in r.text
