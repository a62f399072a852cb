"""People on a team: who edited, approved and published a draft (MKTD_USER, else the OS
user), kept in the shared database and shown by `drafts show`."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

import pg_fixture

LI = "http://li.test"
pytestmark = pytest.mark.slow  # eight CLI runs per test on each backend


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "postgres":
        monkeypatch.setenv("MKTD_DATABASE_URL", pg_fixture.migrated_url())
    return str(request.param)


def test_each_step_records_who_took_it(
    cli: Any, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MKTD_LINKEDIN_BASE_URL", LI)
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", "li-token-SECRET-0123456789")
    monkeypatch.setenv("MKTD_USER", "ann")
    d = json.loads(cli("social", "linkedin", "--text", "First words", "--json").stdout)
    script = tmp_path / "ed.sh"
    script.write_text('#!/bin/sh\nprintf "Better words" > "$1"\n')
    script.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(script))
    monkeypatch.setenv("MKTD_USER", "bob")
    assert cli("drafts", "edit", d["id"]).exit_code == 0
    monkeypatch.setenv("MKTD_USER", "carol")
    assert cli("drafts", "approve", d["id"], "--yes").exit_code == 0
    monkeypatch.setenv("MKTD_USER", "dave")
    with respx.mock(assert_all_called=False) as router:
        router.get(f"{LI}/v2/userinfo").respond(200, json={"sub": "abc", "name": "Ann"})
        router.post(f"{LI}/rest/posts").mock(
            return_value=httpx.Response(201, json={}, headers={"x-restli-id": "urn:li:share:7"})
        )
        r = cli("publish", d["id"], "--yes")
    assert r.exit_code == 0, r.stderr
    shown = json.loads(cli("drafts", "show", d["id"], "--json").stdout)
    assert (shown["edited_by"], shown["approved_by"], shown["published_by"]) == (
        "bob", "carol", "dave"
    )  # fmt: skip
    text = cli("drafts", "show", d["id"]).stdout
    assert "edited by bob · approved by carol · published by dave" in text
    report = json.loads(cli("report", "--json").stdout)
    assert [(p["draft_id"], p["approved_by"], p["published_by"]) for p in report["posts"]] == [
        (d["id"], "carol", "dave")
    ]
    csv_head, csv_row = cli("report", "--format", "csv").stdout.splitlines()
    picked = dict(zip(csv_head.split(","), csv_row.split(","), strict=True))
    assert (picked["approved_by"], picked["published_by"]) == ("carol", "dave")
    # The audit log names dave on every call of his publish (issue 16), on both backends.
    calls = [
        json.loads(line) for line in cli("logs", "--draft", d["id"], "--json").stdout.splitlines()
    ]
    assert [(c["method"], c["actor"]) for c in calls] == [("GET", "dave"), ("POST", "dave")]
    everything = cli("logs", "--json").stdout + cli("report", "--format", "csv").stdout
    assert "li-token-SECRET-0123456789" not in everything


def test_an_edit_after_approval_clears_the_approver(
    cli: Any, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MKTD_USER", raising=False)
    d = json.loads(cli("social", "linkedin", "--text", "Words", "--json").stdout)
    assert cli("drafts", "approve", d["id"], "--yes").exit_code == 0
    assert json.loads(cli("drafts", "show", d["id"], "--json").stdout)["approved_by"] == (
        getpass.getuser()
    )
    script = tmp_path / "ed.sh"
    script.write_text('#!/bin/sh\nprintf "Other words" > "$1"\n')
    script.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(script))
    monkeypatch.setenv("MKTD_USER", "eve")
    assert cli("drafts", "edit", d["id"]).exit_code == 0
    shown = json.loads(cli("drafts", "show", d["id"], "--json").stdout)
    assert (shown["status"], shown["approved_by"], shown["edited_by"]) == ("draft", None, "eve")
