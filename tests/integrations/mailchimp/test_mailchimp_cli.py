"""`mktd email` with Mailchimp, offline: refusals that write and send nothing, the dry run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import respx
from mailchimp_fixtures import KEY


@pytest.fixture
def body(tmp_path: Path) -> Path:
    path = tmp_path / "body.txt"
    path.write_text("Hello https://example.org\n", encoding="utf-8")
    return path


@respx.mock(assert_all_mocked=True)
@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--to", "a@example.org"], "--to do(es) not apply to mailchimp"),
        (["--category", "c"], "--category do(es) not apply to mailchimp"),
        ([], "sends to an audience: give --audience ID"),
        (["--audience", "L1", "--at", "2030-01-01T09:10+00:00"], ":00, :15, :30 and :45"),
        (["--audience", "L1", "--test", "not-an-address"], "is not an email address"),
    ],
)
def test_refusals_exit_2_and_send_and_write_nothing(
    home: Path, cli: Any, body: Path, monkeypatch: Any, args: list[str], says: str
) -> None:
    monkeypatch.setenv("MAILCHIMP_API_KEY", KEY)
    result = cli("email", "send", "--via", "mailchimp", "--subject", "S", "--body-file", str(body),
                 "--yes", *args)  # fmt: skip
    assert result.exit_code == 2 and says in result.stderr
    assert not (home / "mktd.db").exists() or cli("email", "list", "--json").stdout.strip() == "[]"
    assert KEY not in result.stderr + result.stdout


def test_sendgrid_refuses_the_audience_options(home: Path, cli: Any, body: Path) -> None:
    result = cli("email", "send", "--subject", "S", "--body-file", str(body), "--to",
                 "a@example.org", "--audience", "L1", "--segment", "vip")  # fmt: skip
    assert (
        result.exit_code == 2
        and "--audience, --segment do(es) not apply to sendgrid" in result.stderr
    )


@respx.mock(assert_all_mocked=True)
def test_the_dry_run_shows_the_requests_with_the_key_masked_and_sends_nothing(
    home: Path, cli: Any, body: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("MAILCHIMP_API_KEY", KEY)
    result = cli("email", "send", "--via", "mailchimp", "--audience", "L1", "--subject", "S",
                 "--body-file", str(body), "--dry-run", "--json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    first, second = out["requests"]
    assert (
        first["method"] == "POST" and first["url"] == "https://us6.api.mailchimp.com/3.0/campaigns"
    )
    assert second["method"] == "PUT" and "*|UNSUB|*" in json.dumps(second)
    assert out["then"] == ["send"] and KEY not in result.stdout
    assert respx.calls.call_count == 0


def test_the_configured_audience_is_used_without_the_option(
    home: Path, cli: Any, body: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("MAILCHIMP_API_KEY", KEY)
    monkeypatch.setenv("MKTD_MAILCHIMP_AUDIENCE", "L9")
    result = cli("email", "send", "--via", "mailchimp", "--subject", "S", "--body-file", str(body),
                 "--dry-run", "--json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["audience"] == "L9"
