"""`mktd authorize hubspot|sendgrid`: validate before saving, scopes reported, key age.

`cli/auth.py` owns the `authorize` command; these tests mount `authorize_key_command` under
the same root group class (error mapping, deps lifecycle) the real command uses.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
import respx
import typer
from typer.testing import CliRunner

from mktdirector.agents.auth.keys import key_age_warning
from mktdirector.cli import MktdGroup
from mktdirector.cli.auth_keys import authorize_key_command
from mktdirector.core.credentials import Connection

HS = "http://hs.test"
SG = "http://sg.test"
HS_TOKEN = "pat-eu1-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
SG_KEY = "SG.secretsecretsecret12.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
LEGACY = "8f3b2c1d-aaaa-4bbb-8ccc-0123456789ab"
FIXTURES = Path(__file__).parent.parent / "fixtures"

app = typer.Typer(cls=MktdGroup)


@app.callback()
def _root() -> None:
    """Test root."""


@app.command("authorize")
def _authorize(
    platform: str,
    from_stdin: Annotated[bool, typer.Option("--from-stdin")] = False,
    credentials: Annotated[str | None, typer.Option("--credentials")] = None,
    property_id: Annotated[str | None, typer.Option("--property-id")] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    authorize_key_command(platform, from_stdin, credentials, property_id, json_out)


def run(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(app, list(args), input=input, catch_exceptions=False, color=False)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture(autouse=True)
def base_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MKTD_HUBSPOT_BASE_URL", HS)
    monkeypatch.setenv("MKTD_SENDGRID_BASE_URL", SG)


def saved(memory_keyring: Any, platform: str) -> dict[str, Any] | None:
    raw = memory_keyring.passwords.get(("mktd", f"{platform}:default"))
    return json.loads(raw) if raw else None


def test_hubspot_key_validated_then_saved_with_its_age(memory_keyring, store):
    with respx.mock(assert_all_mocked=True) as router:
        route = router.get(f"{HS}/account-info/v3/details").mock(
            return_value=httpx.Response(200, json=fixture("hubspot/account_info.json"))
        )
        r = run("authorize", "hubspot", "--from-stdin", input=HS_TOKEN + "\n")
    assert r.exit_code == 0, r.output
    assert route.calls.last.request.headers["authorization"] == f"Bearer {HS_TOKEN}"
    conn = saved(memory_keyring, "hubspot")
    assert conn["api_key"] == HS_TOKEN and conn["user_id"] == "4455667"
    assert abs(conn["obtained_at"] - time.time()) < 60
    row = store.connections("hubspot")[0]
    assert row["obtained_utc"] and row["user_id"] == "4455667"
    event = store.auth_events("hubspot")[0]
    assert event["event"] == "authorize" and event["ok"] == 1
    assert "portal 4455667" in r.output and HS_TOKEN not in r.output


def test_invalid_key_is_not_saved(memory_keyring, store):
    with respx.mock(assert_all_mocked=True) as router:
        router.get(f"{HS}/account-info/v3/details").mock(
            return_value=httpx.Response(401, json=fixture("hubspot/unauthorized_401.json"))
        )
        r = run("authorize", "hubspot", "--from-stdin", input=HS_TOKEN)
    assert r.exit_code == 4
    assert memory_keyring.passwords == {}
    assert store.connections() == [] and store.db["secrets"].count == 0
    assert store.auth_events("hubspot")[0]["ok"] == 0
    assert "rejected the token" in r.output and HS_TOKEN not in r.output


def test_invalid_key_not_saved_in_the_encrypted_store_either(fail_keyring, monkeypatch, store):
    from cryptography.fernet import Fernet

    monkeypatch.setenv("MKTD_SECRET_KEY", Fernet.generate_key().decode())
    with respx.mock(assert_all_mocked=True) as router:
        router.get(f"{SG}/v3/scopes").mock(
            return_value=httpx.Response(401, json=fixture("sendgrid/unauthorized_401.json"))
        )
        r = run("authorize", "sendgrid", "--from-stdin", input=SG_KEY)
    assert r.exit_code == 4 and store.db["secrets"].count == 0 and store.connections() == []


def test_legacy_hapikey_refused_without_a_request(memory_keyring):
    with respx.mock(assert_all_mocked=True) as router:
        r = run("authorize", "hubspot", "--from-stdin", input=LEGACY)
        assert router.calls.call_count == 0
    assert r.exit_code == 3
    assert "legacy HubSpot API key (hapikey)" in r.output and "Private Apps" in r.output
    assert memory_keyring.passwords == {}


def test_sendgrid_missing_scopes_are_reported(memory_keyring):
    with respx.mock(assert_all_mocked=True) as router:
        router.get(f"{SG}/v3/scopes").mock(
            return_value=httpx.Response(200, json=fixture("sendgrid/scopes_stats_only.json"))
        )
        r = run("authorize", "sendgrid", "--from-stdin", "--json", input=SG_KEY)
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["missing_scopes"]["send email"] == ["mail.send"]
    assert any("cannot send email (needs mail.send)" in w for w in out["warnings"])
    conn = saved(memory_keyring, "sendgrid")
    assert conn["api_key"] == SG_KEY and conn["scopes"] == ["categories.stats.read", "stats.read"]
    assert SG_KEY not in r.output


def test_hidden_prompt_does_not_echo_the_key(memory_keyring):
    with respx.mock(assert_all_mocked=True) as router:
        router.get(f"{SG}/v3/scopes").mock(
            return_value=httpx.Response(200, json=fixture("sendgrid/scopes_full.json"))
        )
        r = run("authorize", "sendgrid", input=SG_KEY + "\n")
    assert r.exit_code == 0, r.output
    assert "SendGrid API key" in r.output and SG_KEY not in r.output
    assert saved(memory_keyring, "sendgrid")["api_key"] == SG_KEY


def test_same_key_again_keeps_its_age_and_env_key_is_noted(memory_keyring, monkeypatch):
    old = time.time() - 100 * 86400
    memory_keyring.passwords[("mktd", "sendgrid:default")] = Connection(
        "sendgrid", api_key=SG_KEY, obtained_at=old
    ).to_json()
    monkeypatch.setenv("SENDGRID_API_KEY", "SG.fromenvfromenvfrom.ENVENVENVENVENVENVENVENVENV")
    with respx.mock(assert_all_mocked=True) as router:
        router.get(f"{SG}/v3/scopes").mock(
            return_value=httpx.Response(200, json=fixture("sendgrid/scopes_full.json"))
        )
        r = run("authorize", "sendgrid", "--from-stdin", input=SG_KEY)
    assert r.exit_code == 0, r.output
    assert saved(memory_keyring, "sendgrid")["obtained_at"] == pytest.approx(old)
    assert "SENDGRID_API_KEY is set" in r.output


def test_credentials_flag_is_for_google_analytics_only():
    r = run("authorize", "hubspot", "--credentials", "key.json")
    assert r.exit_code == 2 and "--credentials is for google-analytics" in r.output


def test_key_age_warning_after_90_days():
    now = 1_800_000_000.0
    fresh = Connection("hubspot", api_key="k", obtained_at=now - 89 * 86400)
    old = Connection("hubspot", api_key="k", obtained_at=now - 91 * 86400)
    assert key_age_warning(fresh, now) is None
    warning = key_age_warning(old, now)
    assert warning and "91 days" in warning and "rotate it" in warning
    assert "mktd authorize hubspot" in warning
    row = {"platform": "sendgrid", "account": "default", "obtained_utc": "2026-01-01T00:00:00Z"}
    assert "rotate it" in (key_age_warning(row, now=1_800_000_000.0) or "")
    oauth = Connection("twitter", access_token="t", obtained_at=now - 365 * 86400)
    assert key_age_warning(oauth, now) is None  # OAuth tokens expire and refresh instead
    assert key_age_warning(Connection("hubspot", api_key="k"), now) is None  # env: unknown age


# Google Analytics 4 ----------------------------------------------------------------------------
GA = "http://ga.test"
TOKEN_URL = "http://token.test/token"
REPORT = f"{GA}/v1beta/properties/123456:runReport"


@pytest.fixture
def sa_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    monkeypatch.setenv("MKTD_GOOGLE_ANALYTICS_BASE_URL", GA)
    monkeypatch.setenv("MKTD_GOOGLE_ANALYTICS_TOKEN_URL", TOKEN_URL)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path = tmp_path / "sa.json"
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "mktd-test", "private_key_id": "kid-1",
        "private_key": pem, "client_email": "reader@mktd-test.iam.gserviceaccount.com",
    }))  # fmt: skip
    return path


def test_service_account_saved_only_when_the_property_reads(sa_file, memory_keyring):
    with respx.mock(assert_all_mocked=True) as router:
        router.post(TOKEN_URL).mock(
            return_value=httpx.Response(
                200, json={"access_token": "ya29.t0k3n-for-tests", "expires_in": 3599}
            )  # fmt: skip
        )
        report = router.post(REPORT).mock(
            return_value=httpx.Response(
                403, json=fixture("google_analytics/permission_denied_403.json")
            )
        )
        r = run("authorize", "ga", "--credentials", str(sa_file), "--property-id", "123456")
        assert r.exit_code == 4 and memory_keyring.passwords == {}
        assert "Add the service account email" in r.output
        report.mock(
            return_value=httpx.Response(200, json=fixture("google_analytics/run_report.json"))
        )
        r = run("authorize", "ga", "--credentials", str(sa_file), "--property-id", "123456",
                "--json")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert json.loads(report.calls.last.request.content)["limit"] == 1
    out = json.loads(r.stdout)
    assert out["identity"] == "reader@mktd-test.iam.gserviceaccount.com"
    assert out["quota"]["tokens_per_day"]["remaining"] == 199788
    conn = json.loads(memory_keyring.passwords[("mktd", "google-analytics:default")])
    assert conn["extra"]["property_id"] == "123456" and '"private_key"' in conn["api_key"]
    assert "PRIVATE KEY" not in r.output and "ya29" not in r.output


def test_service_account_json_from_stdin(sa_file, memory_keyring, monkeypatch):
    monkeypatch.setenv("GOOGLE_ANALYTICS_PROPERTY_ID", "123456")
    with respx.mock(assert_all_mocked=True) as router:
        router.post(TOKEN_URL).mock(
            return_value=httpx.Response(
                200, json={"access_token": "ya29.t0k3n-for-tests", "expires_in": 3599}
            )  # fmt: skip
        )
        router.post(REPORT).mock(
            return_value=httpx.Response(200, json=fixture("google_analytics/run_report.json"))
        )
        r = run("authorize", "google-analytics", "--from-stdin", input=sa_file.read_text())
    assert r.exit_code == 0, r.output
    assert ("mktd", "google-analytics:default") in memory_keyring.passwords
    assert "GA4 tokens left today: 199,788" in r.output
