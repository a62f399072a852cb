"""Where the deadlines come from: config keys and environment, per platform (issue 12 item 1)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from hostile_server import HostileServer

from mktdirector.sandbox.env import sandbox_env
from mktdirector.wiring import Deps


def _settings(platform: str | None) -> Any:
    deps = Deps()
    try:
        client = deps.http(platform=platform, base_url="http://127.0.0.1:9")
        return client.settings
    finally:
        deps.close()


def test_defaults_are_a_minute_per_call_and_ten_for_an_upload() -> None:
    s = _settings("twitter")
    assert (s.deadline, s.upload_deadline) == (60.0, 600.0)


def test_the_platform_deadline_wins_over_the_general_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MKTD_HTTP_DEADLINE", "7")
    monkeypatch.setenv("MKTD_TWITTER_DEADLINE", "5")
    assert _settings("twitter").deadline == 5.0
    assert _settings("hubspot").deadline == 7.0
    assert _settings(None).deadline == 7.0


def test_config_set_takes_a_platform_deadline(cli: Any) -> None:
    assert cli("config", "set", "linkedin.deadline", "12").exit_code == 0
    assert _settings("linkedin").deadline == 12.0
    bad = cli("config", "set", "linkedin.deadline", "0", catch_exceptions=True)
    assert bad.exit_code == 2 and "greater than 0" in bad.stderr


@pytest.mark.slow
def test_test_integration_gives_up_by_the_check_deadline(
    cli: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Generous per-call deadline and retries: only the check's own deadline can stop it.
    from mktdirector.agents.ops import checks

    monkeypatch.setattr(checks, "CHECK_DEADLINE", 2.0)
    monkeypatch.setenv("MKTD_HTTP_DEADLINE", "50")
    with HostileServer("idle") as server:
        for name, value in sandbox_env(server.url, tmp_path / "sbx").items():
            monkeypatch.setenv(name, value)
        started = time.monotonic()
        result = cli("test-integration", "twitter", "--json", catch_exceptions=True)
        took = time.monotonic() - started
    assert result.exit_code == 6, result.stderr
    assert "no complete answer within" in result.stdout  # what was left of the 2 s
    assert took < 2.0 + 1.5
