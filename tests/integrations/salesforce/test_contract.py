"""Contract: every request mktd sends to Salesforce has a documented method, path and body.

Salesforce publishes no OpenAPI file for its REST API; its shapes are documented per resource.
`tests/fixtures/salesforce/requests.schema.json` writes them down (sources in its `$comment`),
and this test drives the client through import (by email and by external id), sync, get and
campaigns, then checks each request it made against that list.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jsonschema
import pytest

from mktdirector.integrations.salesforce.client import SalesforceClient

from .conftest import BASE, FIXTURES, V, reply

CONTRACT = json.loads((FIXTURES / "requests.schema.json").read_text())
EMPTY = {"totalSize": 0, "done": True, "records": []}


def check(request: httpx.Request) -> None:
    url = urlsplit(str(request.url))
    assert f"{url.scheme}://{url.netloc}" == BASE, "every call goes to the instance"
    for spec in CONTRACT["paths"]:
        if spec["method"] != request.method or not re.match(spec["path"], url.path):
            continue
        if "query" in spec:
            soql = parse_qs(url.query)["q"][0]
            assert re.match(spec["query"], soql), soql
        if "body" in spec:
            jsonschema.validate(json.loads(request.content), CONTRACT["bodies"][spec["body"]])
        if url.path.rstrip("/") != "/services/data":
            assert request.headers["Authorization"].startswith("Bearer ")
        return
    pytest.fail(f"undocumented request {request.method} {url.path}")


@pytest.fixture
def recorded(api: Any) -> list[httpx.Request]:
    seen: list[httpx.Request] = []

    def answer(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        path = req.url.path
        if path.endswith("/query"):
            q = parse_qs(urlsplit(str(req.url)).query)["q"][0]
            if "IsConverted = false AND Email IN" in q and "'p0@example.org'" in q:
                return reply(200, json={"totalSize": 1, "done": True, "records": [
                    {"attributes": {"type": "Lead"}, "Id": "00QOLD000000000001",
                     "Email": "p0@example.org"}]})  # fmt: skip
            if "FROM Lead WHERE IsConverted = false AND SystemModstamp" in q:
                return reply(200, "query_page1.json")
            return reply(200, json=EMPTY)
        if "/query/" in path:
            return reply(200, "query_page2.json")
        if path.endswith("/limits"):
            return reply(200, "limits.json")
        if path.endswith("/sobjects/Campaign"):
            return reply(201, json={"id": "701SB0000000000001", "success": True, "errors": []})
        n = len(json.loads(req.content)["records"])
        return reply(200, json=[{"id": f"00QNEW{i:012d}", "success": True, "errors": [],
                                 "created": True} for i in range(n)])  # fmt: skip

    api.route(url__startswith=BASE + "/services/data/v").mock(side_effect=answer)
    return seen


def test_every_request_is_documented(
    make_sf: Callable[..., SalesforceClient], recorded: list[httpx.Request], api: Any
) -> None:
    from datetime import UTC, datetime

    sf = make_sf()
    rows = [{"email": f"p{i}@example.org", "lastname": f"L{i}", "company": "C"} for i in range(450)]
    sf.batch_upsert_contacts(rows)
    list(sf.contacts_with_attribution(datetime(2026, 9, 1, tzinfo=UTC)))
    sf.get_contact_by_email("ada@example.org")
    sf.test_connection()
    campaign = sf.ensure_campaign("Launch")
    sf.add_campaign_members(campaign, ["00QNEW000000000001", "003SB0000000000001"])
    by_ext = make_sf({"salesforce.external_id_field": "Mktd_Key__c"})
    by_ext.batch_upsert_contacts([dict(r, Mktd_Key__c=f"k{i}") for i, r in enumerate(rows[:3])])
    sent = recorded + [c.request for c in api.calls if c.request not in recorded]
    kinds = {(r.method, re.sub(r"v\d+\.0", "vX", r.url.path)) for r in sent}
    assert {("POST", "/services/data/vX/composite/sobjects"),
            ("PATCH", "/services/data/vX/composite/sobjects"),
            ("PATCH", "/services/data/vX/composite/sobjects/Lead/Mktd_Key__c"),
            ("GET", "/services/data/vX/query/01gRZ00000ABCDEF-2"),
            ("POST", "/services/data/vX/sobjects/Campaign")} <= kinds  # fmt: skip
    for request in sent:
        check(request)


def test_an_undocumented_body_is_caught() -> None:
    bad = httpx.Request("POST", f"{BASE}{V}/composite/sobjects",
                        json={"allOrNone": False, "records": [{"LastName": "x"}] * 201},
                        headers={"Authorization": "Bearer t"})  # fmt: skip
    with pytest.raises(jsonschema.ValidationError):
        check(bad)
