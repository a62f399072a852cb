"""Salesforce client: where it calls, versions, limits, reads, bulk upserts, the error table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from mktdirector.core import errors as E
from mktdirector.integrations import get_class
from mktdirector.integrations.capabilities import CrmClient
from mktdirector.integrations.crm_models import ContactImportStopped
from mktdirector.integrations.salesforce.client import SalesforceClient
from mktdirector.integrations.salesforce.models import UnknownColumnError
from mktdirector.integrations.salesforce.policy import InvalidFieldError

from .conftest import BASE, V, body, fixture, reply


def soql(call: Any) -> str:
    return parse_qs(urlsplit(str(call.request.url)).query)["q"][0]


def test_registered_and_a_crm_client(sf: SalesforceClient) -> None:
    assert get_class("salesforce") is SalesforceClient
    assert isinstance(sf, CrmClient)
    assert sf.label == "Salesforce" and sf.auth_kind == "oauth2"


# where the API is ----------------------------------------------------------------------------
def test_calls_go_to_the_tokens_instance_not_the_login_host(sf: SalesforceClient) -> None:
    assert sf.http.base_url.rstrip("/") == BASE


def test_base_url_override_wins_over_the_instance(
    make_sf: Callable[..., SalesforceClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MKTD_SALESFORCE_BASE_URL", "http://127.0.0.1:9/salesforce")
    assert make_sf().http.base_url.rstrip("/") == "http://127.0.0.1:9/salesforce"


def test_a_ready_token_uses_salesforce_instance_url(
    make_sf: Callable[..., SalesforceClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", "https://env.my.salesforce.com/")
    client = make_sf(extra={"env": "SALESFORCE_ACCESS_TOKEN"}, source="env")
    assert client.http.base_url.rstrip("/") == "https://env.my.salesforce.com"


def test_no_instance_is_a_clear_config_error(make_sf: Callable[..., SalesforceClient]) -> None:
    client = make_sf(extra={})
    with pytest.raises(E.ConfigError, match="instance URL is unknown") as info:
        client.limits()
    assert "SALESFORCE_INSTANCE_URL" in (info.value.hint or "")


# versions --------------------------------------------------------------------------------------
def test_a_retired_version_names_the_setting(
    make_sf: Callable[..., SalesforceClient], api: Any
) -> None:
    gone = [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
    limits = api.get("/services/data/v44.0/limits").mock(return_value=reply(404, json=gone))
    client = make_sf({"salesforce.api_version": "44.0"})
    with pytest.raises(E.ConfigError) as info:
        client.limits()
    assert info.value.message == (
        "Salesforce API version 44.0 (salesforce.api_version) is not served by this org (it "
        "serves 65.0–67.0); the version may be retired."
    )
    assert info.value.hint == "mktd config set salesforce.api_version 67.0"
    assert limits.call_count == 1  # and no retry of a call that cannot work


def test_a_good_version_costs_no_version_request(sf: SalesforceClient, api: Any) -> None:
    api.get(f"{V}/limits").mock(return_value=reply(200, "limits.json"))
    sf.limits()
    sf.limits()
    assert api.routes[0].call_count == 0


def test_a_missing_record_with_a_served_version_stays_not_found(
    sf: SalesforceClient, api: Any
) -> None:
    gone = [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
    api.get(f"{V}/sobjects/Lead/00Q1").mock(return_value=reply(404, json=gone))
    with pytest.raises(E.NotFoundError):
        sf._request("GET", "/sobjects/Lead/00Q1")
    assert api.routes[0].call_count == 1


def test_a_malformed_version_setting_is_refused(make_sf: Callable[..., SalesforceClient]) -> None:
    with pytest.raises(E.ConfigError, match="look like 66.0"):
        make_sf({"salesforce.api_version": "sixty"}).limits()


# test-integration ------------------------------------------------------------------------------
def test_connection_reports_daily_api_requests_in_the_rate_limit_shape(
    sf: SalesforceClient, api: Any
) -> None:
    api.get(f"{V}/limits").mock(return_value=reply(200, "limits.json"))
    check = sf.test_connection()
    assert check.status == "connected"
    assert check.rate_limit == {"rate_limit_remaining": 14998, "rate_limit_reset": None}
    assert "DailyApiRequests 14,998 of 15,000 left" in check.detail


def test_dry_run_request_is_the_limits_resource(sf: SalesforceClient) -> None:
    req = sf.connection_probe_request()
    assert (req.method, str(req.url)) == ("GET", f"{BASE}{V}/limits")


def test_connection_without_a_token_is_missing_credentials(
    make_sf: Callable[..., SalesforceClient],
) -> None:
    check = make_sf(access_token=None).test_connection()
    assert check.status == "missing_credentials"


def test_identify_reads_the_user_from_the_identity_url(sf: SalesforceClient, api: Any) -> None:
    query = api.get(f"{V}/query").mock(
        return_value=reply(200, json={"totalSize": 1, "done": True, "records": [
            {"attributes": {"type": "User"}, "Username": "ada@acme.com", "Name": "Ada"}]})
    )  # fmt: skip
    who = sf.identify()
    assert (who.user_id, who.display_name, who.default_account) == (
        "005RZ000000USERAAA", "ada@acme.com", "ada@acme.com"
    )  # fmt: skip
    assert soql(query.calls[0]) == "SELECT Username, Name FROM User WHERE Id = '005RZ000000USERAAA'"


# reads -----------------------------------------------------------------------------------------
def test_sync_reads_leads_then_contacts_changed_since_paging_next_records_url(
    sf: SalesforceClient, api: Any
) -> None:
    pages = iter([reply(200, "query_page1.json"), reply(200, "query_page2.json"),
                  reply(200, json={"totalSize": 0, "done": True, "records": []})])  # fmt: skip
    first = api.get(f"{V}/query").mock(side_effect=lambda req: next(pages))
    nxt = api.get(f"{V}/query/01gRZ00000ABCDEF-2").mock(side_effect=lambda req: next(pages))
    since = datetime(2026, 9, 1, tzinfo=UTC)
    result = sf.contacts_with_attribution(since)
    got = list(result)
    assert [c.email for c in got] == ["ada@example.org", "grace@example.org", "alan@example.org"]
    assert result.total == 3 and nxt.call_count == 1
    lead_q, contact_q = soql(first.calls[0]), soql(first.calls[1])
    assert lead_q.startswith("SELECT Id, Email, FirstName, LastName, Company, LeadSource, ")
    assert "UTM_Source__c, UTM_Medium__c, UTM_Campaign__c, UTM_Content__c FROM Lead" in lead_q
    assert "UTM_Term__c" not in lead_q  # the org has no such field: not asked for
    assert lead_q.endswith(
        "WHERE IsConverted = false AND SystemModstamp >= 2026-09-01T00:00:00Z "
        "ORDER BY SystemModstamp, Id"
    )
    assert " FROM Contact WHERE SystemModstamp >= " in contact_q
    ada = got[0]
    assert ada.created_at == "2026-09-03T09:00:00.000Z"
    assert ada.attribution.original_source == "Social Media"
    assert ada.attribution.draft_id == "01J00000000000000000000000"
    assert ada.attribution.first_touch == {"utm_source": "linkedin", "utm_medium": "social",
                                           "utm_campaign": "launch",
                                           "utm_content": "01J00000000000000000000000"}  # fmt: skip
    assert ada.properties["firstname"] == "Ada" and ada.properties["company"] == "Engines Ltd"
    # the audit log records the locator as a template, never the query text
    paths = {e.path for e in sf_audit_paths(sf)}
    assert f"{V}/query/{{locator}}" in paths


def sf_audit_paths(sf: SalesforceClient) -> list[Any]:
    return list(sf.http.audit.__self__)  # type: ignore[attr-defined]


def test_utm_field_mapping_is_a_setting(make_sf: Callable[..., SalesforceClient], api: Any) -> None:
    client = make_sf({"salesforce.utm_fields": "utm_content=UTM_Source__c"})
    assert client.utm_fields("Lead")["utm_content"] == "UTM_Source__c"
    with pytest.raises(E.ConfigError, match="only utm_source"):
        make_sf({"salesforce.utm_fields": "campaign=X__c"}).field_map  # noqa: B018


def test_get_by_email_escapes_the_address(sf: SalesforceClient, api: Any) -> None:
    q = api.get(f"{V}/query").mock(
        return_value=reply(200, json={"totalSize": 0, "done": True, "records": []})
    )
    assert sf.get_contact_by_email("o'hara@example.org") is None
    assert "WHERE Email = 'o\\'hara@example.org' ORDER BY CreatedDate LIMIT 1" in soql(q.calls[0])
    assert len(q.calls) == 2  # Lead, then Contact


# bulk upsert -----------------------------------------------------------------------------------
def rows(n: int, **extra: str) -> list[dict[str, str]]:
    return [{"email": f"p{i}@example.org", "lastname": f"P{i}", "company": "Co", **extra}
            for i in range(n)]  # fmt: skip


def ok(n: int, prefix: str = "00QNEW") -> list[dict[str, Any]]:
    return [{"id": f"{prefix}{i:012d}", "success": True, "errors": []} for i in range(n)]


def test_import_matches_by_email_then_updates_and_creates_in_batches_of_200(
    sf: SalesforceClient, api: Any
) -> None:
    def found(req: httpx.Request) -> httpx.Response:
        q = parse_qs(urlsplit(str(req.url)).query)["q"][0]
        recs = [
            {"attributes": {"type": "Lead"}, "Id": "00QOLD000000000001", "Email": "P0@example.org"}
        ]
        return reply(200, json={"totalSize": 1, "done": True,
                                "records": recs if "'p0@example.org'" in q else []})  # fmt: skip

    query = api.get(f"{V}/query").mock(side_effect=found)
    create = api.post(f"{V}/composite/sobjects").mock(
        side_effect=lambda req: reply(200, json=ok(len(body_of(req)["records"])))
    )
    update = api.patch(f"{V}/composite/sobjects").mock(
        side_effect=lambda req: reply(200, json=ok(len(body_of(req)["records"]), "00QOLD"))
    )
    seen: list[int] = []
    summary = sf.batch_upsert_contacts(rows(450), on_batch=lambda b: seen.append(b.size))
    assert seen == [200, 200, 50]
    assert (query.call_count, create.call_count, update.call_count) == (3, 3, 1)
    assert summary.requests == 7 and summary.created == 449 and summary.updated == 1
    sent = body(create.calls[0])
    assert sent["allOrNone"] is False and len(sent["records"]) == 199
    assert sent["records"][0] == {"attributes": {"type": "Lead"}, "Email": "p1@example.org",
                                  "LastName": "P1", "Company": "Co"}  # fmt: skip
    assert body(update.calls[0])["records"][0]["Id"] == "00QOLD000000000001"
    assert "IsConverted = false AND Email IN ('p0@example.org', 'p1@example.org'" in soql(
        query.calls[0]
    )


def body_of(req: httpx.Request) -> Any:
    import json

    return json.loads(req.content)


def test_per_row_errors_are_reported_with_positions_and_never_stop_the_batch(
    sf: SalesforceClient, api: Any
) -> None:
    api.get(f"{V}/query").mock(return_value=reply(200, json={"totalSize": 0, "done": True,
                                                              "records": []}))  # fmt: skip
    api.post(f"{V}/composite/sobjects").mock(return_value=reply(200, "collections_create.json"))
    data = [{"email": "a@example.org", "lastname": "A", "company": "Co"},
            {"email": "b@example.org", "lastname": "B"}, {"firstname": "no email"}]  # fmt: skip
    summary = sf.batch_upsert_contacts(data)
    assert summary.created == 1
    by_row = {e.rows: e.message for e in summary.errors}
    assert by_row == {
        (2,): "row has no email",
        (1,): "REQUIRED_FIELD_MISSING: Required fields are missing: [Company]",
    }


def test_duplicate_emails_in_a_batch_are_one_lead(sf: SalesforceClient, api: Any) -> None:
    api.get(f"{V}/query").mock(return_value=reply(200, json={"totalSize": 0, "done": True,
                                                              "records": []}))  # fmt: skip
    create = api.post(f"{V}/composite/sobjects").mock(return_value=reply(200, json=ok(1)))
    sf.batch_upsert_contacts([{"email": "A@x.org", "lastname": "Old", "company": "C"},
                              {"email": "a@x.org", "lastname": "New"}])  # fmt: skip
    assert body(create.calls[0])["records"] == [
        {"attributes": {"type": "Lead"}, "Email": "a@x.org", "LastName": "New", "Company": "C"}
    ]


def test_external_id_upsert_is_one_patch_per_batch(
    make_sf: Callable[..., SalesforceClient], api: Any
) -> None:
    client = make_sf({"salesforce.external_id_field": "Mktd_Key__c"})
    upsert = api.patch(f"{V}/composite/sobjects/Lead/Mktd_Key__c").mock(
        return_value=reply(200, "collections_upsert.json")
    )
    summary = client.batch_upsert_contacts(
        [{"email": "a@x.org", "Mktd_Key__c": "k1", "lastname": "A", "company": "C"},
         {"email": "b@x.org", "Mktd_Key__c": "k2", "lastname": "B", "company": "C"}]
    )  # fmt: skip
    assert (summary.created, summary.updated, summary.requests) == (1, 1, 1)
    assert upsert.call_count == 1


def test_a_lost_create_answer_is_looked_up_before_creating_again(
    sf: SalesforceClient, api: Any
) -> None:
    """The POST timed out after Salesforce made lead p0: it is found, and only p1 is created."""
    answers = iter([
        reply(200, json={"totalSize": 0, "done": True, "records": []}),
        reply(200, json={"totalSize": 1, "done": True, "records": [
            {"attributes": {"type": "Lead"}, "Id": "00QMADE00000000001", "Email": "p0@example.org"}]}),
    ])  # fmt: skip
    api.get(f"{V}/query").mock(side_effect=lambda req: next(answers))
    creates = iter([httpx.ReadTimeout("timed out"), reply(200, json=ok(1))])

    def create(req: httpx.Request) -> httpx.Response:
        nxt = next(creates)
        if isinstance(nxt, Exception):
            raise nxt
        return nxt

    post = api.post(f"{V}/composite/sobjects").mock(side_effect=create)
    summary = sf.batch_upsert_contacts(rows(2))
    assert post.call_count == 2
    assert [r["Email"] for r in body(post.calls[1])["records"]] == ["p1@example.org"]
    assert {r.email for r in summary.results} == {"p0@example.org", "p1@example.org"}


def test_row_lock_errors_are_sent_again_with_backoff(
    sf: SalesforceClient, api: Any, clock: Any
) -> None:
    api.get(f"{V}/query").mock(return_value=reply(200, json={"totalSize": 0, "done": True,
                                                              "records": []}))  # fmt: skip
    locked = {"success": False, "errors": [{"statusCode": "UNABLE_TO_LOCK_ROW",
                                            "message": "unable to obtain exclusive access"}]}  # fmt: skip
    answers = iter([reply(200, json=[ok(1)[0], locked]), reply(200, json=ok(1, "00QLATE"))])
    post = api.post(f"{V}/composite/sobjects").mock(side_effect=lambda req: next(answers))
    summary = sf.batch_upsert_contacts(rows(2))
    assert post.call_count == 2 and summary.created == 2 and not summary.errors
    assert len(body(post.calls[1])["records"]) == 1
    assert len(clock.sleeps) == 1 and 0.25 <= clock.sleeps[0] <= 0.5


def test_request_limit_exceeded_stops_the_import_with_what_was_done(
    sf: SalesforceClient, api: Any
) -> None:
    api.get(f"{V}/query").mock(return_value=reply(200, json={"totalSize": 0, "done": True,
                                                              "records": []}))  # fmt: skip
    answers = iter([reply(200, json=ok(200)), reply(403, "error_limit.json")])
    post = api.post(f"{V}/composite/sobjects").mock(side_effect=lambda req: next(answers))
    with pytest.raises(ContactImportStopped) as info:
        sf.batch_upsert_contacts(rows(300), total=300)
    e = info.value
    assert e.exit_code == 5 and e.summary.rows_done == 200 and post.call_count == 2
    assert e.message.startswith(
        "Salesforce refused the call: the org's daily API request allocation (rolling 24 hours) "
        "is used up (REQUEST_LIMIT_EXCEEDED) (resets in 60 min). 200 of 300 rows were sent"
    )


def with_region(api: Any) -> None:
    fields = [*fixture("describe_lead.json")["fields"], {"name": "Region__c"}]
    api.get(f"{V}/sobjects/Lead/describe").mock(return_value=reply(200, json={"fields": fields}))


def test_invalid_field_names_the_field_and_the_setting(sf: SalesforceClient, api: Any) -> None:
    """The org's describe lists the field, yet Salesforce refuses it (field-level security
    hides it from this user): the answer's INVALID_FIELD is named with the setting."""
    with_region(api)
    api.get(f"{V}/query").mock(return_value=reply(200, json={"totalSize": 0, "done": True,
                                                              "records": []}))  # fmt: skip
    api.post(f"{V}/composite/sobjects").mock(return_value=reply(400, "error_invalid_field.json"))
    with pytest.raises(InvalidFieldError) as info:
        sf.batch_upsert_contacts(rows(1, Region__c="EU"))
    assert info.value.field == "Region__c"
    assert info.value.message == (
        "Salesforce has no field 'Region__c' here (INVALID_FIELD); it comes from the field "
        "mapping (salesforce.field_map) or the CSV's columns."
    )
    assert "mktd config set salesforce.field_map" in (info.value.hint or "")


