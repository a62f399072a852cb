"""The sandbox's HubSpot, GA4 and SendGrid, driven by mktd's clients and by raw httpx."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from mktdirector.core import errors as E
from mktdirector.integrations.sendgrid.models import EmailMessage
from mktdirector.integrations.sendgrid.policy import SenderIdentityError
from mktdirector.sandbox import Sandbox
from mktdirector.sandbox.env import GA_PROPERTY, SENDGRID_FROM, TOKEN_ENV
from mktdirector.wiring import Deps

# One keep-alive client: a new httpx.Client costs ~30 ms (TLS context) per call.
# No kept-alive sockets: each test's sandbox is gone after it, and its socket would leak.
http = httpx.Client(timeout=10, limits=httpx.Limits(max_keepalive_connections=0))

HUBSPOT = {"Authorization": f"Bearer {TOKEN_ENV['HUBSPOT_API_KEY']}"}
SENDGRID = {"Authorization": f"Bearer {TOKEN_ENV['SENDGRID_API_KEY']}"}
LINK = "https://example.com/course?utm_source=x&utm_medium=social&utm_campaign=launch&utm_content=DRAFT42"


@pytest.fixture
def client(make_deps: Callable[..., Deps]) -> Callable[[str], Any]:
    """A platform client pointed at the sandbox (closed after the test)."""
    return lambda platform: make_deps(**{"http.max_wait": 0}).integration(platform)


# HubSpot -----------------------------------------------------------------------------------------
def test_hubspot_batch_upsert_creates_then_updates(sb: Sandbox, client: Callable[..., Any]) -> None:
    hs = client("hubspot")
    rows = [{"email": f"p{i}@example.org", "firstname": f"P{i}"} for i in range(150)]
    first = hs.batch_upsert_contacts(rows)
    assert (first.created, first.updated, first.requests) == (150, 0, 2)
    again = hs.batch_upsert_contacts(rows[:3] + [{"email": "bad@@example.org"}])
    assert (again.created, again.updated) == (0, 3) and again.errors[0].rows == (3,)
    stored = [c for c in sb.state()["contacts"] if c["source"] == "api"]
    assert len(stored) == 150
    assert hs.get_contact_by_email("P7@example.org").properties["firstname"] == "P7"


def test_hubspot_batch_rules_and_headers(sb: Sandbox) -> None:
    url = f"{sb.url}/hubspot/crm/v3/objects/contacts/batch/upsert"
    one = {"id": "a@example.org", "idProperty": "email", "properties": {"firstname": "A"}}
    r = http.post(url, headers=HUBSPOT, json={"inputs": [one]})
    assert r.status_code == 200 and r.json()["results"][0]["new"] is True
    assert r.headers["X-HubSpot-RateLimit-Max"] == "100"
    assert r.headers["X-HubSpot-RateLimit-Remaining"] == "99"
    assert r.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert int(r.headers["X-HubSpot-RateLimit-Daily-Remaining"]) == 249_999
    assert http.post(url, headers=HUBSPOT, json={"inputs": [one] * 101}).status_code == 400
    r = http.post(url, headers=HUBSPOT, json={"inputs": [one, one]})
    assert r.status_code == 400 and "Duplicate IDs" in r.json()["message"]
    r = http.post(url, headers=HUBSPOT, json={"inputs": [dict(one, idProperty="phone")]})
    assert r.status_code == 400
    r = http.post(url, headers=HUBSPOT, json={"inputs": [dict(one, properties={"nope": "1"})]})
    assert r.status_code == 400 and "PROPERTY_DOESNT_EXIST" in r.text
    r = http.post(url, headers={"Authorization": "Bearer pat-wrong"}, json={"inputs": [one]})
    assert r.status_code == 401 and r.json()["category"] == "INVALID_AUTHENTICATION"


def test_hubspot_rolling_limit_answers_429_with_policy(tmp_path: Path) -> None:
    with Sandbox(port=0, state_dir=tmp_path / "s", limits={"hubspot.burst": (3, 10.0)}) as s:
        url = f"{s.url}/hubspot/account-info/v3/details"
        codes = [http.get(url, headers=HUBSPOT).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = http.get(url, headers=HUBSPOT)
        assert r.json()["policyName"] == "TEN_SECONDLY_ROLLING"
        assert r.headers["X-HubSpot-RateLimit-Remaining"] == "0"


def test_hubspot_leads_arrive_through_post_links_with_attribution(
    sb: Sandbox, client: Callable[..., Any]
) -> None:
    x = client("twitter")
    post = x.create_post(f"New course {LINK}")
    sb.advance(7 * 86400)
    leads = [c for c in client("hubspot").contacts_with_attribution()]
    assert leads, "a week-old post with a UTM link brings contacts"
    a = leads[0].attribution
    assert a.original_source == "SOCIAL_MEDIA" and a.original_source_data_1 == "Twitter"
    assert a.draft_id == "DRAFT42" and a.campaign == "launch"
    assert all(c["source"] == "lead" for c in sb.state()["contacts"])
    assert post.id


# GA4 ---------------------------------------------------------------------------------------------
def test_ga_token_needs_a_valid_signature(
    sb: Sandbox, client: Callable[..., Any], tmp_path: Path
) -> None:
    ga = client("google-analytics")
    assert ga.access_token().startswith("ya29.")  # google-auth signed it with the key file
    info = json.loads(Path(sb.env()["GOOGLE_ANALYTICS_CREDENTIALS_PATH"]).read_text())
    assert info["token_uri"] == f"{sb.url}/oauth/ga/token"

    def jwt(claims: dict[str, Any], sig: bytes = b"forged") -> str:
        enc = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
        return f"{enc({'alg': 'RS256', 'typ': 'JWT'})}.{enc(claims)}.{base64.urlsafe_b64encode(sig).decode()}"

    now = int(time.time())
    claims = {
        "iss": info["client_email"],
        "aud": info["token_uri"],
        "iat": now,
        "exp": now + 3600,
        "scope": "https://www.googleapis.com/auth/analytics.readonly",
    }
    r = http.post(
        info["token_uri"],
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": jwt(claims),
        },
    )
    assert r.status_code == 400 and r.json() == {
        "error": "invalid_grant",
        "error_description": "Invalid JWT Signature.",
    }


def test_ga_run_report_has_rows_for_the_posts_utm_content(
    sb: Sandbox, client: Callable[..., Any]
) -> None:
    client("twitter").create_post(f"Course launch {LINK}")
    sb.advance(2 * 86400)
    report = client("google-analytics").traffic(date_range=("7daysAgo", "today"))
    mine = [r for r in report.rows if r.dimensions["sessionManualAdContent"] == "DRAFT42"]
    assert mine and all(r.dimensions["sessionMedium"] == "social" for r in mine)
    assert sum(r.metrics["sessions"] for r in mine) > 0
    assert report.quota is not None and report.quota.tokens_per_day.remaining < 200_000
    assert [h.type for h in report.metric_headers][:2] == ["TYPE_INTEGER", "TYPE_INTEGER"]


def test_ga_report_validation(sb: Sandbox, client: Callable[..., Any]) -> None:
    token = client("google-analytics").access_token()
    url = f"{sb.url}/ga/v1beta/properties/{GA_PROPERTY}:runReport"
    auth = {"Authorization": f"Bearer {token}"}
    ok = {
        "dateRanges": [{"startDate": "7daysAgo", "endDate": "today"}],
        "metrics": [{"name": "sessions"}],
    }
    assert http.post(url, headers=auth, json=ok).status_code == 200
    r = http.post(url, headers=auth, json=dict(ok, metrics=[{"name": "clicks"}]))
    assert r.status_code == 400 and r.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert (
        http.post(url, headers=auth, json=dict(ok, dimensions=[{"name": "date"}] * 10)).status_code
        == 400
    )
    assert http.post(url, headers=auth, json=dict(ok, dateRanges=[])).status_code == 400
    assert http.post(url, headers=auth, json=dict(ok, bogus=1)).status_code == 400
    other = url.replace(GA_PROPERTY, "111")
    assert http.post(other, headers=auth, json=ok).json()["error"]["status"] == "PERMISSION_DENIED"
    assert http.post(url, json=ok).json()["error"]["status"] == "UNAUTHENTICATED"


# SendGrid ----------------------------------------------------------------------------------------
def test_sendgrid_send_answers_202_with_a_message_id(
    sb: Sandbox, client: Callable[..., Any]
) -> None:
    sg = client("sendgrid")
    result = sg.send(
        EmailMessage(
            from_email=SENDGRID_FROM,
            subject="Hello",
            to=["a@x.org", "b@x.org"],
            text="Plain",
            html="<p>Rich</p>",
            draft_id="D1",
        )
    )
    assert result.status_code == 202 and result.message_id
    [email] = sb.state()["emails"]
    assert email["message_id"] == result.message_id and email["recipients"] == [
        "a@x.org",
        "b@x.org",
    ]
    assert email["personalizations"] == 2
    with pytest.raises(SenderIdentityError):
        sg.send(
            EmailMessage(from_email="someone@elsewhere.org", subject="Hi", to=["a@x.org"], text="t")
        )
    assert sg.scopes().can_send


def test_sendgrid_validation_and_rate_headers(sb: Sandbox) -> None:
    url = f"{sb.url}/sendgrid/v3/mail/send"
    good = {
        "personalizations": [{"to": [{"email": "a@x.org"}]}],
        "from": {"email": SENDGRID_FROM},
        "subject": "s",
        "content": [{"type": "text/plain", "value": "v"}],
    }
    r = http.post(url, headers=SENDGRID, json=good)
    assert r.status_code == 202 and r.content == b"" and r.headers["X-Message-Id"]
    assert int(r.headers["X-RateLimit-Remaining"]) == int(r.headers["X-RateLimit-Limit"]) - 1
    assert int(r.headers["X-RateLimit-Reset"]) > time.time()
    too_many = dict(
        good, personalizations=[{"to": [{"email": f"u{i}@x.org"}]} for i in range(1001)]
    )
    r = http.post(url, headers=SENDGRID, json=too_many)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "personalizations"
    r = http.post(url, headers=SENDGRID, json=dict(good, content=[]))
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "content"
    r = http.post(url, headers=SENDGRID, json={k: v for k, v in good.items() if k != "from"})
    assert r.json()["errors"][0]["field"] == "from.email"
    assert http.post(url, json=good).status_code == 401
    assert len(sb.state()["emails"]) == 1


def test_sendgrid_scheduled_send_can_be_cancelled(sb: Sandbox, client: Callable[..., Any]) -> None:
    sg = client("sendgrid")
    msg = EmailMessage(
        from_email=SENDGRID_FROM,
        subject="Later",
        to=["a@x.org"],
        text="t",
        send_at=int(time.time()) + 3600,
    )
    result = sg.send(msg)
    assert result.batch_id and sg.cancel_scheduled(result.batch_id) == "cancel"
    assert sg.cancel_scheduled(result.batch_id) == "cancel"  # already cancelled: fine
    assert sb.state()["batches"][0]["status"] == "cancel"
    with pytest.raises(E.BadRequestError):
        sg.cancel_scheduled("no-such-batch")
