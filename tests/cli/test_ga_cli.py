"""`mktd ga traffic` and `mktd authorize google-analytics` against respx (no network)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mktdirector.agents.analytics.ga_traffic import ga_quota
from mktdirector.wiring import Deps

GA = "http://ga.test"
TOKEN_URL = "http://token.test/token"
PROPERTY = "123456"
REPORT = f"{GA}/v1beta/properties/{PROPERTY}:runReport"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "google_analytics"
DRAFT_AB = "01JDRAFT0000000000000000AB"
ACCESS = "ya29.access-token-for-tests-0001"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture(scope="module")
def pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture
def sa_file(tmp_path: Path, pem: str) -> Path:
    path = tmp_path / "sa.json"
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "mktd-test", "private_key_id": "kid-1",
        "private_key": pem, "client_email": "reader@mktd-test.iam.gserviceaccount.com",
        "token_uri": "https://oauth2.googleapis.com/token",
    }))  # fmt: skip
    return path


@pytest.fixture
def ga_env(monkeypatch: pytest.MonkeyPatch, sa_file: Path) -> None:
    monkeypatch.setenv("MKTD_GOOGLE_ANALYTICS_BASE_URL", GA)
    monkeypatch.setenv("MKTD_GOOGLE_ANALYTICS_TOKEN_URL", TOKEN_URL)
    monkeypatch.setenv("MKTD_MAX_WAIT", "0")


@pytest.fixture
def api(ga_env: None) -> Any:
    with respx.mock(assert_all_mocked=True) as router:
        router.post(TOKEN_URL).mock(
            return_value=httpx.Response(
                200, json={"access_token": ACCESS, "expires_in": 3599, "token_type": "Bearer"}
            )  # fmt: skip
        )
        yield router


def seed_post(store: Any, draft_id: str, url: str) -> None:
    store.insert_draft({"id": draft_id, "platform": "linkedin", "kind": "post", "topic": "AI ROI",
                        "body_json": '["x"]', "content_hash": "h", "status": "published"})  # fmt: skip
    store.db["posts"].insert({"id": "p-" + draft_id, "draft_id": draft_id, "platform": "linkedin",
                              "segment": 0, "status": "published", "url": url})  # fmt: skip


def test_traffic_is_stored_and_grouped_by_post(cli, store, api, monkeypatch, sa_file):
    monkeypatch.setenv("GOOGLE_ANALYTICS_CREDENTIALS_PATH", str(sa_file))
    monkeypatch.setenv("GOOGLE_ANALYTICS_PROPERTY_ID", PROPERTY)
    url = "https://www.linkedin.com/feed/update/urn:li:share:1/"
    seed_post(store, DRAFT_AB, url)
    report = api.post(REPORT).mock(
        return_value=httpx.Response(200, json=fixture("run_report.json"))
    )
    r = cli("ga", "traffic", "--since", "2026-09-01", "--by", "post", "--json")
    assert r.exit_code == 0, r.stderr
    body = json.loads(report.calls.last.request.content)
    assert body["dateRanges"][0]["startDate"] == "2026-09-01" and body["returnPropertyQuota"]
    assert report.calls.last.request.headers["authorization"] == f"Bearer {ACCESS}"
    out = json.loads(r.stdout)
    # Only the row whose utm_content names one of our drafts is a post; the other is not ours.
    assert [g["draft_id"] for g in out["groups"]] == [DRAFT_AB]
    post = out["groups"][0]
    assert post["sessions"] == 42 and post["key_events"] == 3 and post["post_urls"] == [url]
    assert out["totals"]["sessions"] == 59 and out["totals"]["post_sessions"] == 42
    assert out["quota"]["tokens_per_day"]["remaining"] == 199788
    rows = list(store.db.query("select * from traffic_snapshots order by sessions desc"))
    assert len(rows) == 2 and rows[0]["date"] == "2026-09-01" and rows[0]["draft_id"] == DRAFT_AB
    assert rows[1]["draft_id"] is None and rows[1]["ad_content"] == "01JDRAFT0000000000000000CD"

    # Fetching again upserts on the unique key (no duplicates) and drops rows gone upstream.
    changed = copy.deepcopy(fixture("run_report.json"))
    changed["rows"] = changed["rows"][:1]
    changed["rows"][0]["metricValues"][0]["value"] = "50"
    changed["rowCount"] = 1
    report.mock(return_value=httpx.Response(200, json=changed))
    r2 = cli("ga", "traffic", "--since", "2026-09-01", "--by", "campaign")
    assert r2.exit_code == 0, r2.stderr
    rows = list(store.db.query("select sessions from traffic_snapshots"))
    assert rows == [{"sessions": 50}]
    assert "ai-roi" in r2.stdout and "tokens left today" in r2.stderr
    assert ACCESS not in r.stdout + r.stderr + r2.stdout + r2.stderr


def test_traffic_needs_credentials(cli, ga_env):
    r = cli("ga", "traffic")
    assert r.exit_code == 3 and "mktd authorize google-analytics" in r.stderr


def test_permission_denied_explains_adding_the_service_account(cli, api, monkeypatch, sa_file):
    monkeypatch.setenv("GOOGLE_ANALYTICS_CREDENTIALS_PATH", str(sa_file))
    monkeypatch.setenv("GOOGLE_ANALYTICS_PROPERTY_ID", PROPERTY)
    api.post(REPORT).mock(
        return_value=httpx.Response(403, json=fixture("permission_denied_403.json"))
    )
    r = cli("ga", "traffic")
    assert r.exit_code == 4 and "reader@mktd-test.iam.gserviceaccount.com" in r.stderr


def test_ga_quota_for_status(home, api, monkeypatch, sa_file):
    monkeypatch.setenv("GOOGLE_ANALYTICS_CREDENTIALS_PATH", str(sa_file))
    api.post(REPORT).mock(return_value=httpx.Response(200, json=fixture("run_report.json")))
    deps = Deps()
    try:
        client = deps.integration("google-analytics")
        assert ga_quota(client)["error"].startswith("No GA4 property id")
        got = ga_quota(client, PROPERTY)
    finally:
        deps.close()
    assert got["quota"]["tokens_per_hour"]["remaining"] == 39888
    assert "199,788 tokens left today" in got["summary"]
