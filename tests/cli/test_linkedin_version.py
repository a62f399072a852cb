"""Issue 11 rough edge: a LinkedIn version LinkedIn has sunset (or one from the future) is
refused at `config set`, and `test-integration linkedin` says so instead of "connected"."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import respx

from mktdirector.core.config_values import linkedin_version_problem

LI = "http://li.test"


def months_from_now(n: int) -> str:
    today = datetime.now(UTC)
    total = today.year * 12 + today.month - 1 + n
    return f"{total // 12}{total % 12 + 1:02d}"


def test_the_rule_matches_linkedin_s_twelve_months():
    dec = datetime(2026, 12, 5, tzinfo=UTC)
    assert linkedin_version_problem("202612", dec) is None
    assert linkedin_version_problem("202512", dec) is None  # 12 months: still served
    assert "sunset" in (linkedin_version_problem("202511", dec) or "")
    assert "future" in (linkedin_version_problem("202701", dec) or "")


def test_config_set_refuses_a_sunset_version_and_writes_nothing(cli, home):
    r = cli("config", "set", "linkedin.version", "201901")
    assert r.exit_code == 2 and "sunset" in r.stderr and "Traceback" not in r.stderr
    assert not (home / "config.toml").exists() or "201901" not in (home / "config.toml").read_text()


def test_config_set_refuses_a_future_version(cli):
    r = cli("config", "set", "linkedin.version", months_from_now(2))
    assert r.exit_code == 2 and "future" in r.stderr


def test_config_set_accepts_this_month_and_a_year_ago(cli):
    assert cli("config", "set", "linkedin.version", months_from_now(0)).exit_code == 0
    assert cli("config", "set", "linkedin.version", months_from_now(-12)).exit_code == 0


def test_test_integration_says_a_sunset_version_instead_of_connected(cli, monkeypatch):
    """A version that aged past its year since it was set (here through the environment)."""
    monkeypatch.setenv("MKTD_LINKEDIN_VERSION", "201901")
    monkeypatch.setenv("MKTD_LINKEDIN_BASE_URL", LI)
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", "li-token-0123456789")
    with respx.mock(assert_all_called=False) as router:
        me = router.get(f"{LI}/v2/userinfo").mock(
            return_value=httpx.Response(200, json={"sub": "abc", "name": "Ann"})
        )
        r = cli("test-integration", "linkedin", "--json")
    said = json.loads(r.stdout or r.stderr)  # a check result, or the error the check stopped on
    text = json.dumps(said)
    assert r.exit_code == 3 and "sunset" in text and "linkedin.version" in text
    assert said.get("status") != "connected" and me.call_count == 0
