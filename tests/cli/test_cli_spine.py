"""The spine's commands and the CLI's error contract: exit codes, one-line errors, hints."""

from __future__ import annotations

import json
import sqlite3
import stat
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from mktdirector.core import errors as E
from mktdirector.core.credentials import Connection, CredentialStore, KeyringBackend
from mktdirector.core.http import Exchange
from mktdirector.core.platforms import PLATFORMS
from mktdirector.store.sqlite import db as store_db


@pytest.fixture
def extra_command() -> Iterator[Callable[[str, Callable[..., Any]], None]]:
    """Register a test-only command on the real app, removed afterwards."""
    from mktdirector.cli import app

    added: list[Any] = []

    def add(name: str, fn: Callable[..., Any]) -> None:
        app.command(name)(fn)
        added.append(app.registered_commands[-1])

    yield add
    for info in added:
        app.registered_commands.remove(info)


def raise_kind(kind: str) -> None:
    """Raise one error of each class."""
    api = dict(platform="sandbox", status_code=0, method="GET", path="/x")
    errors: dict[str, Exception] = {
        "usage": E.UsageError("bad flag combination", hint="mktd social --help"),
        "config": E.ConfigError("broken setting", hint="mktd config show"),
        "missing": E.MissingCredentialError("linkedin"),
        "credstore": E.CredentialStoreError("no keyring", hint="set MKTD_SECRET_KEY"),
        "auth": E.AuthenticationError(
            "token rejected", hint="mktd authorize sandbox", **{**api, "status_code": 401}
        ),
        "permission": E.PermissionDeniedError(
            "scope missing", hint="mktd authorize sandbox", **{**api, "status_code": 403}
        ),
        "ratelimit": E.RateLimitError(
            "slow down", retry_after=60.0, hint="mktd worker", **{**api, "status_code": 429}
        ),
        "server": E.ServerError(
            "upstream broke", hint="retry later", **{**api, "status_code": 502}
        ),
        "network": E.ApiConnectionError("no route", platform="sandbox", hint="check network"),
        "store": E.StoreError("database refused", hint="mktd init"),
        "sqlite": sqlite3.OperationalError("database is locked"),
    }
    raise errors[kind]


EXIT_TABLE = [
    ("usage", 2, "bad flag combination", "mktd social --help"),
    ("config", 3, "broken setting", "mktd config show"),
    ("missing", 3, "No credentials for linkedin.", "mktd authorize linkedin"),
    ("credstore", 3, "no keyring", "set MKTD_SECRET_KEY"),
    ("auth", 4, "token rejected", "mktd authorize sandbox"),
    ("permission", 4, "scope missing", "mktd authorize sandbox"),
    ("ratelimit", 5, "slow down", "mktd worker"),
    ("server", 6, "upstream broke", "retry later"),
    ("network", 6, "no route", "check network"),
    ("store", 1, "database refused", "mktd init"),
    (
        "sqlite",
        1,
        "is locked by another mktd process",
        "Wait for the other process (a worker?) to finish, then retry",
    ),
]


@pytest.mark.parametrize(("kind", "code", "message", "hint"), EXIT_TABLE)
def test_exit_code_message_and_hint_per_error_class(cli, extra_command, kind, code, message, hint):  # type: ignore[no-untyped-def]
    extra_command("raise-test", raise_kind)
    result = cli("raise-test", kind)
    assert result.exit_code == code
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("Error: ") and message in lines[0]
    assert lines[1] == f"Hint: {hint}"
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("kind", "code", "message", "hint"), EXIT_TABLE[:9])
def test_errors_as_json_with_json_flag(cli, extra_command, kind, code, message, hint):  # type: ignore[no-untyped-def]
    def raise_json(kind: str, json_out: bool = False) -> None:
        raise_kind(kind)

    import typer

    def cmd(kind: str, json_out: bool = typer.Option(False, "--json")) -> None:
        raise_json(kind, json_out)

    extra_command("raise-json", cmd)
    result = cli("raise-json", kind, "--json")
    assert result.exit_code == code
    data = json.loads(result.stderr)
    assert message in data["message"] and data["hint"] == hint
    assert data["error"] == raise_kind_error(kind).kind


