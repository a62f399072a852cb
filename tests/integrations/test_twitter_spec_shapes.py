"""X answers the OpenAPI document allows, read right (issue 11 item 8; tests first).

The spec's Post has `referenced_posts` (the prose and older answers say `referenced_tweets`),
and its FieldUnauthorizedProblem has no `resource_id`: both used to lose data.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import respx
from test_twitter import API, make, x_id

from mktdirector.integrations.twitter.client import PRIVATE_FIELDS, PUBLIC_FIELDS

SPEC = Path(__file__).resolve().parents[1] / "contracts" / "specs" / "x-api-v2-openapi.json"


def test_the_spec_names_both_shapes() -> None:
    schemas = json.loads(SPEC.read_text())["components"]["schemas"]
    assert "referenced_posts" in schemas["Post"]["properties"]
    assert "resource_id" not in schemas["FieldUnauthorizedProblem"]["properties"]


@respx.mock
def test_a_reply_marked_with_referenced_posts_has_reply_to() -> None:
    parent, child = x_id(time.time() - 60), x_id(time.time() - 30)
    respx.get(f"{API}/2/users/2244994945/tweets").respond(200, json={"data": [
        {"id": child, "text": "2/2 more", "referenced_posts": [{"type": "replied_to", "id": parent}]},
        {"id": parent, "text": "1/2 news",
         "referenced_posts": [{"type": "quoted", "id": "123"}]},
    ]})  # fmt: skip
    posts = make().recent_posts()
    assert [(p.id, p.reply_to) for p in posts] == [(child, parent), (parent, None)]


@respx.mock
def test_field_refusal_without_resource_id_rereads_with_public_fields() -> None:
    mine, theirs = x_id(time.time() - 3600), x_id(time.time() - 7200)
    seen: list[tuple[list[str], str]] = []

    def lookup(request: httpx.Request) -> httpx.Response:
        ids = request.url.params["ids"].split(",")
        fields = request.url.params["tweet.fields"]
        seen.append((ids, fields))
        if fields == PRIVATE_FIELDS:
            return httpx.Response(200, json={
                "data": [{"id": mine, "public_metrics": {"like_count": 1},
                          "non_public_metrics": {"impression_count": 10}}],
                "errors": [{"type": "https://api.x.com/2/problems/field-unauthorized",
                            "title": "Field Authorization Error", "field": "non_public_metrics",
                            "resource_type": "post", "section": "data",
                            "detail": "Sorry, you are not authorized to access non_public_metrics"}],
            })  # fmt: skip
        return httpx.Response(200, json={"data": [
            {"id": i, "public_metrics": {"like_count": 7}} for i in ids
        ]})  # fmt: skip

    respx.get(f"{API}/2/tweets").mock(side_effect=lookup)
    rows = make().get_metrics([mine, theirs])
    assert seen[1] == ([theirs], PUBLIC_FIELDS)  # only the post left out is read again
    assert [(r.post_id, r.likes, r.private) for r in rows] == [(mine, 1, True), (theirs, 7, False)]
