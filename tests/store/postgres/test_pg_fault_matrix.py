"""tests/test_fault_matrix.py's publishing rows (X and LinkedIn) with the product on PostgreSQL.

The matrix's rows and checks are unchanged (see rerun.py); only its few reads of mktd's
database (`sqlite3.connect(home / "mktd.db")`: audit rows, jobs, notifications, the draft's
status) go to the test's PostgreSQL database instead, through the store's SQL adapter. The
email, CRM and analytics rows, and the doc-generation checks, stay on SQLite's run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rerun import on_postgres, rerun_on_postgres, store  # noqa: F401

rerun_on_postgres(
    "test_fault_matrix.py",
    globals(),
    leave_out={
        "test_fault": "replaced below by its publishing rows",
        "test_reliability_doc_is_current": "reads no database: SQLite's run checks it",
        "test_every_situation_and_platform_has_a_row": "reads no database",
    },
)
_matrix = globals()["observe"].__globals__  # the re-run module's own namespace
_fault = _matrix["test_fault"]
PUBLISHING = [r for r in _matrix["ROWS"] if not r.na and r.platform in ("twitter", "linkedin")]


class _ToPostgres:
    """`sqlite3` as the matrix uses it: connect(path) -> execute(sql, params).fetchone()."""

    def __init__(self, url: str) -> None:
        self.url = url

    def connect(self, _path: Path) -> Any:
        import psycopg

        from mktdirector.store.postgres.adapter import PgConnection

        return PgConnection(psycopg.connect(self.url, autocommit=True, connect_timeout=10))


@pytest.fixture(autouse=True)
def matrix_reads_postgres(monkeypatch: pytest.MonkeyPatch, on_postgres: str) -> None:  # noqa: F811
    monkeypatch.setitem(_matrix, "sqlite3", _ToPostgres(on_postgres))


@pytest.mark.parametrize("row", PUBLISHING, ids=lambda r: r.id)
def test_fault(row, cli, home, tmp_path, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _fault(row, cli, home, tmp_path, clock, monkeypatch)
