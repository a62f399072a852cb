"""The throwaway server the PostgreSQL tests stand on: it runs, on loopback, one database a test."""

from __future__ import annotations

import psycopg


def test_fresh_database_is_empty_and_on_loopback(pg_url: str) -> None:
    assert "@127.0.0.1:" in pg_url
    with psycopg.connect(pg_url, connect_timeout=10) as conn:
        version = conn.execute("show server_version_num").fetchone()
        tables = conn.execute(
            "select count(*) from information_schema.tables where table_schema = 'public'"
        ).fetchone()
    assert version is not None and int(version[0]) >= 140000
    assert tables == (0,)


def test_each_test_gets_its_own_database(pg_url: str) -> None:
    import pg_fixture

    other = pg_fixture.fresh_url()
    assert other != pg_url
    with psycopg.connect(pg_url) as a, psycopg.connect(other) as b:
        a.execute("create table only_here (x int)")
        a.commit()
        found = b.execute("select to_regclass('public.only_here')").fetchone()
    assert found == (None,)
