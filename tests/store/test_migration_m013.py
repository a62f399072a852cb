"""m013_actions: the actions log's exact columns and indexes (who did what through a front end)."""

from __future__ import annotations

from pathlib import Path

from mktdirector.store.sqlite.db import open_database

COLUMNS = {
    "id": str, "time_utc": str, "source": str, "actor": str, "action": str,
    "arguments_json": str, "outcome": str, "detail": str, "draft_id": str,
    "correlation_id": str, "duration_ms": int,
}  # fmt: skip


def test_the_actions_table_has_exactly_the_expected_columns(tmp_path: Path) -> None:
    db = open_database(tmp_path / "home" / "mktd.db")
    try:
        assert db["actions"].columns_dict == COLUMNS
        assert db["actions"].pks == ["id"]
        indexed = {tuple(i.columns) for i in db["actions"].indexes}
        assert {("source", "time_utc"), ("draft_id", "time_utc")} <= indexed
    finally:
        db.close()