def raise_kind_error(kind: str) -> E.MktdError:
    try:
        raise_kind(kind)
    except E.MktdError as e:
        return e
    raise AssertionError


def test_rate_limit_json_carries_retry_after(cli, extra_command) -> None:  # type: ignore[no-untyped-def]
    import typer

    def cmd(json_out: bool = typer.Option(False, "--json")) -> None:
        raise_kind("ratelimit")

    extra_command("raise-rl", cmd)
    result = cli("raise-rl", "--json")
    assert json.loads(result.stderr) == {
        "error": "rate_limit",
        "message": "slow down",
        "hint": "mktd worker",
        "status": 429,
        "code": None,
        "request_id": None,
        "retry_after": 60.0,
    }


def test_traceback_only_with_mktd_debug(cli, extra_command, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    extra_command("raise-test", raise_kind)
    monkeypatch.setenv("MKTD_DEBUG", "1")
    result = cli("raise-test", "server")
    assert result.exit_code == 6
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.rstrip().endswith("Hint: retry later")


def test_bugs_are_not_swallowed(cli, extra_command) -> None:  # type: ignore[no-untyped-def]
    def boom() -> None:
        raise RuntimeError("a real bug")

    extra_command("boom", boom)
    with pytest.raises(RuntimeError):
        cli("boom")


@pytest.mark.parametrize(
    "args",
    [["no-such-command"], ["logs", "--limit", "0"], ["status", "--bogus"], ["config", "get"]],
)
def test_click_usage_errors_exit_2(cli, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert cli(args).exit_code == 2


def test_version_and_help(cli) -> None:  # type: ignore[no-untyped-def]
    from mktdirector import __version__

    assert cli("--version").stdout == f"mktd {__version__}\n"
    result = cli("--help")
    assert result.exit_code == 0
    for name in ("init", "status", "logs", "config"):
        assert f"  {name} " in result.stdout
    assert "\x1b[" not in result.stdout


# --- init ----------------------------------------------------------------------------------------


def snapshot(home: Path) -> dict[str, tuple[int, int | None, bytes | None]]:
    """Mode, and for files mtime and content. (SQLite's -wal/-shm files come and go while the
    database is open, which touches the directory's mtime; the directories' contents are
    compared through their files.)"""
    out = {}
    for p in sorted([home, *home.rglob("*")]):
        st = p.stat()
        is_file = p.is_file()
        out[str(p.relative_to(home))] = (
            stat.S_IMODE(st.st_mode),
            st.st_mtime_ns if is_file else None,
            p.read_bytes() if is_file else None,
        )
    return out


def test_init_creates_private_files_and_twice_changes_nothing(cli, home: Path) -> None:  # type: ignore[no-untyped-def]
    first = cli("init")
    assert first.exit_code == 0, first.stderr
    assert first.stdout.count("created") == 5
    modes = {k: v[0] for k, v in snapshot(home).items()}
    assert modes == {
        ".": 0o700,
        "brand.toml": 0o600,
        "config.toml": 0o600,
        "logs": 0o700,
        "logs/mktd.log": 0o600,
        "mktd.db": 0o600,
    }
    brand = tomllib.loads((home / "brand.toml").read_text())
    assert {"company", "audience", "tone", "avoid", "hashtags", "examples"} <= set(brand)
    assert tomllib.loads((home / "config.toml").read_text()) == {}
    assert (home / "brand.toml").read_text().startswith("#")

    before = snapshot(home)
    second = cli("init", "--json")
    assert second.exit_code == 0
    assert [f["created"] for f in json.loads(second.stdout)["files"]] == [False] * 5
    assert snapshot(home) == before


def test_init_keeps_user_edits(cli, home: Path) -> None:  # type: ignore[no-untyped-def]
    cli("init")
    (home / "brand.toml").write_text('company = "Mine"\n')
    cli("init")
    assert (home / "brand.toml").read_text() == 'company = "Mine"\n'


def test_generate_secret_key_prints_a_fernet_key_and_writes_nothing(cli, home: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("init", "--generate-secret-key")
    assert result.exit_code == 0
    key = result.stdout.strip()
    Fernet(key.encode())  # valid
    assert len(result.stdout.splitlines()) == 1
    assert "MKTD_SECRET_KEY" in result.stderr
    assert not home.exists()
    again = json.loads(cli("init", "--generate-secret-key", "--json").stdout)["secret_key"]
    assert again != key
    Fernet(again.encode())


def test_unwritable_home_is_a_config_error(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("MKTD_HOME", str(blocker / "home"))
    for args in (["init"], ["config", "set", "llm.model", "m"]):
        result = cli(args)
        assert result.exit_code == 3, result.stderr
        lines = result.stderr.splitlines()
        assert len(lines) == 2 and str(blocker / "home") in lines[0]
        assert "MKTD_HOME" in lines[1]


# --- config ---------------------------------------------------------------------------------------


def test_config_set_get_show(cli, home: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert cli("config", "set", "http.timeout", "12").exit_code == 0
    assert cli("config", "get", "http.timeout").stdout == "12.0\n"
    assert json.loads(cli("config", "get", "llm.model", "--json").stdout) == {
        "key": "llm.model",
        "value": "gpt-5-mini",
        "source": "default",
    }
    monkeypatch.setenv("MKTD_MODEL", "env-model")
    result = cli("config", "set", "llm.model", "file-model")
    assert "MKTD_MODEL is set and overrides this value" in result.stderr
    rows = {r["key"]: r for r in json.loads(cli("config", "show", "--json").stdout)}
    assert rows["llm.model"] == {
        "key": "llm.model",
        "value": "env-model",
        "source": "env:MKTD_MODEL",
    }
    assert rows["http.timeout"]["source"] == "config"
    all_rows = {r["key"] for r in json.loads(cli("config", "show", "--all", "--json").stdout)}
    assert {"http.max_retries", "*.base_url", "secrets.store"} <= all_rows
    assert cli("config", "unset", "http.timeout").exit_code == 0
    assert cli("config", "get", "http.timeout").stdout == "30.0\n"


@pytest.mark.parametrize(
    "args",
    [
        ["config", "set", "llm.modle", "x"],
        ["config", "get", "nosuch.key"],
        ["config", "set", "myspace.base_url", "https://x"],
    ],
)
def test_unknown_config_key_exits_2_with_hint(cli, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    result = cli(args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[1] == "Hint: mktd config show --all lists every key"


def test_invalid_config_value_exits_2(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("config", "set", "http.timeout", "soon")
    assert result.exit_code == 2
    assert "Invalid value for http.timeout" in result.stderr


@pytest.mark.parametrize("args", [["config", "show"], ["status"], ["config", "get", "llm.model"]])
def test_corrupt_config_toml_exits_3_in_one_line(cli, home: Path, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    cli("init")
    (home / "config.toml").write_text("[llm\nmodel = 'x'\n")
    result = cli(args)
    assert result.exit_code == 3
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("Error: ") and "is not valid TOML" in lines[0]
    assert lines[1].startswith("Hint: Fix or delete")
    assert "Traceback" not in result.stderr


# --- the database locked by another process -------------------------------------------------------


def test_locked_new_database_exits_1(cli, home: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_S", 0.2)
    home.mkdir(mode=0o700)
    other = sqlite3.connect(home / "mktd.db", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        result = cli("init")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"Error: The database {home / 'mktd.db'} is locked by another mktd process."
    assert lines[1].startswith("Hint: Wait for the other process")
    assert cli("init").exit_code == 0  # and it works once the lock is gone


def test_write_to_locked_database_exits_1(cli, home: Path, extra_command, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from mktdirector.cli import _deps

    def write_audit() -> None:
        _deps.current().store.record_exchange(Exchange("sandbox", None, "GET", "/x", 200, 1, 1))

    extra_command("write-audit", write_audit)
    assert cli("init").exit_code == 0
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_S", 0.2)
    other = sqlite3.connect(home / "mktd.db", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        result = cli("write-audit")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result.exit_code == 1
    assert "is locked by another mktd process" in result.stderr
    assert "Traceback" not in result.stderr
    assert cli("write-audit").exit_code == 0


def test_newer_database_is_refused_by_commands(cli, home: Path) -> None:  # type: ignore[no-untyped-def]
    cli("init")
    conn = sqlite3.connect(home / "mktd.db")
    with conn:
        conn.execute(
            "insert into _sqlite_migrations (migration_set, name, applied_at) "
            "values ('mktd', 'm999_future', 'x')"
        )
    conn.close()
    result = cli("logs")
    assert result.exit_code == 1
    assert "newer mktd" in result.stderr and "Hint: Upgrade mktd" in result.stderr
    status = json.loads(cli("status", "--json").stdout)
    assert "newer mktd" in status["database"]["error"]


# --- logs -------------------------------------------------------------------------------------------


@pytest.fixture
def seeded(store) -> Any:  # type: ignore[no-untyped-def]
    rows = [
        Exchange("twitter", "a", "GET", "/2/users/me", 200, 5, 1),
        Exchange("twitter", "a", "POST", "/2/tweets", 429, 7, 1, error_kind="rate_limit"),
        Exchange("linkedin", "b", "POST", "/rest/posts", 500, 9, 1, error_kind="server"),
        Exchange("twitter", "a", "POST", "/2/tweets", None, 3, 2, error_kind="network"),
        Exchange("hubspot", None, "GET", "/crm/v3/objects/contacts", 200, 4, 1),
    ]
    for r in rows:
        store.record_exchange(r)
    store.close()
    return store


def test_logs_errors_platform_json(cli, seeded) -> None:  # type: ignore[no-untyped-def]
    result = cli("logs", "--errors", "--platform", "x", "--json")
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["platform"], r["status"], r["error_kind"], r["attempt"]) for r in lines] == [
        ("twitter", 429, "rate_limit", 1),
        ("twitter", None, "network", 2),
    ]
    assert set(lines[0]) == {
        "id",
        "time_utc",
        "platform",
        "account",
        "method",
        "path",
        "status",
        "duration_ms",
        "attempt",
        "request_id",
        "error_kind",
        "error_code",
        "rate_remaining",
        "rate_reset_utc",
        "correlation_id",  # m012: the draft, job or run the call was made for
        "actor",  # m025: who caused it
    }


def test_logs_filters_and_limit(cli, seeded) -> None:  # type: ignore[no-untyped-def]
    def platforms(*args: str) -> list[str]:
        out = cli("logs", "--json", *args).stdout.splitlines()
        return [json.loads(line)["platform"] for line in out]

    assert platforms() == ["twitter", "twitter", "linkedin", "twitter", "hubspot"]
    assert platforms("--errors") == ["twitter", "linkedin", "twitter"]
    assert platforms("--platform", "linkedin") == ["linkedin"]
    assert platforms("-n", "2") == ["twitter", "hubspot"]
    table = cli("logs", env={"COLUMNS": "200"})  # rich would shorten cells at 80 columns
    assert table.exit_code == 0
    assert "/rest/posts" in table.stdout and "rate_limit" in table.stdout


def test_logs_unknown_platform_and_empty(cli, home: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("logs", "--platform", "myspace")
    assert result.exit_code == 2 and "Unknown platform" in result.stderr
    result = cli("logs")
    assert result.exit_code == 0 and "no database" in result.stderr and result.stdout == ""
    assert not home.exists()  # reading logs creates nothing


def test_logs_follow_prints_new_calls(cli, seeded, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import time

    from mktdirector.store import Store

    def arrive(_seconds: float) -> None:  # a call is logged by another process meanwhile
        s = Store(seeded.path)
        s.record_exchange(Exchange("sendgrid", None, "POST", "/v3/mail/send", 202, 8, 1))
        s.close()

    monkeypatch.setattr(time, "sleep", arrive)
    result = cli("logs", "--follow", "--json", "--max-polls", "2", "--interval", "0", "-n", "1")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["platform"] for r in lines] == ["hubspot", "sendgrid", "sendgrid"]
    assert len({r["id"] for r in lines}) == 3


def test_logs_follow_as_text_prints_the_header_once(cli, seeded, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Followed calls are lines under one header, like tail -f (it reprinted a table per row)."""
    import time

    from mktdirector.store import Store

    def arrive(_seconds: float) -> None:
        s = Store(seeded.path)
        s.record_exchange(Exchange("sendgrid", None, "POST", "/v3/mail/send", 202, 8, 1))
        s.close()

    monkeypatch.setattr(time, "sleep", arrive)
    out = cli("logs", "--follow", "--max-polls", "3", "--interval", "0", "-n", "1").stdout
    lines = [line for line in out.splitlines() if line.strip()]
    assert sum(1 for line in lines if line.split()[:2] == ["time", "platform"]) == 1, out
    assert [line.split()[1] for line in lines[1:]] == [
        "hubspot",
        "sendgrid",
        "sendgrid",
        "sendgrid",
    ]
    assert all("/v3/mail/send" in line for line in lines[2:])


# --- status -----------------------------------------------------------------------------------------

PLATFORM_KEYS = {
    "platform",
    "label",
    "ready",
    "credentials",
    "accounts",
    "calls_24h",
    "errors_24h",
    "last_ok",
    "last_error",
}


def test_status_json_shape_before_init(cli, home: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("status", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) == {"home", "initialized", "database", "secret_store", "platforms"}
    assert data["home"] == str(home) and data["initialized"] is False
    assert data["database"] == {"path": str(home / "mktd.db"), "exists": False}
    assert [p["platform"] for p in data["platforms"]] == list(PLATFORMS)
    assert all(set(p) == PLATFORM_KEYS for p in data["platforms"])
    assert data["secret_store"] == "keyring (conftest)"
    assert not home.exists()  # status creates nothing


def test_status_json_after_init_with_credentials_and_calls(cli, home: Path, store, monkeypatch):  # type: ignore[no-untyped-def]
    cli("init")
    CredentialStore(backend=KeyringBackend, index=lambda: store).save(
        Connection("twitter", "brand", access_token="tw-token-abcdef123456")
    )
    store.record_exchange(Exchange("twitter", "brand", "GET", "/2/users/me", 200, 5, 1))
    store.record_exchange(
        Exchange("twitter", "brand", "GET", "/2/users/me", 503, 5, 2, error_kind="server")
    )
    store.notify("auth", "s", "m")
    store.close()
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", "li-env-token-abcdef123456")
    result = cli("status", "--json")
    data = json.loads(result.stdout)
    assert data["initialized"] is True and data["database"]["exists"] is True
    assert data["database"]["size_bytes"] > 0
    assert data["notifications_unread"] == 1
    by_id = {p["platform"]: p for p in data["platforms"]}
    assert by_id["twitter"]["credentials"] == "brand (keyring)"
    assert by_id["twitter"]["accounts"] == ["brand"]
    assert (by_id["twitter"]["calls_24h"], by_id["twitter"]["errors_24h"]) == (2, 1)
    assert by_id["twitter"]["last_ok"] and by_id["twitter"]["last_error"]
    assert by_id["linkedin"]["credentials"] == "env (LINKEDIN_ACCESS_TOKEN)"
    assert by_id["hubspot"]["credentials"] == "missing"
    assert "tw-token" not in result.stdout and "li-env-token" not in result.stdout
    text = cli("status")
    assert text.exit_code == 0 and "secret store" in text.stdout and "X (Twitter)" in text.stdout


def test_status_names_the_secret_store(cli, fail_keyring, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(cli("status", "--json").stdout)
    assert data["secret_store"].startswith("none (no keyring, MKTD_SECRET_KEY unset")
    monkeypatch.setenv("MKTD_SECRET_KEY", Fernet.generate_key().decode())
    data = json.loads(cli("status", "--json").stdout)
    assert data["secret_store"] == "encrypted database table (MKTD_SECRET_KEY)"


def test_config_get_prints_a_list_as_config_set_takes_it(cli, home: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("config", "set", "mcp.autonomy", "x,linkedin").exit_code == 0
    assert cli("config", "get", "mcp.autonomy").stdout.strip() == "twitter,linkedin"
