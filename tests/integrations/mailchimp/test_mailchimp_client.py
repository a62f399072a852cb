"""Mailchimp client on respx: the key's data centre, Basic auth, problem-JSON errors, retries
counted, imports in batches of at most 500 with at most 10 calls at once, campaigns, reports."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx
from mailchimp_fixtures import BASE, KEY, fixture, problem

from mktdirector.core import errors as E
from mktdirector.integrations.email_models import CampaignSpec
from mktdirector.integrations.mailchimp import models as M
from mktdirector.integrations.mailchimp.client import data_center

LIST = "a1b2c3d4e5"


# the key, the base URL, auth ------------------------------------------------------------------
def test_the_keys_data_centre_gives_the_base_url(make_client: Any) -> None:
    assert data_center(KEY) == "us6"
    assert make_client().http.base_url == BASE + "/"
    assert make_client("f" * 32 + "-us21").http.base_url == "https://us21.api.mailchimp.com/3.0/"


def test_the_base_url_override_replaces_the_data_centre_host(
    make_client: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("MKTD_MAILCHIMP_BASE_URL", "http://127.0.0.1:9/mailchimp/")
    assert make_client().http.base_url == "http://127.0.0.1:9/mailchimp/3.0/"


@respx.mock
def test_a_key_without_a_data_centre_is_refused_before_any_request(make_client: Any) -> None:
    route = respx.route(host__regex=r".*").mock(return_value=httpx.Response(200, json={}))
    client = make_client("0123456789abcdef")
    with pytest.raises(E.ConfigError, match=r"should end in its data centre, like …-us6"):
        client.check_key()
    assert route.call_count == 0


@respx.mock
def test_the_key_is_the_basic_auth_password_and_check_key_pings_first(make_client: Any) -> None:
    ping = respx.get(f"{BASE}/ping").mock(
        return_value=httpx.Response(200, json=fixture("ping.json"))
    )
    root = respx.get(f"{BASE}/").mock(return_value=httpx.Response(200, json=fixture("root.json")))
    check = make_client().check_key()
    assert ping.call_count == root.call_count == 1
    auth = ping.calls[0].request.headers["Authorization"]
    assert auth.startswith("Basic ")
    assert base64.b64decode(auth[6:]).decode().split(":", 1)[1] == KEY
    assert check.identity == "8d3a3db4d97663a9074efcc16"
    assert "Example Co" in check.detail and "us6.api.mailchimp.com" in check.detail


# errors -----------------------------------------------------------------------------------------
@respx.mock
def test_401_is_an_authentication_error_naming_where_keys_are_made(make_client: Any) -> None:
    respx.get(f"{BASE}/ping").mock(return_value=problem("problem_invalid_key.json"))
    with pytest.raises(E.AuthenticationError) as err:
        make_client().ping()
    assert "API Key Invalid" in err.value.message
    assert "mktd authorize mailchimp" in (err.value.hint or "")
    assert KEY not in str(err.value) and KEY not in (err.value.hint or "")
    assert err.value.exit_code == 4


@respx.mock
def test_a_validation_problem_names_the_field(make_client: Any) -> None:
    respx.post(f"{BASE}/campaigns").mock(return_value=problem("problem_validation.json"))
    spec = CampaignSpec(LIST, "Hi", "mktd 1", "Us", "")
    with pytest.raises(
        E.BadRequestError, match=r"settings\.reply_to: This value should not be blank"
    ):
        make_client().create_campaign(spec)


@respx.mock
def test_a_429_is_retried_after_a_moment_and_the_calls_are_counted(
    make_client: Any, clock: Any
) -> None:
    route = respx.get(f"{BASE}/lists").mock(
        side_effect=[
            problem("problem_invalid_key.json", 429),
            httpx.Response(200, json=fixture("lists.json")),
        ]
    )
    audiences = make_client().audiences()
    assert route.call_count == 2
    assert clock.sleeps and clock.sleeps[0] == pytest.approx(1.0, abs=0.01)
    assert [a.id for a in audiences] == [LIST] and audiences[0].members == 1234


@respx.mock
def test_a_5xx_on_send_is_never_retried_and_says_the_outcome_is_unknown(make_client: Any) -> None:
    route = respx.post(f"{BASE}/campaigns/42694e9e57/actions/send").mock(
        return_value=httpx.Response(503, json={"title": "Service Unavailable", "status": 503})
    )
    with pytest.raises(E.ServerError, match="may or may not have started") as err:
        make_client().send_campaign("42694e9e57")
    assert route.call_count == 1
    assert E.outcome_unknown(err.value)


@respx.mock
def test_a_5xx_on_a_read_is_retried(make_client: Any) -> None:
    route = respx.get(f"{BASE}/campaigns/c1").mock(
        side_effect=[
            httpx.Response(500, json={}),
            httpx.Response(200, json=fixture("campaign.json")),
        ]
    )
    assert make_client().campaign("c1").status == "save"
    assert route.call_count == 2


# members and imports ----------------------------------------------------------------------------
def test_the_subscriber_hash_is_md5_of_the_lowercased_address() -> None:
    assert M.subscriber_hash(" Ann@Example.ORG ") == hashlib.md5(b"ann@example.org").hexdigest()


@respx.mock
def test_a_member_upsert_puts_to_the_hash_of_the_address_it_sends(make_client: Any) -> None:
    route = respx.put(url__regex=rf"{BASE}/lists/{LIST}/members/[0-9a-f]{{32}}").mock(
        return_value=httpx.Response(200, json={"id": "x", "status": "subscribed"})
    )
    make_client().upsert_member(
        LIST, {"email": "Ann@Example.org", "firstname": "Ann", "tags": "vip; q3"}
    )
    request = route.calls[0].request
    body = json.loads(request.content)
    assert request.url.path.endswith(hashlib.md5(b"ann@example.org").hexdigest())
    assert body == {
        "email_address": "Ann@Example.org",
        "status_if_new": "subscribed",
        "status": "subscribed",
        "merge_fields": {"FNAME": "Ann"},
        "tags": ["vip", "q3"],
    }


@respx.mock
def test_per_member_refusals_are_reported_and_the_batch_goes_on(make_client: Any) -> None:
    respx.post(f"{BASE}/lists/{LIST}").mock(
        return_value=httpx.Response(200, json=fixture("batch_subscribe.json"))
    )
    result = make_client().batch_subscribe(LIST, [{"email_address": "a@example.org"}] * 4)
    assert (result.created, result.updated) == (1, 1)
    assert [e.email for e in result.errors] == ["john.doe@example.com", "gone@example.org"]
    assert "permanently deleted" in result.errors[1].message


def test_a_batch_of_more_than_500_is_refused_before_sending(make_client: Any) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(f"{BASE}/lists/{LIST}")
        with pytest.raises(E.UsageError, match="500"):
            make_client().batch_subscribe(
                LIST, [{"email_address": f"u{i}@example.org"} for i in range(501)]
            )
        assert route.call_count == 0


@respx.mock
def test_an_import_makes_the_fewest_calls_and_never_more_than_10_at_once(make_client: Any) -> None:
    lock, live, peak = threading.Lock(), [0], [0]
    sizes: list[int] = []

    def answer(request: httpx.Request) -> httpx.Response:
        n = len(json.loads(request.content)["members"])
        with lock:
            live[0] += 1
            peak[0] = max(peak[0], live[0])
            sizes.append(n)
        time.sleep(0.02)
        with lock:
            live[0] -= 1
        return httpx.Response(200, json={"total_created": n, "total_updated": 0, "errors": []})

    respx.post(f"{BASE}/lists/{LIST}").mock(side_effect=answer)
    rows = [{"email": f"user{i}@example.org"} for i in range(6_001)]
    seen: list[int] = []
    summary = make_client().import_members(LIST, rows, on_batch=lambda b: seen.append(b.size))
    assert summary.batches == len(sizes) == 13  # ceil(6001 / 500)
    assert max(sizes) == 500 and sum(sizes) == 6_001 and sorted(seen) == sorted(sizes)
    assert summary.created == 6_001
    assert 1 < peak[0] <= 10


# campaigns and reports --------------------------------------------------------------------------
@respx.mock
def test_a_campaign_is_created_for_the_audience_and_tag(make_client: Any) -> None:
    route = respx.post(f"{BASE}/campaigns").mock(
        return_value=httpx.Response(200, json=fixture("campaign.json"))
    )
    spec = CampaignSpec(
        LIST, "Hello", "mktd 01ABC", "Example Co", "news@example.org", segment_id=101
    )
    campaign = make_client().create_campaign(spec)
    body = json.loads(route.calls[0].request.content)
    assert body == {
        "type": "regular",
        "recipients": {"list_id": LIST, "segment_opts": {"saved_segment_id": 101}},
        "settings": {
            "subject_line": "Hello",
            "title": "mktd 01ABC",
            "from_name": "Example Co",
            "reply_to": "news@example.org",
        },
    }
    assert (campaign.id, campaign.status) == ("42694e9e57", "save")


@respx.mock
def test_content_always_carries_the_required_unsubscribe_link_and_address(make_client: Any) -> None:
    route = respx.put(f"{BASE}/campaigns/c1/content").mock(
        return_value=httpx.Response(200, json={})
    )
    make_client().set_content("c1", "<html><body><p>Hi</p></body></html>", "Hi")
    body = json.loads(route.calls[0].request.content)
    assert "*|UNSUB|*" in body["html"] and "*|LIST:ADDRESSLINE|*" in body["html"]
    assert body["html"].index("*|UNSUB|*") < body["html"].index("</body>")
    assert "*|UNSUB|*" in body["plain_text"]
    already = M.with_footer('<p><a href="*|UNSUB|*">out</a></p>', "x *|UNSUB|*")
    assert already == ('<p><a href="*|UNSUB|*">out</a></p>', "x *|UNSUB|*")


def test_schedule_times_are_quarter_hours_in_utc() -> None:
    at = datetime(2026, 9, 1, 9, 45, tzinfo=UTC)
    assert M.schedule_time(at) == "2026-09-01T09:45:00+00:00"
    with pytest.raises(E.UsageError, match="quarter-hour"):
        M.schedule_time(at.replace(minute=40))


@respx.mock
def test_a_lost_create_is_found_again_by_its_title(make_client: Any) -> None:
    listing = {
        "campaigns": [
            {**fixture("campaign.json"), "settings": {"title": "mktd other"}},
            fixture("campaign.json"),
        ]
    }
    route = respx.get(f"{BASE}/campaigns").mock(return_value=httpx.Response(200, json=listing))
    found = make_client().find_campaign(LIST, "mktd 01ABC")
    assert found is not None and found.id == "42694e9e57"
    assert route.calls[0].request.url.params["list_id"] == LIST
    assert make_client().find_campaign(LIST, "mktd nothing") is None


@respx.mock
def test_a_report_becomes_the_same_counters_as_sendgrid_stats(make_client: Any) -> None:
    respx.get(f"{BASE}/reports/42694e9e57").mock(
        return_value=httpx.Response(200, json=fixture("report.json"))
    )
    row = make_client().report("42694e9e57").to_dict()
    assert row == {
        "category": "42694e9e57",
        "platform": "mailchimp",
        "date": "2026-09-01",
        "requests": 1000,
        "delivered": 990,
        "opens": 800,
        "unique_opens": 420,
        "clicks": 150,
        "unique_clicks": 80,
        "bounces": 10,
        "spam_reports": 1,
        "unsubscribes": 7,
    }


@respx.mock
def test_cancel_unschedules_and_pause_is_refused(make_client: Any) -> None:
    route = respx.post(f"{BASE}/campaigns/c1/actions/unschedule").mock(
        return_value=httpx.Response(204)
    )
    assert make_client().cancel_scheduled("c1") == "cancel"
    assert route.call_count == 1
    with pytest.raises(E.UsageError, match="not paused"):
        make_client().cancel_scheduled("c1", "pause")