def test_field_map_setting_renames_columns(
    make_sf: Callable[..., SalesforceClient], api: Any
) -> None:
    client = make_sf({"salesforce.field_map": "region=Region__c, source=LeadSource"})
    with_region(api)
    api.get(f"{V}/query").mock(return_value=reply(200, json={"totalSize": 0, "done": True,
                                                              "records": []}))  # fmt: skip
    post = api.post(f"{V}/composite/sobjects").mock(return_value=reply(200, json=ok(1)))
    client.batch_upsert_contacts(rows(1, region="EU", source="Social Media"))
    rec = body(post.calls[0])["records"][0]
    assert rec["Region__c"] == "EU" and rec["LeadSource"] == "Social Media"


def test_limits_fixture_is_the_documented_shape() -> None:
    assert set(fixture("limits.json")["DailyApiRequests"]) == {"Max", "Remaining"}


def test_long_addresses_are_looked_up_in_more_than_one_query(
    sf: SalesforceClient, api: Any
) -> None:
    """200 addresses of ~100 characters would put ~20 kB of SOQL in the URL (the cap is 16 kB)."""
    q = api.get(f"{V}/query").mock(return_value=reply(200, json={"totalSize": 0, "done": True,
                                                                  "records": []}))  # fmt: skip
    api.post(f"{V}/composite/sobjects").mock(return_value=reply(200, json=ok(200)))
    long = [{"email": f"{'x' * 60}.{i:04d}@a-rather-long-domain.example.org", "lastname": "L",
             "company": "C"} for i in range(200)]  # fmt: skip
    summary = sf.batch_upsert_contacts(long)
    assert q.call_count == 3 and summary.created == 200 and summary.requests == 4
    assert all(len(str(c.request.url)) < 16_384 for c in q.calls)


