"""`mktd test-integration P [--dry-run]` and `mktd test-integrations`."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

TOKEN = "pat-na1-SECRET-0000-1111"


@pytest.mark.parametrize("platform", ["hubspot", "twitter", "linkedin", "sendgrid"])
def test_dry_run_sends_nothing_and_names_missing_credentials(cli, home, platform):
    with respx.mock(assert_all_mocked=True, assert_all_called=False):  # any request would fail
        r = cli("test-integration", platform, "--dry-run", "--json")
    # Issue 11: no credentials is said (exit 3), and no `authorization: ****` pretends one exists.
    assert r.exit_code == 3, r.stderr
    out = json.loads(r.stdout)
    assert out["sent"] is False and out["credentials"].startswith("no credentials")
    assert out["status"] == "missing_credentials" and out["hint"].startswith("mktd authorize")
    headers = {k.lower() for k in out["request"]["headers"]}
    assert out["request"]["method"] == "GET" and "authorization" not in headers
    assert not {"x-api-key", "api-key"} & headers
    assert not home.exists()  # nothing written either


def test_dry_run_with_credentials_masks_them(cli, monkeypatch):
    monkeypatch.setenv("HUBSPOT_API_KEY", TOKEN)
    with respx.mock(assert_all_mocked=True, assert_all_called=False):
        r = cli("test-integration", "hubspot", "--dry-run", "--json")
    out = json.loads(r.stdout)
    assert r.exit_code == 0 and out["request"]["headers"]["authorization"] == "****"
    assert out["credentials"] == "present" and out["request"]["url"].endswith(
        "/account-info/v3/details"
    )
    assert TOKEN not in r.stdout + r.stderr


def test_brief_command_exactly(cli):
    r = cli("test-integration", "hubspot", "--dry-run")
    assert "GET https://api.hubapi.com/account-info/v3/details" in r.stdout
    assert r.exit_code == 3 and "no credentials" in r.stdout and "authorization" not in r.stdout


def test_missing_credentials_exit_3(cli):
    r = cli("test-integration", "twitter", "--json")
    assert r.exit_code == 3 and json.loads(r.stdout)["status"] == "missing_credentials"


def test_connected_twitter_in_brief_shape(cli, monkeypatch):
    monkeypatch.setenv("TWITTER_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("MKTD_TWITTER_BASE_URL", "http://x.test")
    with respx.mock() as router:
        router.get("http://x.test/2/users/me").mock(
            return_value=httpx.Response(
                200,
                json={"data": {"id": "42", "username": "acme", "name": "Acme"}},
                headers={"x-rate-limit-remaining": "74", "x-rate-limit-reset": "1900000000"},
            )
        )
        r = cli("test-integration", "x", "--json")
        text = cli("test-integration", "x")
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["status"] == "connected" and out["platform"] == "twitter" and out["user_id"] == "42"
    assert out["rate_limit"]["rate_limit_remaining"] == 74
    # A person knows their account by its handle, not by X's numeric id (issue 11 rough edge).
    assert out["name"] == "@acme"
    assert "as @acme" in text.stdout and "as 42" not in text.stdout


def test_rejected_key_exits_4_and_test_integrations_exits_6(cli, monkeypatch):
    monkeypatch.setenv("HUBSPOT_API_KEY", TOKEN)
    monkeypatch.setenv("MKTD_HUBSPOT_BASE_URL", "http://hs.test")
    with respx.mock() as router:
        router.get("http://hs.test/account-info/v3/details").mock(
            return_value=httpx.Response(
                401,
                json={
                    "status": "error",
                    "message": "Authentication credentials not found.",
                    "category": "INVALID_AUTHENTICATION",
                },
            )
        )
        one = cli("test-integration", "hubspot", "--json")
        every = cli("test-integrations", "--json")
    assert one.exit_code == 4 and json.loads(one.stdout)["status"] == "error"  # auth: exit 4
    assert every.exit_code == 6
    statuses = {r["platform"]: r["status"] for r in json.loads(every.stdout)}
    assert statuses["hubspot"] == "error" and statuses["linkedin"] == "missing_credentials"
    assert {"linkedin", "twitter", "hubspot", "sendgrid", "google-analytics"} <= set(statuses)
    assert TOKEN not in one.stdout + every.stdout
