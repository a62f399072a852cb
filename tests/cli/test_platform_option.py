"""`--platform` on the CRM and email commands: default from config, checked against the table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

SG = "http://sg.test"


@pytest.fixture(autouse=True)
def vendor_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENDGRID_API_KEY", "SG.platform-option-test-key-0123456789")
    monkeypatch.setenv("SENDGRID_FROM_EMAIL", "news@example.org")
    monkeypatch.setenv("MKTD_SENDGRID_BASE_URL", SG)
    monkeypatch.setenv("HUBSPOT_API_KEY", "pat-na1-0f0f0f0f-1111-2222-3333-abcdefabcdef")


@pytest.mark.parametrize(
    ("args", "hint"),
    # Issue 11: only platforms the command can use (Salesforce, Mailchimp are not built yet).
    [
        (["crm", "sync", "--platform", "sendgrid"], "Hint: Use one of: hubspot"),
        (
            ["crm", "contacts", "get", "a@x.io", "--platform", "x"],
            "Use one of: hubspot",
        ),
        (["email", "stats", "--platform", "hubspot"], "Hint: Use one of: mailchimp, sendgrid"),
        (["email", "cancel", "B1", "--platform", "linkedin"], "Use one of: mailchimp, sendgrid"),
        (
            ["email", "send", "--to", "a@example.org", "--subject", "S", "--platform", "nope"],
            "Use one of: mailchimp, sendgrid",
        ),
    ],
)
def test_a_platform_without_the_capability_is_a_usage_error(cli, args: list[str], hint: str):
    with respx.mock(assert_all_mocked=True) as router:
        r = cli(*args)
        assert not router.calls
    assert r.exit_code == 2
    lines = r.stderr.splitlines()
    assert len(lines) == 2 and "is not a" in lines[0] and "platform" in lines[0]
    assert hint in lines[1]


def test_salesforce_without_credentials_says_how_to_connect(cli):
    # Salesforce was a planned platform ("not supported yet") until issue 15.
    r = cli("crm", "sync", "--platform", "salesforce")
    assert r.exit_code == 3
    assert "No credentials for salesforce." in r.stderr
    assert "mktd authorize salesforce" in r.stderr


def test_config_names_the_default_platform_and_refuses_a_wrong_one(cli):
    assert cli("config", "get", "crm.platform").stdout == "hubspot\n"
    assert cli("config", "get", "email.platform").stdout == "sendgrid\n"
    bad = cli("config", "set", "email.platform", "hubspot")
    assert bad.exit_code == 2 and "mailchimp, sendgrid" in bad.stderr
    assert cli("config", "set", "crm.platform", "salesforce").exit_code == 0
    r = cli("crm", "sync")  # the configured default is used
    assert r.exit_code == 3 and "No credentials for salesforce." in r.stderr
    with respx.mock(assert_all_mocked=True) as router:
        router.get(f"{SG}/v3/stats").mock(return_value=httpx.Response(200, json=[]))
        ok = cli("email", "stats", "--since", "2026-09-01", "--platform", "SendGrid", "--json")
    assert ok.exit_code == 0, ok.stderr
    assert json.loads(ok.stdout)["rows"] == []


def test_a_sent_email_row_carries_its_platform(cli, store: Any, tmp_path: Path):
    body = tmp_path / "b.txt"
    body.write_text("Hello there.\n")
    with respx.mock(assert_all_mocked=True) as router:
        router.post(f"{SG}/v3/mail/send").mock(
            return_value=httpx.Response(202, headers={"X-Message-Id": "msg-1"})
        )
        r = cli("email", "send", "--to", "a@example.org", "--subject", "Hi",
                "--body-file", str(body), "--yes")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    [row] = store.db.query("select platform, status from emails")
    assert row == {"platform": "sendgrid", "status": "sent"}
