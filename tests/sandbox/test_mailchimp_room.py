"""The sandbox's Mailchimp room by raw HTTP: its validation, its state machine, its limits."""

from __future__ import annotations

import base64
import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from mktdirector.sandbox import Sandbox
from mktdirector.sandbox.env import MAILCHIMP_KEY

pytestmark = pytest.mark.slow  # a real sandbox server on 127.0.0.1
AUTH = {"Authorization": "Basic " + base64.b64encode(f"anyone:{MAILCHIMP_KEY}".encode()).decode()}
LIST = "sbxaud0001"


def call(sb: Sandbox, method: str, path: str, **kw: Any) -> httpx.Response:
    with httpx.Client(timeout=10) as c:
        return c.request(method, f"{sb.url}/mailchimp/3.0{path}", headers=AUTH, **kw)


def test_errors_are_problem_json_and_a_wrong_key_is_401(sb: Sandbox) -> None:
    with httpx.Client(timeout=10) as c:
        r = c.get(f"{sb.url}/mailchimp/3.0/ping", auth=("x", "wrong-us1"))
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert (body["title"], body["status"]) == ("API Key Invalid", 401) and body["instance"]
    assert r.headers["x-request-id"] == body["instance"]
    assert call(sb, "GET", "/ping").json() == {"health_status": "Everything's Chimpy!"}


def test_a_member_put_must_use_the_md5_of_the_lowercased_address(sb: Sandbox) -> None:
    good = hashlib.md5(b"ann@sandbox.example").hexdigest()
    body = {"email_address": "Ann@Sandbox.example", "status_if_new": "subscribed"}
    assert call(sb, "PUT", f"/lists/{LIST}/members/{good}", json=body).status_code == 200
    wrong = hashlib.md5(b"Ann@Sandbox.example").hexdigest()
    r = call(sb, "PUT", f"/lists/{LIST}/members/{wrong}", json=body)
    assert r.status_code == 400 and "hash" in r.json()["detail"]
    gone = hashlib.md5(b"forgotten@sandbox.example").hexdigest()
    r = call(
        sb,
        "PUT",
        f"/lists/{LIST}/members/{gone}",
        json={"email_address": "forgotten@sandbox.example"},
    )
    assert r.status_code == 400 and r.json()["title"] == "Forgotten Email Not Subscribed"


def test_batch_subscribe_takes_at_most_500_and_reports_members_one_by_one(sb: Sandbox) -> None:
    many = [{"email_address": f"u{i}@sandbox.example"} for i in range(501)]
    assert call(sb, "POST", f"/lists/{LIST}", json={"members": many}).status_code == 400
    two = [{"email_address": "ada@sandbox.example"}, {"email_address": "new@sandbox.example"}]
    r = call(sb, "POST", f"/lists/{LIST}", json={"members": two}).json()
    assert r["total_created"] == 1 and r["errors"][0]["error_code"] == "ERROR_CONTACT_EXISTS"
    r = call(sb, "POST", f"/lists/{LIST}", json={"members": two, "update_existing": True}).json()
    assert (r["total_created"], r["total_updated"], r["error_count"]) == (0, 2, 0)


def test_a_campaign_is_sent_once_and_scheduled_only_on_quarter_hours(sb: Sandbox) -> None:
    settings = {
        "subject_line": "Hi",
        "title": "t",
        "from_name": "Us",
        "reply_to": "us@sandbox.example",
    }
    r = call(sb, "POST", "/campaigns", json={"type": "regular", "recipients": {"list_id": LIST}})
    assert r.status_code == 400 and {e["field"] for e in r.json()["errors"]} >= {
        "settings.subject_line"
    }
    cid = call(sb, "POST", "/campaigns", json={"type": "regular", "recipients": {"list_id": LIST},
                                               "settings": settings}).json()["id"]  # fmt: skip
    r = call(sb, "POST", f"/campaigns/{cid}/actions/send")
    assert r.status_code == 400 and r.json()["detail"] == "Your Campaign is not ready to send."
    call(sb, "PUT", f"/campaigns/{cid}/content", json={"html": "<p>x</p>"})
    assert call(sb, "GET", f"/campaigns/{cid}/send-checklist").json()["is_ready"] is False
    call(sb, "PUT", f"/campaigns/{cid}/content", json={"html": '<a href="*|UNSUB|*">u</a>'})
    off = call(
        sb,
        "POST",
        f"/campaigns/{cid}/actions/schedule",
        json={"schedule_time": "2030-01-01T09:10:00+00:00"},
    )
    assert off.status_code == 400 and "quarter-hour" in off.json()["detail"]
    assert call(sb, "POST", f"/campaigns/{cid}/actions/send").status_code == 204
    again = call(sb, "POST", f"/campaigns/{cid}/actions/send")
    assert again.status_code == 400 and "status is sent" in again.json()["detail"]
    got = call(sb, "GET", f"/campaigns/{cid}").json()
    assert (got["status"], got["emails_sent"]) == ("sent", 3)


def test_more_than_10_simultaneous_connections_get_429(sb: Sandbox) -> None:
    sb.set_faults("mailchimp.ping:delay=3")  # each admitted request holds its connection 3 s
    clients = [httpx.Client(timeout=10) for _ in range(12)]  # made before: all start together
    start = threading.Barrier(12)

    def ping(c: httpx.Client) -> int:
        start.wait()
        return c.get(f"{sb.url}/mailchimp/3.0/ping", headers=AUTH).status_code

    try:
        with ThreadPoolExecutor(12) as pool:
            codes = sorted(pool.map(ping, clients))
    finally:
        for c in clients:
            c.close()
    assert codes == [200] * 10 + [429] * 2
    state = sb.state()["mailchimp"]
    assert state["peak_connections"] == 10 and state["concurrency_refused"] == 2
