"""HubSpot client: request shapes, every row of the handling matrix, batching, paging, secrets."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from mktdirector.core import errors as E
from mktdirector.core.clock import Clock
from mktdirector.core.credentials import Connection
from mktdirector.core.http import Exchange, HttpClient
from mktdirector.core.ratelimit import Limiter, MemoryBackend
from mktdirector.integrations import get_class
from mktdirector.integrations.hubspot.client import HubSpotClient
from mktdirector.integrations.hubspot.models import (
    ContactExistsError,
    ImportRateLimited,
    UnknownPropertyError,
)
from mktdirector.integrations.hubspot.search import SEARCH_CAP

FIXTURES = Path(__file__).parent.parent / "fixtures" / "hubspot"
BASE = "https://api.hubapi.com"
TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def reply(status: int, name: str | None = None, **kw: Any) -> httpx.Response:
    return httpx.Response(status, json=fixture(name) if name else None, **kw)


@pytest.fixture
def hs_audit() -> list[Exchange]:
    return []


@pytest.fixture
def make_hubspot(clock: Any, hs_audit: list[Exchange]) -> Callable[..., HubSpotClient]:
    def make(token: str = TOKEN, **conn: Any) -> HubSpotClient:
        limiter = Limiter(MemoryBackend(), clock=clock.time, sleep=clock.sleep)
        factory = functools.partial(
            HttpClient, clock=Clock(sleep=clock.sleep), limiter=limiter, audit=hs_audit.append
        )
        return HubSpotClient(
            http_factory=factory,
            connection=Connection("hubspot", api_key=token, **conn),
            config=lambda k: None,
        )

    return make


@pytest.fixture
def hs(make_hubspot: Callable[..., HubSpotClient]) -> HubSpotClient:
    return make_hubspot()


@pytest.fixture
def api() -> Any:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


def body(call: Any) -> Any:
    return json.loads(call.request.content)


# connect ---------------------------------------------------------------------------------------
def test_registered_in_the_registry() -> None:
    assert get_class("hubspot") is HubSpotClient


def test_account_info_sends_bearer_and_parses(hs: HubSpotClient, api: Any) -> None:
    route = api.get("/account-info/v3/details").mock(
        return_value=reply(
            200,
            "account_info.json",
            headers={
                "X-HubSpot-RateLimit-Daily": "250000",
                "X-HubSpot-RateLimit-Daily-Remaining": "249990",
            },
        )
    )
    info = hs.account_info()
    assert info.portal_id == 4455667 and info.time_zone == "Europe/Berlin"
    request = route.calls.last.request
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.url == f"{BASE}/account-info/v3/details"
    assert "hapikey" not in str(request.url)


def test_test_connection_shape(hs: HubSpotClient, api: Any) -> None:
    api.get("/account-info/v3/details").mock(
        return_value=reply(
            200, "account_info.json", headers={"X-HubSpot-RateLimit-Daily-Remaining": "249990"}
        )
    )
    check = hs.test_connection().to_dict()
    assert check["status"] == "connected"
    assert check["organization_id"] == "4455667"
    assert check["rate_limit"] == {"rate_limit_remaining": 249990, "rate_limit_reset": None}


def test_test_connection_reports_a_bad_token(hs: HubSpotClient, api: Any) -> None:
    api.get("/account-info/v3/details").mock(return_value=reply(401, "unauthorized_401.json"))
    check = hs.test_connection()
    assert check.status == "error"
    assert "rejected the token" in check.detail and TOKEN not in check.detail


def test_missing_credentials(clock: Any) -> None:
    client = HubSpotClient(
        http_factory=functools.partial(HttpClient, clock=Clock(sleep=clock.sleep))
    )
    assert client.test_connection().status == "missing_credentials"


def test_legacy_hapikey_is_refused_without_a_call(make_hubspot: Any, api: Any) -> None:
    legacy = "8f3b2c1d-aaaa-bbbb-cccc-0123456789ab"
    client = make_hubspot(legacy, extra={"env": "HUBSPOT_API_KEY"})
    with pytest.raises(E.ConfigError) as err:
        client.account_info()
    assert "legacy HubSpot API key" in err.value.message
    assert "Private Apps" in (err.value.hint or "")
    assert legacy not in str(err.value) and legacy not in (err.value.hint or "")
    assert not api.calls
    assert "legacy" in client.test_connection().detail


# contacts --------------------------------------------------------------------------------------
def test_create_contact(hs: HubSpotClient, api: Any) -> None:
    route = api.post("/crm/v3/objects/contacts").mock(
        return_value=reply(201, "contact_created.json")
    )
    ref = hs.create_contact({"email": "ada@example.org", "firstname": "Ada", "score": 3})
    assert (ref.id, ref.email, ref.created) == ("512", "ada@example.org", True)
    assert body(route.calls.last) == {
        "properties": {"email": "ada@example.org", "firstname": "Ada", "score": "3"}
    }


def test_create_conflict_409_is_exists_not_failure(hs: HubSpotClient, api: Any) -> None:
    route = api.post("/crm/v3/objects/contacts").mock(return_value=reply(409, "conflict_409.json"))
    ref = hs.create_contact({"email": "grace@example.org"})
    assert (ref.id, ref.created) == ("123", False)
    assert route.call_count == 1  # a conflict is never retried


def test_create_conflict_without_id_reads_back(hs: HubSpotClient, api: Any) -> None:
    api.post("/crm/v3/objects/contacts").mock(
        return_value=httpx.Response(
            409, json={"status": "error", "message": "exists", "category": "CONFLICT"}
        )
    )
    api.get(url__regex=r"/crm/v3/objects/contacts/grace%40example\.org").mock(
        return_value=reply(200, "contact_by_email.json")
    )
    assert hs.create_contact({"email": "grace@example.org"}).id == "123"


def test_create_5xx_is_not_resent_but_read_back(hs: HubSpotClient, api: Any) -> None:
    create = api.post("/crm/v3/objects/contacts").mock(return_value=httpx.Response(502))
    lookup = api.get(url__regex=r"/crm/v3/objects/contacts/.+").mock(
        side_effect=[httpx.Response(404, json=fixture("not_found_404.json"))]
    )
    with pytest.raises(E.ServerError):
        hs.create_contact({"email": "new@example.org"})
    assert create.call_count == 1 and lookup.call_count == 1


def test_contact_exists_error_class() -> None:
    assert issubclass(ContactExistsError, E.ConflictError)


def test_get_contact_by_email(hs: HubSpotClient, api: Any) -> None:
    route = api.get(url__regex=r"/crm/v3/objects/contacts/grace%40example\.org").mock(
        return_value=reply(200, "contact_by_email.json")
    )
    contact = hs.get_contact_by_email("grace@example.org", ["email", "hs_analytics_source"])
    assert contact is not None and contact.id == "123" and contact.email == "grace@example.org"
    params = route.calls.last.request.url.params
    assert params["idProperty"] == "email"
    assert params["properties"] == "email,hs_analytics_source"
    a = contact.attribution
    assert a.original_source == "SOCIAL_MEDIA" and a.original_source_data_2 == "ai-roi"
    assert a.draft_id == "01JDRAFT0000000000000000AB"  # utm_content of the first page seen
    assert a.first_touch["utm_campaign"] == "ai-roi"
    assert a.last_touch["utm_source"] == "sendgrid"


def test_get_contact_404_is_none(hs: HubSpotClient, api: Any) -> None:
    api.get(url__regex=r"/crm/v3/objects/contacts/.+").mock(
        return_value=reply(404, "not_found_404.json")
    )
    assert hs.get_contact_by_email("nobody@example.org") is None


# batch upsert ----------------------------------------------------------------------------------
def _upsert_echo(request: httpx.Request) -> httpx.Response:
    inputs = json.loads(request.content)["inputs"]
    return httpx.Response(
        200,
        json={
            "status": "COMPLETE",
            "results": [
                {
                    "id": str(1000 + i),
                    "new": True,
                    "objectWriteTraceId": x["objectWriteTraceId"],
                    "properties": {"email": x["id"]},
                }
                for i, x in enumerate(inputs)
            ],
        },
    )


def test_batch_upsert_batches_of_100_marked_idempotent(hs: HubSpotClient, api: Any) -> None:
    route = api.post("/crm/v3/objects/contacts/batch/upsert").mock(side_effect=_upsert_echo)
    rows = [{"email": f"p{i}@example.org", "firstname": f"P{i}"} for i in range(250)]
    seen: list[int] = []
    summary = hs.batch_upsert_contacts(iter(rows), on_batch=lambda b: seen.append(b.size))
    sizes = [len(body(c)["inputs"]) for c in route.calls]
    assert sizes == [100, 100, 50] and seen == [100, 100, 50]
    first = body(route.calls[0])["inputs"][0]
    assert first == {
        "id": "p0@example.org",
        "idProperty": "email",
        "properties": {"email": "p0@example.org", "firstname": "P0"},
        "objectWriteTraceId": "p0@example.org",
    }
    assert summary.created == 250 and summary.rows_done == 250 and summary.requests == 3


def test_batch_upsert_is_retried_on_5xx(hs: HubSpotClient, api: Any) -> None:
    route = api.post("/crm/v3/objects/contacts/batch/upsert").mock(
        side_effect=[httpx.Response(503), _upsert_echo]
    )
    summary = hs.batch_upsert_contacts([{"email": "a@example.org"}])
    assert route.call_count == 2 and summary.created == 1


def test_batch_upsert_dedupes_and_reports_rows_without_email(hs: HubSpotClient, api: Any) -> None:
    route = api.post("/crm/v3/objects/contacts/batch/upsert").mock(side_effect=_upsert_echo)
    summary = hs.batch_upsert_contacts(
        [
            {"email": "a@example.org", "firstname": "A"},
            {"email": "", "firstname": "nobody"},
            {"email": "A@Example.org", "lastname": "Later"},
        ]
    )
    inputs = body(route.calls.last)["inputs"]
    assert len(inputs) == 1
    assert inputs[0]["properties"] == {
        "email": "A@Example.org",
        "firstname": "A",
        "lastname": "Later",
    }
    assert [e.rows for e in summary.errors] == [(1,)]


def test_batch_upsert_207_partial_errors_map_to_rows(hs: HubSpotClient, api: Any) -> None:
    api.post("/crm/v3/objects/contacts/batch/upsert").mock(
        return_value=reply(207, "batch_upsert_207.json")
    )
    summary = hs.batch_upsert_contacts(
        [{"email": "ada@example.org"}, {"email": "bob@@example.org"}]
    )
    assert [(r.id, r.email, r.created) for r in summary.results] == [
        ("9001", "ada@example.org", True)
    ]
    (err,) = summary.errors
    assert err.rows == (1,) and err.emails == ("bob@@example.org",)
    assert err.category == "VALIDATION_ERROR"


def test_batch_upsert_400_bisects_to_keep_good_rows(hs: HubSpotClient, api: Any) -> None:
    def server(request: httpx.Request) -> httpx.Response:
        inputs = json.loads(request.content)["inputs"]
        if any(x["properties"].get("lifecyclestage") == "banana" for x in inputs):
            return reply(400, "invalid_option_400.json")
        return _upsert_echo(request)

    route = api.post("/crm/v3/objects/contacts/batch/upsert").mock(side_effect=server)
    rows = [{"email": f"p{i}@example.org"} for i in range(8)]
    rows[5]["lifecyclestage"] = "banana"
    summary = hs.batch_upsert_contacts(rows)
    assert len(summary.results) == 7
    (err,) = summary.errors
    assert err.rows == (5,) and "allowed options" in err.message
    assert route.call_count <= 1 + 2 * 3  # log2(8) halvings at most


def test_batch_upsert_unknown_property_stops(hs: HubSpotClient, api: Any) -> None:
    route = api.post("/crm/v3/objects/contacts/batch/upsert").mock(
        return_value=reply(400, "property_missing_400.json")
    )
    with pytest.raises(UnknownPropertyError) as err:
        hs.batch_upsert_contacts([{"email": f"p{i}@example.org", "shoe_size": 9} for i in range(5)])
    assert "shoe_size" in err.value.message and route.call_count == 1


def test_daily_429_stops_import_resumably_after_one_call(hs: HubSpotClient, api: Any) -> None:
    route = api.post("/crm/v3/objects/contacts/batch/upsert").mock(
        side_effect=[_upsert_echo, reply(429, "rate_limit_daily_429.json")]
    )
    rows = [{"email": f"p{i}@example.org"} for i in range(150)]
    with pytest.raises(ImportRateLimited) as err:
        hs.batch_upsert_contacts(rows, total=len(rows))
    exc = err.value
    assert route.call_count == 2  # one success, one 429: no spinning
    assert isinstance(exc, E.RateLimitError) and exc.exit_code == E.ExitCode.RATE_LIMITED
    assert exc.retry_after is not None and exc.retry_after > 60
    assert exc.summary.rows_done == 100
    assert "DAILY" in exc.message and "100 of 150" in exc.message
    assert "again" in (exc.hint or "")
    assert "\n" not in str(exc)


def test_daily_429_alone_is_one_call(hs: HubSpotClient, api: Any) -> None:
    route = api.get("/account-info/v3/details").mock(
        return_value=reply(429, "rate_limit_daily_429.json")
    )
    with pytest.raises(E.RateLimitError) as err:
        hs.account_info()
    assert route.call_count == 1 and "resets in" in err.value.message


def test_daily_reset_uses_the_account_time_zone(hs: HubSpotClient, api: Any) -> None:
    api.get("/account-info/v3/details").mock(return_value=reply(200, "account_info.json"))
    hs.account_info()  # learns UTC+1
    # 22:30 UTC is 23:30 in the account: 30 minutes to its midnight.
    assert hs.seconds_to_daily_reset(now=86400 * 20000 + 22.5 * 3600) == pytest.approx(1800)


def test_ten_secondly_429_waits_then_succeeds(hs: HubSpotClient, api: Any, clock: Any) -> None:
    route = api.get("/account-info/v3/details").mock(
        side_effect=[
            reply(429, "rate_limit_ten_secondly_429.json"),
            reply(200, "account_info.json"),
        ]
    )
    assert hs.account_info().portal_id == 4455667
    assert route.call_count == 2
    assert any(9.9 <= s <= 10.5 for s in clock.sleeps)


def test_423_locked_is_retried_after_two_seconds(hs: HubSpotClient, api: Any, clock: Any) -> None:
    route = api.post("/crm/v3/objects/contacts/batch/upsert").mock(
        side_effect=[
            httpx.Response(423, json={"status": "error", "message": "locked"}),
            _upsert_echo,
        ]
    )
    hs.batch_upsert_contacts([{"email": "a@example.org"}])
    assert route.call_count == 2 and any(s >= 2.0 for s in clock.sleeps)


@pytest.mark.parametrize(
    ("status", "name", "cls", "words"),
    [
        (401, "unauthorized_401.json", E.AuthenticationError, "rejected the token"),
        (403, "missing_scopes_403.json", E.PermissionDeniedError, "crm.objects.contacts.write"),
        (404, "not_found_404.json", E.NotFoundError, "not found"),
        (400, "invalid_option_400.json", E.BadRequestError, "allowed options"),
        (414, None, E.BadRequestError, "HTTP 414"),
    ],
)
def test_error_rows(
    hs: HubSpotClient, api: Any, status: int, name: str | None, cls: type, words: str
) -> None:
    route = api.get("/account-info/v3/details").mock(return_value=reply(status, name))
    with pytest.raises(cls) as err:
        hs.account_info()
    assert words in err.value.message
    assert route.call_count == 1  # permanent and credential errors are not retried
    assert TOKEN not in str(err.value)


def test_403_without_scopes_in_the_body_names_no_scope(hs: HubSpotClient, api: Any) -> None:
    # A 403 from a proxy or a policy carries no missingScopes: it once read "lacks scope(s) None".
    api.get("/account-info/v3/details").mock(
        return_value=httpx.Response(403, json={"status": "error", "message": "Forbidden"})
    )
    with pytest.raises(E.PermissionDeniedError) as err:
        hs.account_info()
    assert "None" not in err.value.message and "HTTP 403: Forbidden" in err.value.message
    assert err.value.hint == "Check the app's scopes, then mktd authorize hubspot"


def test_5xx_on_reads_is_retried(hs: HubSpotClient, api: Any) -> None:
    route = api.get("/account-info/v3/details").mock(
        side_effect=[httpx.Response(500), httpx.Response(504), reply(200, "account_info.json")]
    )
    assert hs.account_info().portal_id == 4455667 and route.call_count == 3


# rate limits -----------------------------------------------------------------------------------
def test_bulk_runs_at_the_declared_rate_without_429s(
    hs: HubSpotClient, api: Any, clock: Any
) -> None:
    times: list[float] = []

    def server(request: httpx.Request) -> httpx.Response:
        times.append(clock.time())
        return _upsert_echo(request)

    api.post("/crm/v3/objects/contacts/batch/upsert").mock(side_effect=server)
    rows = ({"email": f"p{i}@example.org"} for i in range(150 * 100))
    summary = hs.batch_upsert_contacts(rows)
    assert summary.requests == 150 and summary.created == 15_000
    # Never more than 100 calls in one 10-second window, and no wasted waiting beyond it.
    windows: dict[int, int] = {}
    for t in times:
        windows[int(t // 10)] = windows.get(int(t // 10), 0) + 1
    assert max(windows.values()) <= 100
    assert times[-1] - times[0] <= 10.5


def test_server_rate_headers_feed_the_limiter(hs: HubSpotClient, api: Any, clock: Any) -> None:
    exhausted = {
        "X-HubSpot-RateLimit-Max": "100",
        "X-HubSpot-RateLimit-Remaining": "0",
        "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
    }
    route = api.get("/account-info/v3/details").mock(
        return_value=reply(200, "account_info.json", headers=exhausted)
    )
    hs.account_info()
    hs.account_info()
    assert route.call_count == 2
    assert any(9.0 <= s <= 10.5 for s in clock.sleeps)  # waited for the server's window


# search ----------------------------------------------------------------------------------------
def _page(start: int, n: int, total: int) -> dict[str, Any]:
    results = [
        {"id": str(start + i), "properties": {"email": f"c{start + i}@example.org"}}
        for i in range(n)
    ]
    page: dict[str, Any] = {"total": total, "results": results}
    if start + n < total:
        page["paging"] = {"next": {"after": str(start + n), "link": "?after=x"}}
    return page


def test_search_sends_filters_and_pages_with_after(hs: HubSpotClient, api: Any) -> None:
    def server(request: httpx.Request) -> httpx.Response:
        after = int(json.loads(request.content).get("after") or 0)
        return httpx.Response(200, json=_page(after, min(200, 450 - after), 450))

    route = api.post("/crm/v3/objects/contacts/search").mock(side_effect=server)
    flt = {"propertyName": "hs_analytics_source", "operator": "EQ", "value": "SOCIAL_MEDIA"}
    search = hs.search_contacts([flt], ["email", "hs_analytics_source"])
    contacts = list(search)
    assert len(contacts) == 450 and not search.capped and search.total == 450
    first, second = body(route.calls[0]), body(route.calls[1])
    assert first == {
        "filterGroups": [{"filters": [flt]}],
        "properties": ["email", "hs_analytics_source"],
        "limit": 200,
    }
    assert second["after"] == "200"


def test_search_stops_at_the_10k_cap(hs: HubSpotClient, api: Any) -> None:
    def server(request: httpx.Request) -> httpx.Response:
        after = int(json.loads(request.content).get("after") or 0)
        assert after < SEARCH_CAP, "paging past 10,000 is a 400"
        return httpx.Response(200, json=_page(after, 200, 25_000))

    route = api.post("/crm/v3/objects/contacts/search").mock(side_effect=server)
    search = hs.search_contacts()
    assert sum(1 for _ in search) == SEARCH_CAP
    assert route.call_count == 50 and search.capped
    assert "10,000" in (search.message or "") and "25,000" in (search.message or "")


def test_search_filter_limits_are_checked_before_sending(hs: HubSpotClient, api: Any) -> None:
    f = {"propertyName": "email", "operator": "HAS_PROPERTY"}
    with pytest.raises(E.UsageError):
        hs.search_contacts(filter_groups=[[f]] * 6)
    with pytest.raises(E.UsageError):
        hs.search_contacts([{"propertyName": "email", "operator": "LIKE"}])
    assert not api.calls


def test_attribution_properties_probed_once(hs: HubSpotClient, api: Any) -> None:
    props = api.get("/crm/v3/properties/contacts").mock(return_value=reply(200, "properties.json"))
    search = api.post("/crm/v3/objects/contacts/search").mock(
        return_value=httpx.Response(200, json={"total": 0, "results": []})
    )
    names = hs.attribution_properties()
    assert names[:4] == [
        "hs_analytics_source",
        "hs_analytics_source_data_1",
        "hs_analytics_source_data_2",
        "hs_latest_source",
    ]
    assert "utm_campaign" in names and "last_utm_content" in names
    from datetime import UTC, datetime

    list(hs.contacts_with_attribution(since=datetime(2026, 9, 1, tzinfo=UTC)))
    sent = body(search.calls.last)
    assert sent["filterGroups"][0]["filters"][0] == {
        "propertyName": "createdate",
        "operator": "GTE",
        "value": "1788220800000",
    }
    assert "hs_analytics_source" in sent["properties"]
    assert props.call_count == 1


# malformed answers and secrets -----------------------------------------------------------------
@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(
            200,
            text="<!doctype html><html><body>Gateway</body></html>",
            headers={"content-type": "text/html"},
        ),
        httpx.Response(
            200, text='{"portalId": 44556', headers={"content-type": "application/json"}
        ),
        httpx.Response(200, json={"accountType": "STANDARD"}),
    ],
    ids=["html", "truncated", "missing-field"],
)
def test_malformed_answers(hs: HubSpotClient, api: Any, response: httpx.Response) -> None:
    api.get("/account-info/v3/details").mock(return_value=response)
    with pytest.raises(E.ApiResponseError) as err:
        hs.account_info()
    assert "\n" not in str(err.value) and "HubSpot" in str(err.value)


def test_secret_never_in_error_text(hs: HubSpotClient, api: Any) -> None:
    echo = {"status": "error", "message": f"Bad token {TOKEN} for portal", "category": "X"}
    api.get("/account-info/v3/details").mock(return_value=httpx.Response(500, json=echo))
    with pytest.raises(E.ServerError) as err:
        hs.account_info()
    text = f"{err.value} {err.value.hint} {err.value.to_dict()}"
    assert TOKEN not in text


def test_audit_rows_carry_templates_not_emails(
    hs: HubSpotClient, api: Any, hs_audit: list[Exchange]
) -> None:
    api.get(url__regex=r"/crm/v3/objects/contacts/.+").mock(
        return_value=reply(200, "contact_by_email.json")
    )
    hs.get_contact_by_email("grace@example.org")
    assert hs_audit[-1].path == "/crm/v3/objects/contacts/{email}"


def test_attribution_properties_without_schema_scope(hs: HubSpotClient, api: Any) -> None:
    api.get("/crm/v3/properties/contacts").mock(return_value=reply(403, "missing_scopes_403.json"))
    assert hs.attribution_properties()[0] == "hs_analytics_source"


def test_dry_run_shows_the_check_request_masked(clock: Any) -> None:
    from mktdirector.agents.ops.checks import dry_run

    def make_client(platform: str, connection: Connection | None = None, **http: Any) -> Any:
        factory = functools.partial(HttpClient, clock=Clock(sleep=clock.sleep), **http)
        conn = connection or Connection("hubspot", api_key=TOKEN)
        return HubSpotClient(http_factory=factory, connection=conn, config=lambda k: None)

    request = dry_run(make_client, "hubspot")["request"]
    assert request["method"] == "GET" and request["url"] == f"{BASE}/account-info/v3/details"
    assert TOKEN not in json.dumps(request)
