"""Every request the Mailchimp client makes, checked against the hand-written contract of the
reference card (fixtures/contract.json; fixtures/README.md says why no vendor schema is copied):
method and path, required body fields, allowed values, the 500-member cap, the member hash,
quarter-hour schedule times. Every contract entry must be exercised."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import respx
from mailchimp_fixtures import fixture

from mktdirector.integrations.email_models import CampaignSpec

CONTRACT = fixture("contract.json")["requests"]
LIST, CID = "a1b2c3d4e5", "42694e9e57"


def _pattern(template: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(template)) + "$")


def _match(request: httpx.Request) -> str:
    path = request.url.path
    hits = [n for n, c in CONTRACT.items()
            if c["method"] == request.method and _pattern(c["path"]).match(path)]  # fmt: skip
    assert hits, f"{request.method} {path} is not in the contract"
    return hits[0]


def _get(body: dict[str, Any], dotted: str) -> Any:
    cur: Any = body
    for part in dotted.split("."):
        cur = cur.get(part) if isinstance(cur, dict) else None
    return cur


def check(request: httpx.Request) -> str:
    name = _match(request)
    rule = CONTRACT[name]
    body = json.loads(request.content) if request.content else {}
    for field in rule.get("required", []):
        assert _get(body, field) not in (None, "", []), f"{name}: {field} is required"
    for field, allowed in rule.get("enum", {}).items():
        assert _get(body, field) in allowed, f"{name}: {field}={_get(body, field)!r}"
    for field, most in rule.get("max_items", {}).items():
        assert len(body[field]) <= most, f"{name}: {field} has more than {most}"
    for member in body.get("members", []) if name == "batch_subscribe" else []:
        for field in rule["member_required"]:
            assert member.get(field), f"{name}: a member lacks {field}"
    if "hash_of" in rule:
        expected = hashlib.md5(body[rule["hash_of"]].strip().lower().encode()).hexdigest()
        assert request.url.path.rsplit("/", 1)[1] == expected, f"{name}: wrong subscriber hash"
    if "quarter_hour" in rule:
        at = datetime.fromisoformat(body[rule["quarter_hour"]])
        assert at.utcoffset() is not None and at.minute % 15 == 0 and at.second == 0
    for key in rule.get("query", []):
        assert key in request.url.params, f"{name}: query {key} missing"
    return name


def answer(request: httpx.Request) -> httpx.Response:
    name = _match(request)
    bodies: dict[str, Any] = {
        "ping": fixture("ping.json"), "root": fixture("root.json"), "lists": fixture("lists.json"),
        "list": fixture("lists.json")["lists"][0], "campaign_create": fixture("campaign.json"),
        "campaign": fixture("campaign.json"), "report": fixture("report.json"),
        "reports": {"reports": [fixture("report.json")], "total_items": 1},
        "batch_subscribe": fixture("batch_subscribe.json"),
        "campaigns": {"campaigns": [fixture("campaign.json")], "total_items": 1},
        "segments": {"segments": [{"id": 101, "name": "vip", "type": "static"}]},
        "checklist": {"is_ready": True, "items": []}, "content": {}, "member_upsert": {"id": "x"},
    }  # fmt: skip
    return httpx.Response(200, json=bodies[name]) if name in bodies else httpx.Response(204)


@respx.mock
def test_every_request_the_client_makes_keeps_the_contract(make_client: Any) -> None:
    route = respx.route(host="us6.api.mailchimp.com").mock(side_effect=answer)
    c = make_client()
    c.check_key()
    c.audiences()
    c.audience(LIST)
    c.tag_segment(LIST, "VIP")
    c.upsert_member(LIST, {"email": "Ann@Example.org", "firstname": "Ann"})
    c.import_members(LIST, [{"email": f"u{i}@example.org"} for i in range(1_001)])
    c.create_campaign(CampaignSpec(LIST, "Hello", "mktd 01ABC", "Us", "news@example.org"))
    c.find_campaign(LIST, "mktd 01ABC")
    c.campaign(CID)
    c.set_content(CID, None, "Hello")
    c.checklist(CID)
    c.test_send(CID, ["me@example.org"])
    c.send_campaign(CID)
    c.schedule_campaign(CID, datetime(2030, 1, 1, 9, 15, tzinfo=UTC))
    c.unschedule(CID)
    c.report(CID)
    c.reports("2026-09-01")
    exercised = {check(call.request) for call in route.calls}
    assert exercised == set(CONTRACT), f"not exercised: {set(CONTRACT) - exercised}"


def test_the_contract_and_every_fixture_name_their_source() -> None:
    from mailchimp_fixtures import FIXTURES

    for path in FIXTURES.glob("*.json"):
        assert "_source" in json.loads(path.read_text()), path.name
