"""GA4 client: a real RS256 JWT checked by a local token endpoint, reports, quota, error matrix."""

from __future__ import annotations

import base64
import functools
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from mktdirector.core import errors as E
from mktdirector.core.clock import Clock
from mktdirector.core.credentials import Connection, CredentialStore, NoBackend
from mktdirector.core.http import Exchange, HttpClient
from mktdirector.core.ratelimit import Limiter, MemoryBackend
from mktdirector.integrations import get_class
from mktdirector.integrations.google_analytics.client import GoogleAnalyticsClient
from mktdirector.integrations.google_analytics.models import (
    ATTRIBUTION_DIMENSIONS,
    ATTRIBUTION_METRICS,
    DateRange,
    ReportRequest,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "google_analytics"
GA = "https://analyticsdata.googleapis.com"
PROPERTY = "123456"
REPORT_URL = f"{GA}/v1beta/properties/{PROPERTY}:runReport"
EMAIL = "mktd-reader@mktd-test.iam.gserviceaccount.com"
SCOPE = "https://www.googleapis.com/auth/analytics.readonly"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def b64d(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def sa_file(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> Path:
    pem = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path = tmp_path / "service-account.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "mktd-test",
                "private_key_id": "key-id-0001",
                "private_key": pem,
                "client_email": EMAIL,
                "client_id": "100000000000000000001",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    return path


class TokenEndpoint:
    """A local OAuth token endpoint that verifies the JWT assertion with the public key."""

    def __init__(self, public_key: rsa.RSAPublicKey) -> None:
        self.public_key = public_key
        self.assertions: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.forms: list[dict[str, list[str]]] = []
        self.failures: list[tuple[int, dict[str, Any]]] = []  # queued error answers
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("content-length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                status, answer = endpoint.answer(self.path, form)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/token"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def answer(self, path: str, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        self.forms.append(form)
        if self.failures:
            return self.failures.pop(0)
        if path != "/token" or form.get("grant_type") != [
            "urn:ietf:params:oauth:grant-type:jwt-bearer"
        ]:
            return 400, {"error": "unsupported_grant_type"}
        assertion = form["assertion"][0]
        head, payload, signature = assertion.split(".")
        try:
            self.public_key.verify(
                b64d(signature), f"{head}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except Exception:  # noqa: BLE001 - any verification failure is invalid_grant
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        self.assertions.append((json.loads(b64d(head)), json.loads(b64d(payload))))
        n = len(self.assertions)
        return 200, {
            "access_token": f"ya29.test-token-{n:04d}",
            "expires_in": 3599,
            "token_type": "Bearer",
        }

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def token_endpoint(rsa_key: rsa.RSAPrivateKey) -> Iterator[TokenEndpoint]:
    endpoint = TokenEndpoint(rsa_key.public_key())
    try:
        yield endpoint
    finally:
        endpoint.close()


@pytest.fixture
def ga_env(monkeypatch: pytest.MonkeyPatch, sa_file: Path, token_endpoint: TokenEndpoint) -> None:
    monkeypatch.setenv("GOOGLE_ANALYTICS_CREDENTIALS_PATH", str(sa_file))
    monkeypatch.setenv("GOOGLE_ANALYTICS_PROPERTY_ID", PROPERTY)
    monkeypatch.setenv("MKTD_GOOGLE_ANALYTICS_TOKEN_URL", token_endpoint.url)


@pytest.fixture
def ga_audit() -> list[Exchange]:
    return []


@pytest.fixture
def make_ga(clock: Any, ga_audit: list[Exchange], ga_env: None) -> Callable[..., Any]:
    def make(connection: Connection | None = None, **kw: Any) -> GoogleAnalyticsClient:
        limiter = Limiter(MemoryBackend(), clock=clock.time, sleep=clock.sleep)
        factory = functools.partial(
            HttpClient, clock=Clock(sleep=clock.sleep), limiter=limiter, audit=ga_audit.append
        )
        store = CredentialStore(backend=NoBackend)
        client = GoogleAnalyticsClient(
            http_factory=factory,
            connection=connection or store.require("google-analytics"),
            config=lambda k: None,
            **kw,
        )
        client.clock = lambda: 1_800_001_800.0  # half past an hour: quota waits are long
        return client

    return make


@pytest.fixture
def ga(make_ga: Callable[..., GoogleAnalyticsClient]) -> GoogleAnalyticsClient:
    return make_ga()


@pytest.fixture
def api() -> Iterator[Any]:
    with respx.mock(assert_all_called=False) as mock:
        mock.route(host="127.0.0.1").pass_through()  # the real local token endpoint
        yield mock


def sent(call: Any) -> Any:
    return json.loads(call.request.content)


# auth ------------------------------------------------------------------------------------------
def test_registered_with_alias() -> None:
    assert get_class("ga") is GoogleAnalyticsClient


def test_jwt_is_signed_rs256_with_the_right_claims(
    ga: GoogleAnalyticsClient, api: Any, token_endpoint: TokenEndpoint
) -> None:
    route = api.post(REPORT_URL).mock(
        return_value=httpx.Response(200, json=fixture("run_report.json"))
    )
    ga.run_report(PROPERTY, [("yesterday", "yesterday")], metrics=["sessions"], limit=1)
    ((header, claims),) = token_endpoint.assertions  # signature verified by the endpoint
    assert header["alg"] == "RS256" and header["kid"] == "key-id-0001"
    assert claims["iss"] == EMAIL
    assert claims["scope"] == SCOPE
    assert claims["aud"] == "https://oauth2.googleapis.com/token"
    assert 0 < claims["exp"] - claims["iat"] <= 3600
    assert "sub" not in claims
    assert route.calls.last.request.headers["authorization"] == "Bearer ya29.test-token-0001"


def test_token_exchange_goes_through_the_choke_point(
    ga: GoogleAnalyticsClient, api: Any, ga_audit: list[Exchange]
) -> None:
    api.post(REPORT_URL).mock(return_value=httpx.Response(200, json=fixture("run_report.json")))
    ga.run_report(limit=1)
    ga.run_report(limit=1)  # the token is reused while valid
    paths = [(x.path, x.status) for x in ga_audit]
    assert paths.count(("/token", 200)) == 1
    assert paths.count(("/v1beta/properties/{property_id}:runReport", 200)) == 2


def test_401_refreshes_the_token_once(
    ga: GoogleAnalyticsClient, api: Any, token_endpoint: TokenEndpoint
) -> None:
    route = api.post(REPORT_URL).mock(
        side_effect=[
            httpx.Response(401, json=fixture("unauthenticated_401.json")),
            httpx.Response(200, json=fixture("run_report.json")),
        ]
    )
    ga.run_report(limit=1)
    assert len(token_endpoint.assertions) == 2
    assert route.calls[1].request.headers["authorization"] == "Bearer ya29.test-token-0002"


def test_401_twice_is_an_authentication_error(ga: GoogleAnalyticsClient, api: Any) -> None:
    route = api.post(REPORT_URL).mock(
        return_value=httpx.Response(401, json=fixture("unauthenticated_401.json"))
    )
    with pytest.raises(E.AuthenticationError) as err:
        ga.run_report(limit=1)
    assert route.call_count == 2 and EMAIL in err.value.message


def test_rejected_key_is_explained(
    ga: GoogleAnalyticsClient, api: Any, token_endpoint: TokenEndpoint, rsa_key: Any
) -> None:
    token_endpoint.failures.append((400, fixture("invalid_grant_400.json")))
    with pytest.raises(E.AuthenticationError) as err:
        ga.run_report(limit=1)
    assert "invalid_grant" in err.value.message and "Invalid JWT Signature" in err.value.message
    assert "Keys" in (err.value.hint or "")
    assert "PRIVATE KEY" not in f"{err.value} {err.value.hint}"
    assert not [c for c in api.calls if "analyticsdata" in str(c.request.url)]


def test_token_answer_without_access_token(
    ga: GoogleAnalyticsClient, api: Any, token_endpoint: TokenEndpoint
) -> None:
    token_endpoint.failures.append((200, {"token_type": "Bearer"}))
    with pytest.raises(E.ApiResponseError):
        ga.run_report(limit=1)


def test_stored_key_json_works_like_a_path(
    make_ga: Callable[..., GoogleAnalyticsClient], sa_file: Path, api: Any
) -> None:
    conn = GoogleAnalyticsClient.connection_from_file(sa_file)
    assert conn.user_id == EMAIL and conn.api_key and conn.api_key.startswith("{")
    client = make_ga(conn)
    api.post(REPORT_URL).mock(return_value=httpx.Response(200, json=fixture("run_report.json")))
    assert client.run_report(limit=1).rows


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"type": "authorized_user", "client_id": "x"}', "not a service-account key"),
        ('{"type": "service_account", "client_email": "a@b"}', "lacks private_key"),
        ("{not json", "not valid JSON"),
    ],
)
def test_bad_key_files(
    make_ga: Callable[..., GoogleAnalyticsClient], tmp_path: Path, content: str, words: str
) -> None:
    path = tmp_path / "key.json"
    path.write_text(content)
    client = make_ga(Connection("google-analytics", api_key=str(path)))
    check = client.test_connection()
    assert check.status == "error" and words in check.detail


def test_missing_key_file(make_ga: Callable[..., GoogleAnalyticsClient], tmp_path: Path) -> None:
    client = make_ga(Connection("google-analytics", api_key=str(tmp_path / "nope.json")))
    with pytest.raises(E.ConfigError) as err:
        client.run_report(limit=1)
    assert "Cannot read the service-account file" in err.value.message


# reports ---------------------------------------------------------------------------------------
def test_run_report_request_and_numeric_parsing(ga: GoogleAnalyticsClient, api: Any) -> None:
    route = api.post(REPORT_URL).mock(
        return_value=httpx.Response(200, json=fixture("run_report.json"))
    )
    report = ga.run_report(
        PROPERTY,
        [DateRange("2026-09-01", "2026-09-07")],
        ATTRIBUTION_DIMENSIONS,
        ATTRIBUTION_METRICS,
        filters={"sessionMedium": "social", "sessionSource": ["linkedin", "t.co"]},
    )
    body = sent(route.calls.last)
    assert body["dateRanges"] == [{"startDate": "2026-09-01", "endDate": "2026-09-07"}]
    assert [d["name"] for d in body["dimensions"]] == list(ATTRIBUTION_DIMENSIONS)
    assert [m["name"] for m in body["metrics"]] == list(ATTRIBUTION_METRICS)
    assert body["dimensionFilter"] == {
        "andGroup": {
            "expressions": [
                {
                    "filter": {
                        "fieldName": "sessionMedium",
                        "stringFilter": {"matchType": "EXACT", "value": "social"},
                    }
                },
                {
                    "filter": {
                        "fieldName": "sessionSource",
                        "inListFilter": {"values": ["linkedin", "t.co"]},
                    }
                },
            ]
        }
    }
    assert body["returnPropertyQuota"] is True and body["offset"] == 0
    row = report.rows[0]
    assert row.dimensions["sessionManualAdContent"] == "01JDRAFT0000000000000000AB"
    assert row.metrics["sessions"] == 42 and isinstance(row.metrics["sessions"], int)
    assert row.metrics["totalRevenue"] == 149.5
    assert isinstance(report.rows[1].metrics["totalRevenue"], float)
    assert report.currency_code == "EUR" and report.row_count == 2
    q = report.quota
    assert q is not None and q.tokens_per_day is not None
    assert (q.tokens_per_day.consumed, q.tokens_per_day.remaining) == (12, 199788)
    assert q.concurrent_requests is not None and q.concurrent_requests.remaining == 10
    assert report.records()[0]["landingPage"] == "/course"


def test_run_report_pages_with_offset(ga: GoogleAnalyticsClient, api: Any) -> None:
    full = fixture("run_report.json")

    def server(request: httpx.Request) -> httpx.Response:
        b = json.loads(request.content)
        page = dict(full, rows=full["rows"][b["offset"] : b["offset"] + b["limit"]])
        return httpx.Response(200, json=page)

    route = api.post(REPORT_URL).mock(side_effect=server)
    report = ga.run_report(
        metrics=list(ATTRIBUTION_METRICS), dimensions=list(ATTRIBUTION_DIMENSIONS), page_size=1
    )
    assert [(sent(c)["offset"], sent(c)["limit"]) for c in route.calls] == [(0, 1), (1, 1)]
    assert len(report.rows) == 2


def test_batch_run_reports(ga: GoogleAnalyticsClient, api: Any) -> None:
    one = fixture("run_report.json")
    route = api.post(f"{GA}/v1beta/properties/{PROPERTY}:batchRunReports").mock(
        return_value=httpx.Response(
            200, json={"reports": [one, one], "kind": "analyticsData#batchRunReports"}
        )
    )
    reqs = [ReportRequest([("7daysAgo", "today")], ["sessionSource"], ["sessions"], limit=10)] * 2
    reports = ga.batch_run_reports(PROPERTY, reqs)
    assert len(reports) == 2 and reports[1].rows[0].metrics["keyEvents"] == 3
    assert len(sent(route.calls.last)["requests"]) == 2
    with pytest.raises(E.UsageError):
        ga.batch_run_reports(PROPERTY, reqs * 3)


def test_request_limits_checked_before_sending(ga: GoogleAnalyticsClient, api: Any) -> None:
    with pytest.raises(E.UsageError):
        ga.run_report(date_ranges=[("last week", "today")])
    with pytest.raises(E.UsageError):
        ga.run_report(dimensions=[f"d{i}" for i in range(10)])
    with pytest.raises(E.UsageError):
        ga.run_report("properties/abc")
    assert not [c for c in api.calls if "analyticsdata" in str(c.request.url)]


def test_test_connection_shape(ga: GoogleAnalyticsClient, api: Any) -> None:
    route = api.post(REPORT_URL).mock(
        return_value=httpx.Response(200, json=fixture("run_report.json"))
    )
    check = ga.test_connection().to_dict()
    assert check["status"] == "connected"
    assert check["user_id"] == EMAIL and check["organization_id"] == PROPERTY
    assert check["rate_limit"]["rate_limit_remaining"] == 199788
    assert check["rate_limit"]["rate_limit_reset"].endswith(":00:00Z")
    body = sent(route.calls.last)
    assert body["limit"] == 1 and body["dateRanges"] == [
        {"startDate": "yesterday", "endDate": "yesterday"}
    ]


def test_test_connection_without_property(
    ga: GoogleAnalyticsClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOOGLE_ANALYTICS_PROPERTY_ID")
    check = ga.test_connection()
    assert check.status == "error" and "GOOGLE_ANALYTICS_PROPERTY_ID" in check.detail


# the handling matrix ---------------------------------------------------------------------------
def test_403_explains_adding_the_service_account(ga: GoogleAnalyticsClient, api: Any) -> None:
    route = api.post(REPORT_URL).mock(
        return_value=httpx.Response(403, json=fixture("permission_denied_403.json"))
    )
    with pytest.raises(E.PermissionDeniedError) as err:
        ga.run_report(limit=1)
    assert route.call_count == 1
    assert EMAIL in (err.value.hint or "") and f"GA4 property {PROPERTY}" in (err.value.hint or "")
    assert "Viewer" in (err.value.hint or "")


def test_403_service_disabled(ga: GoogleAnalyticsClient, api: Any) -> None:
    api.post(REPORT_URL).mock(
        return_value=httpx.Response(403, json=fixture("service_disabled_403.json"))
    )
    with pytest.raises(E.PermissionDeniedError) as err:
        ga.run_report(limit=1)
    assert "not enabled" in err.value.message and "mktd-test" in (err.value.hint or "")


def test_429_resource_exhausted_is_not_spun(ga: GoogleAnalyticsClient, api: Any) -> None:
    route = api.post(REPORT_URL).mock(
        return_value=httpx.Response(429, json=fixture("resource_exhausted_429.json"))
    )
    with pytest.raises(E.RateLimitError) as err:
        ga.run_report(limit=1)
    assert route.call_count == 1
    assert err.value.retry_after == pytest.approx(1800)  # to the top of the hour
    assert "tokens per hour" in err.value.message


def test_5xx_retried_once_only(ga: GoogleAnalyticsClient, api: Any) -> None:
    route = api.post(REPORT_URL).mock(return_value=httpx.Response(503))
    with pytest.raises(E.ServerError):
        ga.run_report(limit=1)
    assert route.call_count == 2  # server errors use up an hourly quota


def test_400_invalid_argument(ga: GoogleAnalyticsClient, api: Any) -> None:
    route = api.post(REPORT_URL).mock(
        return_value=httpx.Response(400, json=fixture("invalid_argument_400.json"))
    )
    with pytest.raises(E.BadRequestError) as err:
        ga.run_report(limit=1)
    assert "incompatible" in err.value.message and route.call_count == 1


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(
            200, text="<html><body>Error 502</body></html>", headers={"content-type": "text/html"}
        ),
        httpx.Response(
            200,
            text='{"metricHeaders": [{"name": "sessi',
            headers={"content-type": "application/json"},
        ),
        httpx.Response(200, json={"rows": [], "kind": "analyticsData#runReport"}),
        httpx.Response(
            200,
            json={
                "metricHeaders": [{"name": "sessions", "type": "TYPE_INTEGER"}],
                "rows": [{"metricValues": [{"value": "many"}]}],
                "rowCount": 1,
            },
        ),
    ],
    ids=["html", "truncated", "missing-headers", "non-numeric"],
)
def test_malformed_answers(ga: GoogleAnalyticsClient, api: Any, response: httpx.Response) -> None:
    api.post(REPORT_URL).mock(return_value=response)
    with pytest.raises(E.ApiResponseError) as err:
        ga.run_report(limit=1)
    assert "\n" not in str(err.value)


def test_secrets_never_in_error_text(ga: GoogleAnalyticsClient, api: Any) -> None:
    api.post(REPORT_URL).mock(
        side_effect=lambda request: httpx.Response(
            500,
            json={
                "error": {
                    "code": 500,
                    "status": "INTERNAL",
                    "message": "bad " + request.headers["authorization"][7:],
                }
            },
        )
    )
    with pytest.raises(E.ServerError) as err:
        ga.run_report(limit=1)
    assert "ya29.test-token" not in f"{err.value} {err.value.hint} {err.value.to_dict()}"


def test_dry_run_never_shows_the_signed_assertion(
    make_ga: Callable[..., GoogleAnalyticsClient], sa_file: Path, clock: Any
) -> None:
    from mktdirector.agents.ops.checks import dry_run

    def make_client(platform: str, connection: Connection | None = None, **http: Any) -> Any:
        factory = functools.partial(HttpClient, clock=Clock(sleep=clock.sleep), **http)
        conn = connection or Connection("google-analytics", api_key=str(sa_file))
        return GoogleAnalyticsClient(http_factory=factory, connection=conn, config=lambda k: None)

    result = dry_run(make_client, "google-analytics")
    request = result["request"]
    assert request is not None and request["method"] == "POST"
    assert request["url"].endswith("/token")
    assert "assertion=****" in request["body"] and "eyJ" not in request["body"]
