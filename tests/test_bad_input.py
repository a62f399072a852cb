"""Every parser meets garbage: a clear MktdError (or a valid result), never a traceback,
and nothing half written (issue 7, part 7). More parsers join this file as they land."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mktdirector.agents.content.brand import parse_brand
from mktdirector.core.config import Config
from mktdirector.core.errors import ApiResponseError, ApiStatusError, MktdError
from mktdirector.core.retry import classify, parse_retry_after

FAST = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# What can arrive in an HTTP header value (printable ASCII).
HEADER = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60)
# Realistic nasties: HTML error pages, truncated JSON, wrong types, missing fields.
BODIES = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    st.sampled_from(
        [
            b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>",
            b'{"data": {"id": "12',
            b'{"data": null}',
            b'{"errors": "not a list"}',
            b"[]",
            b"null",
            b'{"message": 5, "code": {"nested": true}}',
            b"\xff\xfe\x00garbage",
        ]
    ),
)


@FAST
@given(raw=st.binary(max_size=400))
def test_config_toml_garbage_is_a_config_error_and_file_untouched(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("cfg") / "config.toml"
    path.write_bytes(raw)
    try:
        cfg = Config(path)
        for row in cfg.rows(include_defaults=True):
            assert "key" in row
    except MktdError as e:
        assert e.message and "\n" not in e.message.strip()
    assert path.read_bytes() == raw


@FAST
@given(raw=st.binary(max_size=400))
def test_brand_file_garbage(raw):
    try:
        brand = parse_brand(raw)
        assert len(brand.hash) == 12
    except MktdError as e:
        assert e.hint == "mktd brand edit"


@FAST
@given(
    status=st.sampled_from([400, 401, 403, 404, 409, 418, 422, 429, 500, 502, 503]),
    body=BODIES,
    ctype=st.sampled_from(["application/json", "text/html", "text/plain", ""]),
)
def test_error_responses_always_classify_cleanly(status, body, ctype):
    resp = httpx.Response(status, content=body, headers={"content-type": ctype} if ctype else {})
    err = classify(resp, platform="x", method="POST", path="/2/tweets")
    assert isinstance(err, ApiStatusError) and err.status_code == status
    assert len(err.message) < 600


@pytest.mark.slow  # a property test of ~4 s
@FAST
@given(body=BODIES)
def test_success_bodies_we_cannot_use_are_api_response_errors(body):
    from mktdirector.core.http import HttpClient
    from mktdirector.integrations.base import Integration

    class Probe(Integration):
        name = "twitter"
        label = "Probe"
        default_base_url = "http://probe.test"

    client = Probe(http_factory=HttpClient)
    resp = httpx.Response(200, content=body, request=httpx.Request("GET", "http://probe.test/x"))
    try:
        data = client.json(resp, "data.id")
        assert data["data"]["id"] is not None
    except ApiResponseError as e:
        assert e.platform == "twitter" and e.hint


@FAST
@given(value=HEADER, ms=st.one_of(st.none(), HEADER))
def test_retry_after_never_raises(value, ms):
    headers = {"retry-after": value}
    if ms is not None:
        headers["retry-after-ms"] = ms
    got = parse_retry_after(headers, now=1_800_000_000)
    assert got is None or got >= 0


@FAST
@given(text=st.text(max_size=2000))
def test_thread_text_is_split_or_refused_clearly(text):
    from mktdirector.agents.content.agent import body_from_text

    try:
        kind, body = body_from_text("twitter", text)
        assert kind in {"post", "thread"} and body
    except MktdError as e:
        assert e.exit_code == 2 and e.hint


def test_truncated_json_from_a_platform_through_the_cli(cli, monkeypatch):
    import respx

    monkeypatch.setenv("TWITTER_ACCESS_TOKEN", "tok-abcdefgh12")
    monkeypatch.setenv("MKTD_TWITTER_BASE_URL", "http://x.test")
    with respx.mock() as router:
        router.get("http://x.test/2/users/me").mock(
            return_value=httpx.Response(
                200, content=b'{"data": {"id": "4', headers={"content-type": "application/json"}
            )
        )
        r = cli("test-integration", "twitter")
    assert r.exit_code == 6 and "Traceback" not in r.stderr + r.stdout
