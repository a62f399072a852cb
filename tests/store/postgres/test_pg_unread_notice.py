"""The unread line every command shows works on a team's PostgreSQL database (issue 16 f).

It used to read the SQLite file directly: on PostgreSQL there is none, so the line never showed.
"""

from __future__ import annotations

from typing import Any

import pytest

import pg_fixture
from mktdirector.store.postgres.store import PostgresStore

pytestmark = pytest.mark.slow  # starts a PostgreSQL cluster


def test_unread_line_reads_through_the_store_on_postgres(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = pg_fixture.migrated_url()
    monkeypatch.setenv("MKTD_DATABASE_URL", url)
    assert "unread notification" not in cli("config", "show").stderr  # none yet
    store = PostgresStore(url)
    try:
        store.notify("publish_failed", "Publishing failed: draft D1", "boom")
        store.notify("auth_failed", "Authentication failed: X", "401")
    finally:
        store.close()
    assert "mktd: 2 unread notifications: mktd notifications" in cli("config", "show").stderr
    assert cli("notifications", "ack").exit_code == 0
    assert "unread notification" not in cli("config", "show").stderr


def test_an_empty_postgres_database_gets_no_tables_from_the_notice(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = pg_fixture.fresh_url()
    monkeypatch.setenv("MKTD_DATABASE_URL", url)
    assert "unread notification" not in cli("config", "show").stderr
    assert PostgresStore(url).exists() is False  # a read never creates the schema
