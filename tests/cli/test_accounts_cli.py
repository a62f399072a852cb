"""Two accounts on one platform (issue 11 item 2), through `mktd authorize` and `mktd auth`,
against the local X stand-in of test_auth_cli.py (both accounts sign in as its one user)."""

from __future__ import annotations

import json
import time
from contextlib import closing
from typing import Any

import pytest
from test_auth_cli import browser, fake, free_port, run  # noqa: F401

from mktdirector.core.http import Exchange


def _status() -> list[dict[str, Any]]:
    r = run("auth", "status", "--json")
    assert r.exit_code == 0, r.stderr
    return [row for row in json.loads(r.stdout) if row["platform"] == "twitter"]


def _authorize(*extra: str) -> Any:
    r = run("authorize", "twitter", "--port", str(free_port()), *extra, "--json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


@pytest.mark.slow  # two OAuth round trips against a local server, then commands
def test_two_accounts_ambiguity_names_them_and_account_picks_one(fake, browser) -> None:  # noqa: F811
    _authorize("--account", "work")
    _authorize("--account", "home")
    rows = _status()
    assert sorted(r["account"] for r in rows) == ["home", "work"]
    assert not any(r["default"] for r in rows)  # two and no default: nobody is guessed
    ambiguous = run("auth", "logout", "twitter")
    assert ambiguous.exit_code == 3
    assert "home, work" in ambiguous.stderr and "--account" in ambiguous.stderr
    assert "No credentials" not in ambiguous.stderr
    unknown = run("auth", "logout", "twitter", "--account", "wrok")
    assert unknown.exit_code == 3 and "home, work" in unknown.stderr
    out = run("auth", "logout", "twitter", "--account", "home")
    assert out.exit_code == 0, out.stderr
    assert [(r["account"], r["default"]) for r in _status()] == [("work", True)]


def test_reauthorizing_the_same_login_renews_its_account_not_a_third(fake, browser) -> None:  # noqa: F811
    _authorize("--account", "work")
    again = _authorize()  # following an old "run mktd authorize" hint
    assert again["account"] == "work"
    assert [r["account"] for r in _status()] == ["work"]


@pytest.mark.slow  # two OAuth round trips against a local server, then commands
def test_default_account_from_config(fake, browser) -> None:  # noqa: F811
    from mktdirector.cli import config as config_cmd  # noqa: F401 - the command exists

    _authorize("--account", "work")
    _authorize("--account", "home")
    from mktdirector.wiring import Deps

    deps = Deps()
    deps.config.set("twitter.account", "home")
    rows = {r["account"]: r for r in _status()}
    assert rows["home"]["default"] and not rows["work"]["default"]


@pytest.mark.slow  # two OAuth round trips against a local server, then commands
def test_last_success_and_failure_are_per_account(fake, browser) -> None:  # noqa: F811
    _authorize("--account", "work")
    _authorize("--account", "home")
    from mktdirector.wiring import Deps

    with closing(Deps().store) as store:  # closed: on PostgreSQL it holds a connection
        store.record_exchange(Exchange("twitter", "home", "GET", "/2/tweets", 429, 5, 1,
                                       error_kind="rate_limit"))  # fmt: skip
    time.sleep(0.01)
    rows = {r["account"]: r for r in _status()}
    assert rows["home"]["last_failure"] and rows["work"]["last_failure"] is None
    assert rows["work"]["last_success"] and rows["home"]["last_success"]


@pytest.mark.slow  # two OAuth round trips against a local server, then commands
def test_test_integrations_checks_each_account_and_one_names_the_choice(fake, browser) -> None:  # noqa: F811
    from test_auth_cli import mktd_app  # noqa: F401 - same app, plus the check commands
    from typer.testing import CliRunner

    from mktdirector.cli import app as full_app

    _authorize("--account", "work")
    _authorize("--account", "home")
    runner = CliRunner()
    every = runner.invoke(full_app, ["test-integrations", "--json"], catch_exceptions=False)
    x = [r for r in json.loads(every.stdout) if r["platform"] == "twitter"]
    # Each account is checked with its own token. (This stub keeps one live token per user, so
    # the older account's check fails there; the sandbox session test sees both connected.)
    assert [r["account"] for r in x] == ["home", "work"] and x[0]["status"] == "connected"
    assert x[1]["status"] == "error" and every.exit_code == 6
    one = runner.invoke(full_app, ["test-integration", "twitter"], catch_exceptions=False)
    assert one.exit_code == 3 and "home, work" in one.stderr
    picked = runner.invoke(full_app, ["test-integration", "x", "--account", "home", "--json"])
    assert picked.exit_code == 0 and json.loads(picked.stdout)["status"] == "connected"


@pytest.mark.slow  # two OAuth round trips against a local server, then commands
def test_publishing_with_no_account_chosen_saves_and_sends_nothing(fake, browser) -> None:  # noqa: F811
    from typer.testing import CliRunner

    from mktdirector.cli import app as full_app
    from mktdirector.wiring import Deps

    _authorize("--account", "work")
    _authorize("--account", "home")
    runner = CliRunner()
    args = ["social", "twitter", "--text", "Which one?", "--publish", "--yes"]
    r = runner.invoke(full_app, args, catch_exceptions=False)
    assert r.exit_code == 3 and "home, work" in r.stderr
    with closing(Deps().store) as store:
        assert store.list_drafts() == []  # nothing half-written, nothing approved


@pytest.mark.slow  # two OAuth round trips against a local server, then commands
def test_a_scheduled_draft_remembers_the_account_it_will_publish_as(fake, browser) -> None:  # noqa: F811
    from typer.testing import CliRunner

    from mktdirector.cli import app as full_app
    from mktdirector.wiring import Deps

    _authorize("--account", "work")
    runner = CliRunner()

    def mktd(*args: str) -> Any:
        r = runner.invoke(full_app, list(args), catch_exceptions=False)
        assert r.exit_code == 0, r.stderr
        return r

    did = json.loads(mktd("social", "twitter", "--text", "Later, please.", "--json").stdout)["id"]
    mktd("drafts", "approve", did, "--yes")
    mktd("schedule", did, "--at", "in 2h")
    with closing(Deps().store) as store:
        assert store.get_draft(did)["account"] == "work"  # the worker publishes as work


def test_an_environment_token_is_shown_as_a_token_not_an_account(monkeypatch) -> None:
    from mktdirector.core.credentials import Connection
    from mktdirector.wiring import Deps

    assert run("auth", "status", "--json").exit_code == 0  # creates nothing it should not
    deps = Deps()
    deps.credentials.save(Connection("twitter", account="work", access_token="tok-0123456789"))
    deps.close()
    monkeypatch.setenv("TWITTER_ACCESS_TOKEN", "env-token-0123456789")
    rows = {r["account"]: r for r in _status()}
    assert set(rows) == {None, "work"}  # no account called "env"
    assert rows[None]["store"] == "env (TWITTER_ACCESS_TOKEN)" and rows[None]["default"]
    assert not rows["work"]["default"]  # the environment's token wins without --account
    text = run("auth", "status").stdout
    assert "token from $TWITTER_ACCESS_TOKEN [used without --account]" in text
    assert "work (keyring)" in text
    assert "env-token-0123456789" not in text
