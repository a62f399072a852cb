"""The sandbox's Salesforce room, driven by mktd's client and by raw httpx: versions, limits,
SOQL paging, collections (≤200, allOrNone, per-record errors), upsert by external id,
campaigns and members, OAuth with instance_url, REQUEST_LIMIT_EXCEEDED."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mktdirector.core import errors as E
from mktdirector.integrations.crm_models import ContactImportStopped
from mktdirector.sandbox import Sandbox
from mktdirector.sandbox.env import TOKEN_ENV
from mktdirector.wiring import Deps

http = httpx.Client(timeout=10, limits=httpx.Limits(max_keepalive_connections=0))
AUTH = {"Authorization": f"Bearer {TOKEN_ENV['SALESFORCE_ACCESS_TOKEN']}"}
V = "/salesforce/services/data/v66.0"


@pytest.fixture
def sf(sb: Sandbox, make_deps: Callable[..., Deps]) -> Any:
    return make_deps(**{"http.max_wait": 0}).integration("salesforce")


def leads(n: int, **extra: str) -> list[dict[str, str]]:
    return [{"email": f"p{i}@example.org", "lastname": f"P{i}", "company": "Co", **extra}
            for i in range(n)]  # fmt: skip


def test_versions_need_no_token_and_count_nothing(sb: Sandbox) -> None:
    r = http.get(f"{sb.url}/salesforce/services/data/")
    assert r.status_code == 200 and r.json()[-1] == {
        "label": "Summer '26", "url": "/services/data/v67.0", "version": "67.0"
    }  # fmt: skip
    assert "Sforce-Limit-Info" not in r.headers


def test_every_answer_carries_sforce_limit_info_and_errors_are_arrays(sb: Sandbox) -> None:
    r = http.get(f"{sb.url}{V}/limits", headers=AUTH)
    assert r.headers["Sforce-Limit-Info"] == "api-usage=1/15000"
    assert r.json()["DailyApiRequests"] == {"Max": 15000, "Remaining": 14999}
    bad = http.get(f"{sb.url}{V}/limits", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert bad.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]
    old = http.get(f"{sb.url}/salesforce/services/data/v40.0/limits", headers=AUTH)
    assert old.status_code == 404 and old.json()[0]["errorCode"] == "NOT_FOUND"


def test_collections_validate_per_record_and_refuse_over_200(sb: Sandbox) -> None:
    url = f"{sb.url}{V}/composite/sobjects"
    recs = [{"attributes": {"type": "Lead"}, "LastName": "A", "Company": "C", "Email": "a@x.org"},
            {"attributes": {"type": "Lead"}, "LastName": "B", "Email": "b@x.org"},
            {"attributes": {"type": "Lead"}, "LastName": "C", "Company": "C", "Email": "nope"}]  # fmt: skip
    r = http.post(url, headers=AUTH, json={"allOrNone": False, "records": recs}).json()
    assert r[0]["success"] and r[0]["id"].startswith("00Q")
    assert r[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert r[1]["errors"][0]["fields"] == ["Company"]
    assert r[2]["errors"][0]["statusCode"] == "INVALID_EMAIL_ADDRESS"
    rolled = http.post(url, headers=AUTH, json={"allOrNone": True, "records": recs}).json()
    assert not any(x["success"] for x in rolled)
    assert rolled[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert len(sb.state()["salesforce"]["leads"]) == 1
    big = http.post(url, headers=AUTH, json={"allOrNone": False, "records": [recs[0]] * 201})
    assert big.status_code == 400 and big.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
    field = http.post(url, headers=AUTH, json={"records": [{**recs[0], "Region__c": "EU"}]})
    assert field.status_code == 400 and field.json()[0]["errorCode"] == "INVALID_FIELD"


def test_import_creates_then_updates_never_twice(sb: Sandbox, sf: Any) -> None:
    first = sf.batch_upsert_contacts(leads(450))
    assert (first.created, first.updated, first.requests) == (450, 0, 6)
    again = sf.batch_upsert_contacts(leads(3) + [{"email": "x@x.org", "lastname": "X"}])
    assert (again.created, again.updated) == (0, 3)
    assert (
        again.errors[0].message == "REQUIRED_FIELD_MISSING: Required fields are missing: [Company]"
    )
    assert again.errors[0].rows == (3,)
    assert len(sb.state()["salesforce"]["leads"]) == 450
    got = sf.get_contact_by_email("P7@example.org")
    assert got is not None and got.properties["lastname"] == "P7"


def test_upsert_by_external_id(sb: Sandbox, make_deps: Callable[..., Deps]) -> None:
    sf = make_deps(**{"salesforce.external_id_field": "Mktd_Key__c"}).integration("salesforce")
    rows = [dict(r, Mktd_Key__c=f"k{i}") for i, r in enumerate(leads(3))]
    assert sf.batch_upsert_contacts(rows).created == 3
    again = sf.batch_upsert_contacts(rows)
    assert (again.created, again.updated, again.requests) == (0, 3, 1)


def test_a_mapped_field_the_org_lacks_names_the_setting(
    sb: Sandbox, make_deps: Callable[..., Deps]
) -> None:
    sf = make_deps(**{"salesforce.field_map": "region=Region__c"}).integration("salesforce")
    with pytest.raises(E.ConfigError) as info:
        sf.batch_upsert_contacts(leads(1, region="EU"))
    assert info.value.message == (
        "Salesforce Leads have no field 'Region__c' (the CSV column 'region')."
    )
    assert "salesforce.field_map" in (info.value.hint or "")
    assert sb.state()["salesforce"]["leads"] == []
    # Sent anyway (another client, no describe), the org answers INVALID_FIELD itself.
    r = http.post(f"{sb.url}{V}/composite/sobjects", headers=AUTH,
                  json={"records": [{"attributes": {"type": "Lead"}, "Region__c": "EU"}]})  # fmt: skip
    assert r.status_code == 400 and r.json()[0]["errorCode"] == "INVALID_FIELD"


def test_sync_pages_with_next_records_url(sb: Sandbox, sf: Any) -> None:
    sf.batch_upsert_contacts(leads(450, utm_source="linkedin", utm_content="01JDRAFT"))
    sf.http._client.headers["Sforce-Query-Options"] = "batchSize=200"
    found = sf.contacts_with_attribution(None)
    got = list(found)
    assert len(got) == 450 and found.total == 450 and found.pages == 4  # 3 Lead pages + Contact
    assert got[0].attribution.first_touch == {"utm_source": "linkedin", "utm_content": "01JDRAFT"}
    names = [r["route"] for r in sb.emu.recent]
    assert names.count("salesforce.query_more") == 2


def test_campaign_is_created_once_and_members_are_unique(sb: Sandbox, sf: Any) -> None:
    sf.batch_upsert_contacts(leads(3))
    ids = [r.id for r in sf.contacts_with_attribution(None)]
    campaign = sf.ensure_campaign("Launch course")
    assert campaign.created and sf.ensure_campaign("launch course").id == campaign.id
    first = sf.add_campaign_members(campaign, ids)
    again = sf.add_campaign_members(campaign, ids)
    assert (first.added, again.added, again.existing) == (3, 0, 3)
    state = sb.state()["salesforce"]
    assert len(state["campaigns"]) == 1 and state["members"] == 3


def test_the_daily_allocation_is_a_403_request_limit_exceeded(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, make_deps: Callable[..., Deps]
) -> None:
    with Sandbox(port=0, state_dir=tmp_path / "s", limits={"salesforce.daily": (3, 86400)}) as s:
        for k, v in s.env().items():
            monkeypatch.setenv(k, v)
        sf = make_deps(**{"http.max_wait": 0}).integration("salesforce")
        with pytest.raises(ContactImportStopped) as info:
            sf.batch_upsert_contacts(leads(450))
        # query, create, query: Sforce-Limit-Info said 3/3, so mktd's limiter stops before
        # the 4th call instead of spending a refused one.
        assert info.value.summary.rows_done == 200
        assert info.value.exit_code == 5 and "next call allowed in 60 min" in info.value.message
        counted = [r for r in s.emu.recent if r["route"] != "salesforce.versions"]
        assert [r["outcome"] for r in counted] == ["200"] * 3
        # Whoever calls anyway meets Salesforce's answer: 403, not 429, no Retry-After.
        r = http.get(f"{s.url}{V}/limits", headers=AUTH)
        assert r.status_code == 403 and "retry-after" not in r.headers
        assert r.json() == [{"message": "TotalRequests Limit exceeded.",
                             "errorCode": "REQUEST_LIMIT_EXCEEDED"}]  # fmt: skip


def test_a_retired_version_is_a_config_error(sb: Sandbox, make_deps: Callable[..., Deps]) -> None:
    sf = make_deps(**{"salesforce.api_version": "40.0"}).integration("salesforce")
    with pytest.raises(E.ConfigError, match=r"40.0 \(salesforce.api_version\)"):
        sf.limits()


def test_csv_columns_reach_their_fields_whatever_their_case(
    sb: Sandbox, make_deps: Callable[..., Deps], tmp_path: Any
) -> None:
    """The CSV reader lowercases headers; Salesforce's API names are not lowercase."""
    from mktdirector.agents.crm.workflows import import_contacts

    csv = tmp_path / "leads.csv"
    csv.write_text("Email,LastName,Company,Mktd_Key__c,Title\na@x.org,A,C,k1,CTO\n")
    sf = make_deps(**{"salesforce.external_id_field": "Mktd_Key__c"}).integration("salesforce")
    result = import_contacts(sf, csv)
    assert (result.created, result.bad) == (1, [])
    lead = sf.get_contact_by_email("a@x.org", ["Mktd_Key__c", "Title"])
    assert lead.properties["Mktd_Key__c"] == "k1" and lead.properties["Title"] == "CTO"


def test_a_column_the_org_lacks_stops_the_import_before_anything_is_sent(
    sb: Sandbox, sf: Any, tmp_path: Any
) -> None:
    from mktdirector.agents.crm.workflows import import_contacts

    csv = tmp_path / "leads.csv"
    csv.write_text("email,lastname,company,Region__c\na@x.org,A,C,EU\n")
    before = len(sb.emu.recent)
    with pytest.raises(E.ConfigError) as info:
        import_contacts(sf, csv)
    assert info.value.message == (
        "Salesforce Leads have no field 'region__c' (the CSV column 'region__c')."
    )
    assert info.value.hint == (
        "Map it: mktd config set salesforce.field_map 'region__c=YourField__c' (or drop the column)"
    )
    assert [r["route"] for r in sb.emu.recent][before:] == ["salesforce.describe"]
    assert sb.state()["salesforce"]["leads"] == []
