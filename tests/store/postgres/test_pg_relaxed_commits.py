"""On PostgreSQL the choke point's rate/audit transaction commits without waiting for the WAL
flush (`SET LOCAL synchronous_commit = off`); the ledger's transactions keep the default."""

from __future__ import annotations

from mktdirector.store.postgres.store import PostgresStore
from mktdirector.store.sqlite.db import FULL, immediate


def test_the_rate_and_audit_batch_is_relaxed_and_the_ledger_is_not(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    try:
        store.open()
        # The test cluster runs with it off (tests/pg_fixture.py); a real server's default is on.
        store.db.execute("set synchronous_commit = on")
        with store.batch():
            inside = store.db.execute("show synchronous_commit").fetchone()
        with immediate(store.db, durability=FULL) as conn:
            ledger = conn.execute("show synchronous_commit").fetchone()
        after = store.db.execute("show synchronous_commit").fetchone()
    finally:
        store.close()
    values = [
        next(iter(r.values())) if isinstance(r, dict) else r[0] for r in (inside, ledger, after)
    ]
    assert values == ["off", "on", "on"]
