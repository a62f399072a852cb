"""SendGrid client: bodies checked against the official OpenAPI schema, the error matrix, stats."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import respx
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mktdirector.core import errors as E
from mktdirector.core.clock import Clock
from mktdirector.core.credentials import Connection
from mktdirector.core.http import Exchange, HttpClient
from mktdirector.core.ratelimit import Limiter, MemoryBackend
from mktdirector.integrations import get_class
from mktdirector.integrations.sendgrid.client import SendGridClient
from mktdirector.integrations.sendgrid.models import DRAFT_ARG, EmailMessage, Recipient
from mktdirector.integrations.sendgrid.policy import SenderIdentityError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "sendgrid"
# The official spec, copied into the repository (tests/contracts/specs/README.md says from where)
SPECS = Path(__file__).parents[1] / "contracts" / "specs"
BASE = "https://api.sendgrid.com"
KEY = "SG.abcdefghijklmnopqrstuv.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
BATCH_ID = "HkJ5yLYULb7Rj8GKSx7u025ouWVlMgAi"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def reply(status: int, name: str | None = None, **kw: Any) -> httpx.Response:
    return httpx.Response(status, json=fixture(name) if name else None, **kw)


def _validator(spec_file: str, pointer: str) -> jsonschema.Draft202012Validator:
    spec = json.loads((SPECS / spec_file).read_text())
    uri = f"urn:sendgrid:{spec_file}"
    registry = Registry().with_resource(
        uri, Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    return jsonschema.Draft202012Validator(
        {"$ref": f"{uri}#{pointer}"},
        registry=registry,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


@pytest.fixture(scope="module")
def mail_schema() -> jsonschema.Draft202012Validator:
    return _validator(
        "sendgrid-tsg_mail_v3.json",
        "/components/requestBodies/PostMailSend/content/application~1json/schema",
    )


@pytest.fixture
def sg_audit() -> list[Exchange]:
    return []


@pytest.fixture
def make_sendgrid(clock: Any, sg_audit: list[Exchange]) -> Callable[..., SendGridClient]:
    def make(key: str = KEY) -> SendGridClient:
        limiter = Limiter(MemoryBackend(), clock=clock.time, sleep=clock.sleep)
        factory = functools.partial(
            HttpClient, clock=Clock(sleep=clock.sleep), limiter=limiter, audit=sg_audit.append
        )
        return SendGridClient(
            http_factory=factory,
            connection=Connection("sendgrid", api_key=key),
            config=lambda k: None,
        )

    return make


@pytest.fixture
def sg(make_sendgrid: Callable[..., SendGridClient]) -> SendGridClient:
    return make_sendgrid()


@pytest.fixture
def api() -> Iterator[Any]:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


def message(**kw: Any) -> EmailMessage:
    fields: dict[str, Any] = dict(
        from_email="team@example.org",
        from_name="Example Team",
        subject="The AI ROI course is open",
        to=["ada@example.org", Recipient("grace@example.org", "Grace")],
        text="Hello,\nthe course is open: https://example.org/course?utm_content=01JD",
        html="<p>Hello, the course is <a href='https://example.org/course'>open</a>.</p>",
        categories=["mktd", "launch"],
        draft_id="01JDRAFT0000000000000000EM",
    )
    fields.update(kw)
    return EmailMessage(**fields)


def sent(call: Any) -> Any:
    return json.loads(call.request.content)


# key -------------------------------------------------------------------------------------------
def test_registered() -> None:
    assert get_class("sendgrid") is SendGridClient


def test_scopes_report_missing_features(sg: SendGridClient, api: Any) -> None:
    route = api.get("/v3/scopes").mock(return_value=reply(200, "scopes_send_only.json"))
    report = sg.scopes()
    assert report.can_send
    assert set(report.missing) == {"schedule and cancel sends", "global stats", "category stats"}
    assert route.calls.last.request.headers["authorization"] == f"Bearer {KEY}"


def test_test_connection_connected(sg: SendGridClient, api: Any) -> None:
    api.get("/v3/scopes").mock(
        return_value=reply(
            200,
            "scopes_full.json",
            headers={
                "X-RateLimit-Limit": "600",
                "X-RateLimit-Remaining": "599",
                "X-RateLimit-Reset": "1800000060",
            },
        )
    )
    check = sg.test_connection().to_dict()
    assert check["status"] == "connected"
    assert check["detail"] == "the API key has every permission mktd uses"
    assert check["rate_limit"] == {
        "rate_limit_remaining": 599,
        "rate_limit_reset": "2027-01-15T08:01:00Z",
    }


def test_test_connection_without_mail_send(sg: SendGridClient, api: Any) -> None:
    api.get("/v3/scopes").mock(return_value=reply(200, "scopes_stats_only.json"))
    check = sg.test_connection()
    assert check.status == "error" and "mail.send" in check.detail


def test_test_connection_bad_key(sg: SendGridClient, api: Any) -> None:
    api.get("/v3/scopes").mock(return_value=reply(401, "unauthorized_401.json"))
    check = sg.test_connection()
    assert check.status == "error" and "rejected the API key" in check.detail
    assert KEY not in check.detail


# sending ---------------------------------------------------------------------------------------
def test_send_body_matches_the_official_schema(
    sg: SendGridClient, api: Any, mail_schema: Any
) -> None:
    route = api.post("/v3/mail/send").mock(
        return_value=httpx.Response(202, headers={"X-Message-Id": "W1xyzMessageId"})
    )
    result = sg.send(message())
    assert result.message_id == "W1xyzMessageId" and result.recipients == 2
    request = route.calls.last.request
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["content-type"] == "application/json"
    body = sent(route.calls.last)
    mail_schema.validate(body)
    assert [p["to"] for p in body["personalizations"]] == [
        [{"email": "ada@example.org"}],
        [{"email": "grace@example.org", "name": "Grace"}],
    ]
    assert all(
        p["custom_args"] == {DRAFT_ARG: "01JDRAFT0000000000000000EM"}
        for p in body["personalizations"]
    )
    assert "custom_args" not in body  # the schema types the top-level field as a string
    assert [c["type"] for c in body["content"]] == ["text/plain", "text/html"]
    assert body["categories"] == ["mktd", "launch"]
    assert body["from"] == {"email": "team@example.org", "name": "Example Team"}


def test_scheduled_send_creates_a_batch(sg: SendGridClient, api: Any, mail_schema: Any) -> None:
    batch = api.post("/v3/mail/batch").mock(return_value=reply(201, "batch.json"))
    send = api.post("/v3/mail/send").mock(
        return_value=httpx.Response(202, headers={"X-Message-Id": "W1sched"})
    )
    at = datetime.now(UTC) + timedelta(hours=24)
    result = sg.send(message(send_at=at))
    assert batch.call_count == 1
    body = sent(send.calls.last)
    mail_schema.validate(body)
    assert body["batch_id"] == BATCH_ID == result.batch_id
    assert body["send_at"] == int(at.timestamp()) == result.send_at


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"send_at": int(time.time()) + 73 * 3600}, "72 hours"),
        ({"send_at": datetime(2030, 1, 1, 9, 0)}, "time zone"),
        ({"to": [f"r{i}@example.org" for i in range(1001)]}, "1,001 recipients"),
        ({"categories": [f"c{i}" for i in range(11)]}, "categories"),
        ({"categories": ["x" * 256]}, "categories"),
        ({"custom_args": {"blob": "x" * 10_000}}, "custom_args"),
        ({"to": ["not-an-address"]}, "invalid address"),
        ({"text": None, "html": None}, "no text or HTML"),
        ({"subject": "  "}, "empty subject"),
    ],
)
def test_invalid_messages_are_refused_before_sending(
    sg: SendGridClient, api: Any, changes: dict[str, Any], words: str
) -> None:
    with pytest.raises(E.UsageError) as err:
        sg.send(message(**changes))
    assert words in err.value.message
    assert not api.calls


def test_thousand_recipients_is_fine_and_duplicates_collapse(
    sg: SendGridClient, api: Any, mail_schema: Any
) -> None:
    route = api.post("/v3/mail/send").mock(return_value=httpx.Response(202))
    to = [f"r{i}@example.org" for i in range(1000)] + ["R0@example.org"]
    result = sg.send(message(to=to))
    body = sent(route.calls.last)
    mail_schema.validate(body)
    assert len(body["personalizations"]) == 1000 == result.recipients
    assert result.message_id is None  # a 202 without the header is still a success


def test_send_is_never_retried_after_a_5xx(sg: SendGridClient, api: Any) -> None:
    route = api.post("/v3/mail/send").mock(return_value=httpx.Response(500))
    with pytest.raises(E.ServerError) as err:
        sg.send(message())
    assert route.call_count == 1
    assert "may or may not" in err.value.message and "did not resend" in (err.value.hint or "")


def test_send_timeout_is_not_retried(sg: SendGridClient, api: Any) -> None:
    route = api.post("/v3/mail/send").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(E.ApiTimeoutError) as err:
        sg.send(message())
    assert route.call_count == 1 and err.value.sent


def test_send_429_short_reset_waits_and_sends_once(
    sg: SendGridClient, api: Any, clock: Any
) -> None:
    reset = str(int(time.time()) + 5)  # the spine classifies with the real clock
    route = api.post("/v3/mail/send").mock(
        side_effect=[
            reply(
                429,
                "rate_limited_429.json",
                headers={
                    "X-RateLimit-Limit": "600",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": reset,
                },
            ),
            httpx.Response(202, headers={"X-Message-Id": "W1after"}),
        ]
    )
    assert sg.send(message()).message_id == "W1after"
    assert route.call_count == 2 and any(4 <= s <= 6 for s in clock.sleeps)


def test_429_long_reset_raises(sg: SendGridClient, api: Any, clock: Any) -> None:
    reset = str(int(time.time()) + 3600)
    api.get("/v3/scopes").mock(
        return_value=reply(
            429,
            "rate_limited_429.json",
            headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
        )
    )
    with pytest.raises(E.RateLimitError) as err:
        sg.scopes()
    assert err.value.retry_after == pytest.approx(3600, abs=2)


@pytest.mark.parametrize(
    ("status", "name", "cls", "words"),
    [
        (401, "unauthorized_401.json", E.AuthenticationError, "rejected the API key"),
        (403, "forbidden_403.json", E.PermissionDeniedError, "mail.send"),
        (403, "sender_identity_403.json", SenderIdentityError, "verified Sender Identity"),
        (400, "bad_request_400.json", E.BadRequestError, "personalizations.0.to.0.email"),
        (413, "too_large_413.json", E.BadRequestError, "30 MB"),
    ],
)
def test_send_error_rows(
    sg: SendGridClient, api: Any, status: int, name: str, cls: type, words: str
) -> None:
    route = api.post("/v3/mail/send").mock(return_value=reply(status, name))
    with pytest.raises(cls) as err:
        sg.send(message())
    assert words in err.value.message and route.call_count == 1
    assert KEY not in f"{err.value} {err.value.hint}"


def test_sender_identity_is_a_config_problem_not_auth(sg: SendGridClient, api: Any) -> None:
    api.post("/v3/mail/send").mock(return_value=reply(403, "sender_identity_403.json"))
    with pytest.raises(SenderIdentityError) as err:
        sg.send(message())
    assert err.value.exit_code == E.ExitCode.CONFIG
    assert "Sender Authentication" in (err.value.hint or "")
    assert "key is fine" in (err.value.hint or "")


def test_build_send_request_for_dry_run(sg: SendGridClient, api: Any, mail_schema: Any) -> None:
    request = sg.build_send_request(message())
    assert request.method == "POST" and str(request.url) == f"{BASE}/v3/mail/send"
    mail_schema.validate(json.loads(request.content))
    assert not api.calls


# scheduled sends -------------------------------------------------------------------------------
def test_cancel_scheduled(sg: SendGridClient, api: Any) -> None:
    route = api.post("/v3/user/scheduled_sends").mock(
        return_value=httpx.Response(201, json={"batch_id": BATCH_ID, "status": "cancel"})
    )
    assert sg.cancel_scheduled(BATCH_ID) == "cancel"
    assert sent(route.calls.last) == {"batch_id": BATCH_ID, "status": "cancel"}


def test_cancel_a_paused_batch_patches_it(sg: SendGridClient, api: Any) -> None:
    api.post("/v3/user/scheduled_sends").mock(
        return_value=httpx.Response(
            400, json={"errors": [{"field": None, "message": "batch id already has a status"}]}
        )
    )
    api.get(f"/v3/user/scheduled_sends/{BATCH_ID}").mock(
        return_value=reply(200, "scheduled_send.json")
    )
    patch = api.patch(f"/v3/user/scheduled_sends/{BATCH_ID}").mock(return_value=httpx.Response(204))
    assert sg.cancel_scheduled(BATCH_ID) == "cancel"
    assert sent(patch.calls.last) == {"status": "cancel"}


# stats -----------------------------------------------------------------------------------------
def test_stats(sg: SendGridClient, api: Any) -> None:
    route = api.get("/v3/stats").mock(return_value=reply(200, "stats.json"))
    rows = sg.stats("2026-09-01", datetime(2026, 9, 2).date(), "day")
    params = route.calls.last.request.url.params
    assert dict(params) == {
        "start_date": "2026-09-01",
        "end_date": "2026-09-02",
        "aggregated_by": "day",
    }
    first = rows[0].metrics
    assert (first.requests, first.delivered, first.opens, first.unique_opens) == (120, 118, 204, 77)
    assert (first.clicks, first.unique_clicks, first.bounces, first.spam_reports) == (31, 19, 2, 1)
    assert rows[1].date == "2026-09-02" and rows[1].category is None


def test_category_stats(sg: SendGridClient, api: Any) -> None:
    route = api.get("/v3/categories/stats").mock(return_value=reply(200, "category_stats.json"))
    rows = sg.category_stats(["mktd", "launch"], "2026-09-01")
    assert route.calls.last.request.url.params.get_list("categories") == ["mktd", "launch"]
    assert [(r.category, r.metrics.delivered) for r in rows] == [("mktd", 99), ("launch", 19)]
    assert rows[1].metrics.blocks == 0  # missing counters read as 0
    assert rows[0].to_dict()["unique_clicks"] == 12


def test_stats_arguments_are_checked(sg: SendGridClient, api: Any) -> None:
    with pytest.raises(E.UsageError):
        sg.stats("01/09/2026")
    with pytest.raises(E.UsageError):
        sg.stats("2026-09-01", aggregated_by="year")
    with pytest.raises(E.UsageError):
        sg.category_stats([f"c{i}" for i in range(11)], "2026-09-01")
    assert not api.calls


def test_stats_5xx_is_retried(sg: SendGridClient, api: Any) -> None:
    route = api.get("/v3/stats").mock(side_effect=[httpx.Response(503), reply(200, "stats.json")])
    assert len(sg.stats("2026-09-01")) == 2 and route.call_count == 2


# malformed answers and secrets -----------------------------------------------------------------
@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(
            200, text="<html><body>Bad gateway</body></html>", headers={"content-type": "text/html"}
        ),
        httpx.Response(
            200, text='{"scopes": ["mail.se', headers={"content-type": "application/json"}
        ),
        httpx.Response(200, json={"result": []}),
    ],
    ids=["html", "truncated", "missing-field"],
)
def test_malformed_answers(sg: SendGridClient, api: Any, response: httpx.Response) -> None:
    api.get("/v3/scopes").mock(return_value=response)
    with pytest.raises(E.ApiResponseError) as err:
        sg.scopes()
    assert "\n" not in str(err.value) and "SendGrid" in str(err.value)


def test_malformed_stats(sg: SendGridClient, api: Any) -> None:
    api.get("/v3/stats").mock(return_value=httpx.Response(200, json={"date": "2026-09-01"}))
    with pytest.raises(E.ApiResponseError):
        sg.stats("2026-09-01")


def test_key_never_in_error_text(sg: SendGridClient, api: Any) -> None:
    api.get("/v3/scopes").mock(
        return_value=httpx.Response(
            400, json={"errors": [{"field": "authorization", "message": f"bad key {KEY}"}]}
        )
    )
    with pytest.raises(E.BadRequestError) as err:
        sg.scopes()
    assert KEY not in f"{err.value} {err.value.hint} {err.value.to_dict()}"


def test_dry_run_shows_the_check_request_masked(clock: Any) -> None:
    from mktdirector.agents.ops.checks import dry_run

    def make_client(platform: str, connection: Connection | None = None, **http: Any) -> Any:
        factory = functools.partial(HttpClient, clock=Clock(sleep=clock.sleep), **http)
        conn = connection or Connection("sendgrid", api_key=KEY)
        return SendGridClient(http_factory=factory, connection=conn, config=lambda k: None)

    request = dry_run(make_client, "sendgrid")["request"]
    assert request["method"] == "GET" and request["url"] == f"{BASE}/v3/scopes"
    assert KEY not in json.dumps(request)