def test_a_limits_answer_without_numbers_is_still_a_verdict(sf: SalesforceClient, api: Any) -> None:
    api.get(f"{V}/limits").mock(return_value=reply(200, json={"DailyApiRequests": {}}))
    check = sf.test_connection()
    assert check.status == "connected" and "DailyApiRequests ? of ? left" in check.detail


def test_a_column_the_org_lacks_is_refused_before_anything_is_sent(
    sf: SalesforceClient, api: Any
) -> None:
    post = api.post(f"{V}/composite/sobjects").mock(return_value=reply(200, json=ok(1)))
    with pytest.raises(UnknownColumnError, match="no field 'region'"):
        sf.batch_upsert_contacts(rows(1, region="EU"))
    assert post.call_count == 0 and api.calls.call_count == 1  # the describe only


def test_mapped_utm_fields_the_org_lacks_are_refused_too(sf: SalesforceClient, api: Any) -> None:
    # describe_lead.json has UTM_Source__c..UTM_Content__c but no UTM_Term__c
    with pytest.raises(UnknownColumnError) as info:
        sf.batch_upsert_contacts(rows(1, utm_term="x"))
    assert info.value.message == (
        "Salesforce Leads have no field 'UTM_Term__c' (the CSV column 'utm_term')."
    )
    assert "salesforce.utm_fields" in (info.value.hint or "")


