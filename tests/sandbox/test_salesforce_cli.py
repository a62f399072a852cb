"""Salesforce through the real commands against the sandbox: authorize (OAuth with PKCE, the
token's instance_url kept), test-integration, crm import/get/sync with --platform salesforce,
a refresh after INVALID_SESSION_ID, and `mktd report` counting leads synced from Salesforce."""

from __future__ import annotations

import json
import re
import socket
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from mktdirector.sandbox import Sandbox

pytestmark = pytest.mark.slow  # the real commands end to end against a sandbox, > 1 s each


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _consent(sandbox_url: str) -> Callable[[str], bool]:
    """The person at the browser: open the authorize URL, press Allow, follow the redirect."""

    def open_browser(url: str) -> bool:
        with httpx.Client(timeout=10) as h:
            page = h.get(url)
            ticket = re.search(r'name="ticket" value="([^"]+)"', page.text)
            action = re.search(r'action="([^"]+)"', page.text)
            assert ticket and action, page.text[:300]
            allowed = h.post(sandbox_url + action.group(1),
                             data={"ticket": ticket.group(1), "decision": "allow"})  # fmt: skip
            assert allowed.status_code == 302
            assert h.get(allowed.headers["location"]).status_code == 200
        return True

    return open_browser


def routes(sb: Sandbox) -> list[str]:
    return [f"{r['route']} {r['outcome']}" for r in sb.emu.recent]


def test_test_integration_reports_daily_api_requests(sb: Sandbox, cli: Any) -> None:
    assert cli("init").exit_code == 0
    r = cli("test-integration", "salesforce", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["status"] == "connected"
    assert data["rate_limit"] == {"rate_limit_remaining": 14999, "rate_limit_reset": None}
    dry = cli("test-integration", "salesforce", "--dry-run")
    assert dry.exit_code == 0 and "/salesforce/services/data/v66.0/limits" in dry.stdout


def test_authorize_keeps_the_instance_url_and_refreshes_once_after_invalid_session(
    sb: Sandbox, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SALESFORCE_ACCESS_TOKEN", "SALESFORCE_INSTANCE_URL", "MKTD_SALESFORCE_BASE_URL"):
        monkeypatch.delenv(name)  # only the token answer can say where the API is
    monkeypatch.setattr(webbrowser, "open", _consent(sb.url))
    assert cli("init").exit_code == 0
    done = cli("authorize", "salesforce", "--port", str(_free_port()))
    assert done.exit_code == 0, done.stderr
    assert "sandy@sandbox.mktd.test" in done.stdout + done.stderr
    r = cli("test-integration", "salesforce", "--json")
    assert json.loads(r.stdout)["status"] == "connected", r.stdout
    assert sb.emu.expire_tokens("salesforce") == 1
    before = len(sb.emu.recent)
    got = cli("crm", "contacts", "get", "nobody@example.org", "--platform", "salesforce")
    assert "has no contact with the email nobody@example.org" in got.stderr
    assert routes(sb)[before:] == [
        "salesforce.describe 401", "salesforce.token 200", "salesforce.describe 200",
        "salesforce.describe 200", "salesforce.query 200", "salesforce.query 200",
    ]  # fmt: skip
    out = cli("auth", "logout", "salesforce", "--json")
    assert out.exit_code == 0, out.stderr
    assert json.loads(out.stdout)["revoked"] is True
    tokens = [t for t in sb.state()["tokens"] if t["platform"] == "salesforce"]
    assert tokens and all(t["revoked"] for t in tokens)  # the refresh token's whole family


def test_import_get_sync_and_the_report_count_salesforce_leads(
    sb: Sandbox, cli: Any, tmp_path: Path
) -> None:
    assert cli("init").exit_code == 0
    posted = cli("social", "twitter", "--text", "New course https://example.com/c", "--publish",
                 "--yes")  # fmt: skip
    assert posted.exit_code == 0, posted.stderr
    csv = tmp_path / "leads.csv"
    csv.write_text("email,firstname,lastname,company\nada@example.org,Ada,Lovelace,Engines\n"
                   "grace@example.org,Grace,Hopper,\n")  # fmt: skip
    r = cli("crm", "contacts", "import", str(csv), "--platform", "salesforce")
    assert r.exit_code == 1  # one bad row, the good one imported
    assert "line 3: Salesforce refused it: REQUIRED_FIELD_MISSING: Required fields are " \
           "missing: [Company]" in r.stdout + r.stderr  # fmt: skip
    assert [x["email"] for x in sb.state()["salesforce"]["leads"]] == ["ada@example.org"]
    got = cli("crm", "contacts", "get", "ada@example.org", "--platform", "salesforce", "--json")
    assert json.loads(got.stdout)["properties"]["company"] == "Engines"
    sb.advance(7 * 86400)  # the post's link brings leads in
    synced = cli("crm", "sync", "--platform", "salesforce", "--json")
    data = json.loads(synced.stdout)
    assert data["contacts"] > 1 and data["linked"] == data["contacts"] - 1
    report = cli("report", "--timeframe", "30d", "--json")
    assert report.exit_code == 0, report.stderr
    assert json.loads(report.stdout)["totals"]["leads"] == data["linked"] > 0
    # The post's leads become members of its campaign's Salesforce Campaign, once.
    first = json.loads(cli("crm", "campaigns", "--platform", "salesforce", "--json").stdout)
    again = json.loads(cli("crm", "campaigns", "--platform", "salesforce", "--json").stdout)
    (made,), (found,) = first["campaigns"], again["campaigns"]
    assert made["created"] and not found["created"] and made["crm_id"] == found["crm_id"]
    assert made["added"] == data["linked"] and (found["added"], found["existing"]) == (
        0,
        made["added"],
    )
    state = sb.state()["salesforce"]
    assert len(state["campaigns"]) == 1 and state["members"] == data["linked"]
    hub = cli("crm", "campaigns", "--platform", "hubspot")
    assert hub.exit_code == 2 and "does not support HubSpot yet" in hub.stderr
