"""m030 on PostgreSQL: the same partial (status, due_utc) index of jobs, and every store query
that read it still can (sequential scans are switched off for the plans, so a query that could
not use an index shows a Seq Scan). tests/store/test_m030_jobs_partial_index.py is SQLite's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from mktdirector.store.postgres.store import PostgresStore

from jobs_readers import NOW, READERS


@pytest.fixture
def store(pg_url: str) -> Iterator[PostgresStore]:
    s = PostgresStore(pg_url)
    s.open()
    yield s
    s.close()


def test_the_index_is_partial_over_the_active_jobs(store):
    defs = {
        r["indexname"]: r["indexdef"]
        for r in store.db.query(
            "select indexname, indexdef from pg_indexes where tablename = 'jobs'"
        )
    }
    assert (
        "WHERE (status = ANY (ARRAY['queued'::text, 'running'::text]))"
        in defs["idx_jobs_status_due_utc"]
    )
    assert "WHERE (status = 'skipped'::text)" in defs["idx_jobs_skipped_due_utc"]
    assert (
        "WHERE ((kind = 'publish'::text) AND (finished_utc IS NULL))"
        in defs["jobs_one_active_publish"]
    )


def test_one_unfinished_publish_job_per_draft(store):
    insert = (
        "insert into jobs (id, kind, draft_id, due_utc, status, attempts, payload_json) "
        "values (?, 'publish', 'D1', '2026-01-01T00:00:00.000Z', 'queued', 0, '{}')"
    )
    store.db.execute(insert, ["J1"])
    with pytest.raises(psycopg.errors.UniqueViolation):
        store.db.execute(insert, ["J2"])
    job = store.claim_job("w", now=1.0, now_iso=NOW, due_before=NOW, lease_s=60.0)
    assert job is not None and job["id"] == "J1"
    with pytest.raises(psycopg.errors.UniqueViolation):
        store.db.execute(insert, ["J2"])  # running is unfinished too
    assert store.finish_job("J1", "w", "done")
    store.db.execute(insert, ["J2"])  # ended: the draft may be queued again


@pytest.mark.parametrize("reader", list(READERS))
def test_every_reader_of_jobs_by_status_still_reads_an_index(store, reader):
    seen: list[tuple[str, Any]] = []
    db = store.db
    real_query, real_execute = db.query, db.conn.execute

    def query(sql: str, params: Any = None) -> Any:
        seen.append((sql, params))
        return real_query(sql, params)

    def execute(sql: str, params: Any = None) -> Any:
        seen.append((sql, params))
        return real_execute(sql, params)

    db.query, db.conn.execute = query, execute  # type: ignore[method-assign]
    try:
        READERS[reader](store)
    finally:
        db.query, db.conn.execute = real_query, real_execute  # type: ignore[method-assign]
    reads = [(s, p) for s, p in seen if s.lstrip().lower().startswith("select") and " jobs" in s]
    assert reads, "the store ran no SELECT on jobs"
    with store.db.raw.transaction():
        store.db.raw.execute("set local enable_seqscan = off")
        for sql, params in reads:
            plan = " | ".join(next(iter(r.values())) for r in real_query(f"explain {sql}", params))
            assert "Seq Scan on jobs" not in plan, (sql, plan)
            assert "Index" in plan, (sql, plan)
