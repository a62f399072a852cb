"""MKTD_DATABASE_URL / database.url: every command on PostgreSQL, and no SQLite file made."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import psycopg
import pytest


def _files(home: Path) -> set[str]:
    return {str(p.relative_to(home)) for p in home.rglob("*")}


def test_init_with_a_database_url_migrates_it_and_creates_no_sqlite_file(
    cli, home: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MKTD_DATABASE_URL", pg_url)
    first = cli("init", "--json")
    assert first.exit_code == 0, first.stderr
    entries = {f["path"]: f["created"] for f in json.loads(first.stdout)["files"]}
    assert entries[pg_url] is True
    assert _files(home) == {"brand.toml", "config.toml", "logs", "logs/mktd.log"}
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("select to_regclass('drafts')").fetchone() != (None,)

    again = json.loads(cli("init", "--json").stdout)
    assert {f["path"]: f["created"] for f in again["files"]}[pg_url] is False
    assert "mktd.db" not in _files(home)


def test_the_config_key_works_like_the_variable_and_status_names_the_backend(
    cli, home: Path, pg_url: str
) -> None:
    assert cli("config", "set", "database.url", pg_url).exit_code == 0
    assert cli("init").exit_code == 0
    d = json.loads(cli("social", "linkedin", "--text", "Team post", "--json").stdout)
    status = json.loads(cli("status", "--json").stdout)
    assert status["database"] == {"path": pg_url, "exists": True, "backend": "postgresql"}
    assert status["initialized"] is True
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("select id from drafts").fetchall() == [(d["id"],)]
    assert "mktd.db" not in _files(home)


def test_a_url_with_a_password_is_refused_without_echoing_it(cli, home: Path) -> None:
    r = cli("config", "set", "database.url", "postgresql://team:hunter2-pw@db.example:5432/mktd")
    assert r.exit_code == 2
    assert "PGPASSWORD" in r.stdout + r.stderr
    assert "hunter2-pw" not in r.stdout + r.stderr
    assert (
        not (home / "config.toml").exists() or "hunter2" not in (home / "config.toml").read_text()
    )


def test_an_unreachable_server_is_one_clean_error(
    cli, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("MKTD_DATABASE_URL", f"postgresql://mktd@127.0.0.1:{port}/mktd")
    r = cli("drafts", "list")
    assert r.exit_code == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 2, r.stderr
    assert f"127.0.0.1:{port}" in lines[0] and "Traceback" not in r.stderr
    assert not (home / "mktd.db").exists()
