"""PostgreSQL gets the same schema from the same numbered migrations; init is idempotent; a
newer schema is refused untouched; connection errors never show the password."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg
import pytest

from mktdirector.core.errors import StoreError
from mktdirector.store.postgres import migrations as pgm
from mktdirector.store.postgres.store import PostgresStore
from mktdirector.store.sqlite.db import open_database
from mktdirector.store.sqlite.migrations import migrations

# What PostgreSQL reports for the types a migration may name (the table API's, or plain SQL's
# `integer` / `real` / `blob`), as the Python types sqlite-utils reports for SQLite's columns.
PG_TYPES = {
    "text": str, "bigint": int, "integer": int, "smallint": int, "double precision": float,
    "real": float, "bytea": bytes, "numeric": float,
}  # fmt: skip


def _pg_schema(url: str) -> dict[str, tuple[dict[str, type], list[str]]]:
    out: dict[str, tuple[dict[str, type], list[str]]] = {}
    with psycopg.connect(url) as conn:
        cols = conn.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'public' and table_name != 'mktd_migrations' "
            "order by table_name, ordinal_position"
        ).fetchall()
        for table, col, dtype in cols:
            out.setdefault(table, ({}, []))[0][col] = PG_TYPES[dtype]
        pks = conn.execute(
            "select tc.table_name, kcu.column_name from information_schema.table_constraints tc "
            "join information_schema.key_column_usage kcu "
            "on kcu.constraint_name = tc.constraint_name and kcu.table_name = tc.table_name "
            "where tc.constraint_type = 'PRIMARY KEY' and tc.table_schema = 'public' "
            "order by tc.table_name, kcu.ordinal_position"
        ).fetchall()
        for table, col in pks:
            if table in out:
                out[table][1].append(col)
    return out


def _sqlite_schema(tmp_path: Path) -> dict[str, tuple[dict[str, type], list[str]]]:
    db = open_database(tmp_path / "mktd.db")
    out = {}
    for table in db.table_names():
        if table.startswith("_sqlite"):
            continue
        t = db.table(table)
        out[table] = (dict(t.columns_dict), list(t.pks))
    db.close()
    return out


def _rows(url: str, table: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(f"select * from {table} order by 1").fetchall()


def test_every_table_has_the_same_columns_types_and_keys_as_on_sqlite(
    pg_url: str, tmp_path: Path
) -> None:
    store = PostgresStore(pg_url)
    store.open()
    store.close()
    assert _pg_schema(pg_url) == _sqlite_schema(tmp_path)


def test_init_is_idempotent_and_records_each_migration_once(pg_url: str) -> None:
    for _ in range(2):
        store = PostgresStore(pg_url)
        store.open()
        store.close()
    names = [r[2] for r in _rows(pg_url, "mktd_migrations") if r[1] == "mktd"]
    assert names == [m.name for m in migrations._migrations]
    with psycopg.connect(pg_url) as conn:
        assert pgm.pending(_wrap(conn)) == []


def _wrap(conn: psycopg.Connection) -> pgm.PgDatabase:  # type: ignore[type-arg]
    conn.autocommit = True
    return pgm.PgDatabase(conn)


def test_two_hosts_initialising_at_once_migrate_once(pg_url: str) -> None:
    errors: list[BaseException] = []

    def init() -> None:
        try:
            s = PostgresStore(pg_url)
            s.open()
            s.close()
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=init) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    names = [r[2] for r in _rows(pg_url, "mktd_migrations") if r[1] == "mktd"]
    assert sorted(names) == sorted(m.name for m in migrations._migrations)


def test_a_database_from_a_newer_mktd_is_refused_untouched(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    store.open()
    store.insert_draft({"platform": "linkedin", "kind": "post", "body_json": '["x"]',
                        "content_hash": "h", "status": "draft"})  # fmt: skip
    store.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "insert into mktd_migrations (migration_set, name, applied_at) "
            "values ('mktd', 'm999_from_the_future', 'x')"
        )
    before = (_rows(pg_url, "mktd_migrations"), _rows(pg_url, "drafts"))

    with pytest.raises(StoreError, match="newer mktd.*m999_from_the_future.*not changed"):
        PostgresStore(pg_url).open()
    assert (_rows(pg_url, "mktd_migrations"), _rows(pg_url, "drafts")) == before


def test_an_empty_database_is_not_created_by_a_read(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    assert store.exists() is False
    assert store.connections() == []
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("select to_regclass('mktd_migrations')").fetchone() == (None,)


def test_a_connection_error_names_the_server_but_never_the_password() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql://mktd:s3cret-pw@127.0.0.1:{port}/mktd"
    with pytest.raises(StoreError) as info:
        PostgresStore(url).open()
    text = f"{info.value} {info.value.hint}"
    assert "s3cret-pw" not in text
    assert f"127.0.0.1:{port}" in text and "mktd:***@" in text