def test_a_lost_answer_to_a_lock_retry_looks_up_only_the_rows_still_open(
    sf: SalesforceClient, api: Any
) -> None:
    """p0 is created and p1 refused in the first answer, p2 is locked; the retry for p2 times
    out. Only p2 is looked up again (found: created by the lost request); nothing is counted
    or reported twice."""
    queries = iter([
        reply(200, json={"totalSize": 0, "done": True, "records": []}),
        reply(200, json={"totalSize": 1, "done": True, "records": [
            {"attributes": {"type": "Lead"}, "Id": "00QLATE00000000002", "Email": "p2@example.org"}]}),
    ])  # fmt: skip
    q = api.get(f"{V}/query").mock(side_effect=lambda req: next(queries))
    refused = {"success": False, "errors": [{"statusCode": "INVALID_EMAIL_ADDRESS",
                                             "message": "bad", "fields": ["Email"]}]}  # fmt: skip
    locked = {"success": False, "errors": [{"statusCode": "UNABLE_TO_LOCK_ROW", "message": "x"}]}
    posts = iter([reply(200, json=[ok(1)[0], refused, locked]), httpx.ReadTimeout("timed out")])

    def post(req: httpx.Request) -> httpx.Response:
        nxt = next(posts)
        if isinstance(nxt, Exception):
            raise nxt
        return nxt

    api.post(f"{V}/composite/sobjects").mock(side_effect=post)
    summary = sf.batch_upsert_contacts(rows(3))
    assert sorted(r.email or "" for r in summary.results) == ["p0@example.org", "p2@example.org"]
    assert [e.rows for e in summary.errors] == [(1,)]
    assert "'p2@example.org'" in soql(q.calls[1]) and "'p1@example.org'" not in soql(q.calls[1])


