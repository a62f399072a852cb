"""New databases use 1 KiB pages (issue 17 item 2b: every page a commit changes is written
whole to the WAL); an existing file keeps the page size it was made with."""

from __future__ import annotations

import sqlite3

import pytest

from mktdirector.core.errors import StoreError
from mktdirector.store import Store
from mktdirector.store.sqlite.db import NEW_PAGE_SIZE, PAGE_SIZE_ENV, WAL_CHECKPOINT_BYTES


def page_size(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("pragma page_size").fetchone()[0])
    finally:
        conn.close()


def test_a_new_database_is_made_with_small_pages_in_wal_mode(tmp_path, monkeypatch):
    monkeypatch.delenv(PAGE_SIZE_ENV, raising=False)
    store = Store(tmp_path / "mktd.db")
    store.open()
    assert store.db.conn.execute("pragma journal_mode").fetchone()[0] == "wal"
    store.close()
    assert NEW_PAGE_SIZE == 1024 and page_size(tmp_path / "mktd.db") == 1024


def test_an_existing_database_keeps_its_page_size(tmp_path, monkeypatch):
    monkeypatch.setenv(PAGE_SIZE_ENV, "4096")
    old = Store(tmp_path / "mktd.db")
    old.open()
    old.close()
    monkeypatch.delenv(PAGE_SIZE_ENV)
    again = Store(tmp_path / "mktd.db")
    again.open()  # migrated, written, never rebuilt
    again.record_attempt("D1", 0, "not_found")
    again.close()
    assert page_size(tmp_path / "mktd.db") == 4096


@pytest.mark.parametrize("value", ["1000", "big", "128", "131072"])
def test_a_page_size_sqlite_cannot_use_is_refused_before_the_file_is_written(
    tmp_path, monkeypatch, value
):
    monkeypatch.setenv(PAGE_SIZE_ENV, value)
    with pytest.raises(StoreError, match=PAGE_SIZE_ENV) as info:
        Store(tmp_path / "mktd.db").open()
    assert info.value.hint and "power of two" in info.value.hint
    assert (tmp_path / "mktd.db").stat().st_size == 0  # no table was made


@pytest.mark.parametrize("size", [1024, 4096])
def test_the_wal_is_checkpointed_at_4_mib_whatever_the_page_size(tmp_path, monkeypatch, size):
    """SQLite counts the threshold in pages (1,000): at 1 KiB pages that would copy the WAL
    into the file four times as often, each time writing every page changed since again."""
    monkeypatch.setenv(PAGE_SIZE_ENV, str(size))
    store = Store(tmp_path / "mktd.db")
    store.open()
    pages = store.db.conn.execute("pragma wal_autocheckpoint").fetchone()[0]
    store.close()
    assert pages * size == WAL_CHECKPOINT_BYTES == 4 * 1024 * 1024
