"""Migrations: exact columns, idempotent, append-only, and newer databases refused untouched."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from mktdirector.core.errors import StoreError
from mktdirector.store.sqlite.db import open_database
from mktdirector.store.sqlite.migrations import migrations

# The spine's tables (m001_spine). Later migrations add tables and columns, never change these:
# m012 adds http_calls.correlation_id (the draft, job or run a call was made for).
SPINE: dict[str, tuple[dict[str, type], list[str]]] = {
    "http_calls": (
        {
            "id": str,
            "time_utc": str,
            "platform": str,
            "account": str,
            "method": str,
            "path": str,
            "status": int,
            "duration_ms": int,
            "attempt": int,
            "request_id": str,
            "error_kind": str,
            "error_code": str,
            "rate_remaining": int,
            "rate_reset_utc": str,
            "correlation_id": str,
            "actor": str,  # m025
        },
        ["id"],
    ),
    "auth_events": (
        {
            "id": str,
            "time_utc": str,
            "platform": str,
            "account": str,
            "event": str,
            "ok": int,
            "detail": str,
        },
        ["id"],
    ),
    "rate_limit_state": (
        {
            "key": str,
            "platform": str,
            "account": str,
            "name": str,
            "kind": str,
            "tokens": float,
            "window_start": float,
            "count": int,
            "limit_value": int,
            "remaining": int,
            "reset_at": float,
            "blocked_until": float,
            "updated_at": float,
            "recent_calls": str,  # m024
        },
        ["key"],
    ),
    "notifications": (
        {
            "id": str,
            "created_utc": str,
            "kind": str,
            "severity": str,
            "platform": str,
            "account": str,
            "subject": str,
            "message": str,
            "hint": str,
            "dedupe_key": str,
            "read_utc": str,
            "sent_json": str,
        },
        ["id"],
    ),
    "secrets": ({"key": str, "ciphertext": bytes, "updated_utc": str}, ["key"]),
    "connections": (
        {
            "platform": str,
            "account": str,
            "store": str,
            "user_id": str,
            "scopes": str,
            "expires_utc": str,
            "obtained_utc": str,
            "has_refresh": int,
            "created_utc": str,
            "updated_utc": str,
        },
        ["platform", "account"],
    ),
    "_sqlite_migrations": (
        {"id": int, "migration_set": str, "name": str, "applied_at": str},
        ["id"],
    ),
}

SPINE_INDEXES = {
    "http_calls": {
        ("time_utc",),
        ("platform", "time_utc"),
        ("error_kind", "time_utc"),
        ("correlation_id", "time_utc"),
    },
    "auth_events": {("platform", "account", "time_utc")},
    "rate_limit_state": {("platform",)},
    "notifications": {("read_utc", "created_utc"), ("dedupe_key", "created_utc")},
}


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "data" / "mktd.db"


def schema(path: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    conn = sqlite3.connect(path)
    try:
        master = conn.execute("select name, sql from sqlite_master order by name").fetchall()
        applied = conn.execute(
            "select migration_set, name from _sqlite_migrations order by id"
        ).fetchall()
        return master, applied
    finally:
        conn.close()


@pytest.mark.parametrize("table", sorted(SPINE))
def test_spine_tables_have_exactly_the_expected_columns(db_file: Path, table: str) -> None:
    db = open_database(db_file)
    try:
        columns, pks = SPINE[table]
        assert db[table].columns_dict == columns
        assert db[table].pks == pks
        created = {tuple(i.columns) for i in db[table].indexes if not i.name.startswith("sqlite_")}
        assert SPINE_INDEXES.get(table, set()) <= created
    finally:
        db.close()


def test_spine_migrations_come_first_and_in_order() -> None:
    # Append-only: the shipped migrations keep their names and their places.
    assert [m.name for m in migrations._migrations][:2] == ["m001_spine", "m002_wal"]
    names = [m.name for m in migrations._migrations]
    assert len(names) == len(set(names))


def test_new_database_is_private_wal_and_fully_migrated(db_file: Path) -> None:
    db = open_database(db_file)
    try:
        assert stat.S_IMODE(db_file.stat().st_mode) == 0o600
        assert stat.S_IMODE(db_file.parent.stat().st_mode) == 0o700
        assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
        assert migrations.pending(db) == []
        assert [m.name for m in migrations.applied(db)] == [m.name for m in migrations._migrations]
    finally:
        db.close()


def test_applying_twice_is_a_no_op(db_file: Path) -> None:
    open_database(db_file).close()
    before = schema(db_file)
    db = open_database(db_file)
    migrations.apply(db)  # explicitly, on top of what open_database did
    db.close()
    assert schema(db_file) == before
    master, applied = before
    assert len(applied) == len(migrations._migrations)


def test_database_from_a_newer_mktd_is_refused_and_left_unchanged(db_file: Path) -> None:
    open_database(db_file).close()
    conn = sqlite3.connect(db_file)
    with conn:
        conn.execute(
            "insert into _sqlite_migrations (migration_set, name, applied_at) values (?, ?, ?)",
            ["mktd", "m999_from_the_future", "2030-01-01 00:00:00+00:00"],
        )
    conn.execute("pragma wal_checkpoint(TRUNCATE)")
    conn.close()
    before = db_file.read_bytes()

    with pytest.raises(StoreError) as info:
        open_database(db_file)
    assert "newer mktd" in info.value.message and "m999_from_the_future" in info.value.message
    assert "it was not changed" in info.value.message
    assert "Upgrade mktd" in (info.value.hint or "")
    assert int(info.value.exit_code) == 1
    assert db_file.read_bytes() == before
    wal = db_file.with_name(db_file.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_other_migration_sets_do_not_count_as_newer(db_file: Path) -> None:
    open_database(db_file).close()
    conn = sqlite3.connect(db_file)
    with conn:
        conn.execute(
            "insert into _sqlite_migrations (migration_set, name, applied_at) values (?, ?, ?)",
            ["some-plugin", "p001", "2030-01-01 00:00:00+00:00"],
        )
    conn.close()
    open_database(db_file).close()


def test_a_file_that_is_not_a_database_is_refused(db_file: Path) -> None:
    db_file.parent.mkdir(parents=True)
    db_file.write_bytes(b"this is not sqlite at all, just some text " * 100)
    before = db_file.read_bytes()
    with pytest.raises(StoreError) as info:
        open_database(db_file)
    assert "not a readable mktd database" in info.value.message
    assert "mktd init" in (info.value.hint or "")
    assert db_file.read_bytes() == before


# m011: contacts and emails carry their platform; a contact is keyed by (platform, remote id).
# m014: emails carry a send lease; email_stats a platform and unsubscribes.
PLATFORM_TABLES: dict[str, tuple[dict[str, type], list[str]]] = {
    "contacts": (
        {
            "id": str,
            "email": str,
            "firstname": str,
            "lastname": str,
            "created_utc": str,
            "source": str,
            "source_data_1": str,
            "source_data_2": str,
            "latest_source": str,
            "utm_source": str,
            "utm_medium": str,
            "utm_campaign": str,
            "utm_content": str,
            "draft_id": str,
            "synced_utc": str,
            "raw_json": str,
            "platform": str,
        },
        ["platform", "id"],
    ),
    "emails": (
        {
            "id": str,
            "draft_id": str,
            "status": str,
            "recipients": int,
            "from_email": str,
            "category": str,
            "batch_id": str,
            "message_id": str,
            "send_at_utc": str,
            "created_utc": str,
            "sent_utc": str,
            "error": str,
            "send_key": str,
            "subject": str,
            "platform": str,
            "lease_owner": str,  # m014: the run sending a campaign
            "lease_until": float,
        },
        ["id"],
    ),
}


def test_m014_email_stats_say_whose_they_are(db_file: Path) -> None:
    db = open_database(db_file)
    try:
        columns = db["email_stats"].columns_dict
        assert columns["platform"] is str and columns["unsubscribes"] is int
        assert db["email_stats"].pks == ["date", "category"]
    finally:
        db.close()


@pytest.mark.parametrize("table", sorted(PLATFORM_TABLES))
def test_contacts_and_emails_have_exactly_the_expected_columns(db_file: Path, table: str) -> None:
    db = open_database(db_file)
    try:
        columns, pks = PLATFORM_TABLES[table]
        assert db[table].columns_dict == columns
        assert db[table].pks == pks
    finally:
        db.close()


def test_m011_gives_earlier_rows_hubspot_and_sendgrid(db_file: Path) -> None:
    from sqlite_utils import Database

    db_file.parent.mkdir(parents=True)
    db = Database(db_file)
    migrations.apply(db, stop_before="m011_contacts_emails_platform")
    db["contacts"].insert_all([{"id": "7", "email": "a@x.io"}, {"id": "8", "email": "b@x.io"}])
    db["emails"].insert({"id": "E1", "status": "sent", "subject": "Hi"})
    migrations.apply(db)
    assert [(r["platform"], r["id"]) for r in db.query("select * from contacts order by id")] == [
        ("hubspot", "7"),
        ("hubspot", "8"),
    ]
    assert [r["platform"] for r in db.query("select platform from emails")] == ["sendgrid"]
    db.close()


def test_a_contact_is_keyed_by_platform_and_remote_id(db_file: Path) -> None:
    from mktdirector.store import Store

    open_database(db_file).close()
    store = Store(db_file)
    try:
        base = {"synced_utc": "2026-09-05T00:00:00Z", "raw_json": "{}"}
        store.upsert_contacts([
            {**base, "platform": "hubspot", "id": "1", "email": "a@x.io"},
            {**base, "platform": "salesforce", "id": "1", "email": "a@x.io"},
            {**base, "id": "2", "email": "b@x.io"},  # no platform: HubSpot's, as before m011
        ])  # fmt: skip
        # HubSpot merged contact 1 into 3: the email moves, the stale HubSpot row goes.
        store.upsert_contacts([{**base, "platform": "hubspot", "id": "3", "email": "a@x.io"}])
        rows = store.db.query("select platform, id, email from contacts order by platform, id")
        assert [tuple(r.values()) for r in rows] == [
            ("hubspot", "2", "b@x.io"),
            ("hubspot", "3", "a@x.io"),
            ("salesforce", "1", "a@x.io"),
        ]
    finally:
        store.close()


def test_every_migration_function_is_registered() -> None:
    """A merge once dropped two `@migrations()` lines: the functions existed and never ran."""
    import inspect

    from mktdirector.store.sqlite import migrations as m
    from mktdirector.store.sqlite import migrations_first

    defined = [
        n
        for module in (migrations_first, m)
        for n, f in inspect.getmembers(module, inspect.isfunction)
        if n[:1] == "m" and n[1:4].isdigit() and f.__module__ == module.__name__
    ]
    registered = [x.name for x in m.migrations._migrations]
    assert sorted(defined) == sorted(registered)
