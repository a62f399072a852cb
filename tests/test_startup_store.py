"""store/sqlite/db.py's read path: SELECTs without sqlite-utils, the schema check by user_version.

Guards issue 17's startup win without timing it: a file this mktd has already checked opens
without the migrations check, anything that changes what is applied sends it through the full
check again (a newer mktd's migration is still refused), and rows read through the stdlib
connection are the rows sqlite-utils returns.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from mktdirector.core.errors import StoreError
from mktdirector.store.sqlite import db as store_db
from mktdirector.store.sqlite import migrations as store_migrations


@pytest.fixture
def full_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    check = store_db.check_not_newer

    def counting(db: Any) -> None:
        calls.append("check")
        check(db)

    monkeypatch.setattr(store_db, "check_not_newer", counting)
    return calls


def test_a_checked_file_opens_without_the_migrations_check(
    tmp_path: Path, full_checks: list[str]
) -> None:
    path = tmp_path / "mktd.db"
    store_db.open_database(path).close()
    assert full_checks == ["check"]

    db = store_db.open_database(path)
    rows = list(db.query("select count(*) as n from drafts"))
    assert rows == [{"n": 0}]
    assert full_checks == ["check"]  # the second open read user_version only
    assert db._full is None  # type: ignore[attr-defined]  # and never built sqlite-utils' Database
    db.close()


def test_a_newer_migration_in_the_file_is_still_refused(
    tmp_path: Path, full_checks: list[str]
) -> None:
    path = tmp_path / "mktd.db"
    store_db.open_database(path).close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "insert into _sqlite_migrations (migration_set, name, applied_at) "
            "values ('mktd', 'm999_future', 'x')"
        )
    conn.close()

    with pytest.raises(StoreError, match="newer mktd"):
        store_db.open_database(path)
    assert full_checks == ["check", "check"]


def test_a_changed_migrations_module_sends_the_file_through_the_full_check(
    tmp_path: Path, full_checks: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "mktd.db"
    store_db.open_database(path).close()
    monkeypatch.setattr(store_db, "__version__", "99.0-next")  # another release's stamp
    store_db.open_database(path).close()
    assert full_checks == ["check", "check"]
    assert not store_migrations.migrations.pending(Database(sqlite3.connect(path)))


def test_select_rows_are_the_rows_sqlite_utils_returns(tmp_path: Path) -> None:
    path = tmp_path / "mktd.db"
    store_db.open_database(path).close()
    light = store_db.open_database(path)
    full = Database(sqlite3.connect(path))
    sql = "with t(a, b) as (values (1, 'x'), (2, null)) select a, b, a * 1.5 as c from t"
    assert list(light.query(sql)) == list(full.query(sql))
    assert list(light.query("select :v as v", {"v": "é"})) == [{"v": "é"}]
    light.close()
    full.close()


def test_a_write_through_query_goes_to_sqlite_utils(tmp_path: Path) -> None:
    path = tmp_path / "mktd.db"
    db = store_db.open_database(path)
    db.execute("create table t (a integer)")
    with pytest.raises(ValueError):  # sqlite-utils refuses a row-less statement in query()
        list(db.query("with x(v) as (values (1)) insert into t select v from x"))
    assert db._full is not None  # type: ignore[attr-defined]
    assert db.execute("select count(*) from t").fetchone()[0] == 0  # and rolled it back
    db.close()