def test_an_odd_entry_in_the_version_list_is_ignored(
    make_sf: Callable[..., SalesforceClient], api: Any
) -> None:
    odd = [*fixture("versions.json"), {"label": "?", "url": "/x", "version": "preview"}]
    api.get("/services/data/").mock(return_value=reply(200, json=odd))
    gone = [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
    api.get("/services/data/v44.0/limits").mock(return_value=reply(404, json=gone))
    with pytest.raises(E.ConfigError, match=r"serves 65.0–67.0"):
        make_sf({"salesforce.api_version": "44.0"}).limits()


def test_a_converted_lead_gives_its_contact_the_attribution(sf: SalesforceClient, api: Any) -> None:
    """Converting a Lead makes a Contact with the same email and none of the Lead's UTM fields.
    Sync reads only unconverted Leads (a converted one would replace its Contact, or the other
    way round, in the local table) and gives each Contact without UTM values those of the Lead
    it was converted from."""
    contact = {"attributes": {"type": "Contact"}, "Id": "003RZ000000CCCCCC1",
               "Email": "ada@example.org", "FirstName": "Ada", "LastName": "Lovelace",
               "LeadSource": None, "CreatedDate": "2026-09-06T09:00:00.000+0000",
               "SystemModstamp": "2026-09-06T09:00:00.000+0000"}  # fmt: skip
    converted = {"attributes": {"type": "Lead"}, "ConvertedContactId": "003RZ000000CCCCCC1",
                 "LeadSource": "Social Media", "UTM_Source__c": "linkedin",
                 "UTM_Medium__c": "social", "UTM_Campaign__c": "launch",
                 "UTM_Content__c": "01J00000000000000000000000"}  # fmt: skip

    def answer(req: httpx.Request) -> httpx.Response:
        q = parse_qs(urlsplit(str(req.url)).query)["q"][0]
        if "FROM Contact" in q:
            recs = [contact]
        elif "IsConverted = true AND ConvertedContactId IN ('003RZ000000CCCCCC1')" in q:
            recs = [converted]
        else:
            recs = []
        return reply(200, json={"totalSize": len(recs), "done": True, "records": recs})

    query = api.get(f"{V}/query").mock(side_effect=answer)
    got = list(sf.contacts_with_attribution(None))
    assert "FROM Lead WHERE IsConverted = false ORDER BY" in soql(query.calls[0])
    assert [c.id for c in got] == ["003RZ000000CCCCCC1"]
    a = got[0].attribution
    assert a.original_source == "Social Media" and a.draft_id == "01J00000000000000000000000"
    assert a.first_touch["utm_source"] == "linkedin"
