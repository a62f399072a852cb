"""The PostgreSQL report path's settings: what benchmarks/pg_report.py found costly."""

from __future__ import annotations

import pg_fixture
from mktdirector.store.postgres.store import PostgresStore


def test_the_store_session_never_jit_compiles() -> None:
    # At 1M snapshots the server spent ~1.7 s JIT-compiling the report's query, which then runs
    # index probes that JIT cannot speed up. Every mktd session turns it off.
    store = PostgresStore(pg_fixture.migrated_url())  # skips with a reason without a server
    try:
        [row] = store.db.query("select current_setting('jit') as jit")
        assert row["jit"] == "off"
    finally:
        store.close()
