"""m020: the draft lists' order (created_utc, id) is indexed, so the inbox and `GET /drafts`
do not sort every draft on every page load (45-63 ms at 10k drafts without it, ~8 with)."""

from __future__ import annotations

from pathlib import Path

from mktdirector.store import Store


def _plan(path: Path, sql: str, params: list[object]) -> str:
    import sqlite3

    with sqlite3.connect(path) as conn:
        rows = conn.execute(f"explain query plan {sql}", params).fetchall()
    return " | ".join(str(r[-1]) for r in rows)


def test_m020_indexes_the_draft_order(tmp_path: Path) -> None:
    store = Store(tmp_path / "mktd.db")
    store.open()
    store.close()
    plan = _plan(
        tmp_path / "mktd.db",
        "select * from drafts order by created_utc desc, id desc limit ?",
        [51],
    )
    # Without the index SQLite scans and sorts every draft ("USE TEMP B-TREE FOR ORDER BY").
    assert "TEMP B-TREE" not in plan
    assert "idx_drafts_created_utc_id" in plan


def test_m020_is_registered_and_idempotent(tmp_path: Path) -> None:
    from mktdirector.store.sqlite.db import open_database
    from mktdirector.store.sqlite.migrations import m020_drafts_created_index, migrations

    assert "m020_drafts_created_index" in [m.name for m in migrations._migrations]
    store = Store(tmp_path / "mktd.db")
    store.open()
    store.close()
    db = open_database(tmp_path / "mktd.db")
    m020_drafts_created_index(db)  # running it again changes nothing and does not fail
    indexes = [i.name for i in db.table("drafts").indexes]
    assert indexes.count("idx_drafts_created_utc_id") == 1
