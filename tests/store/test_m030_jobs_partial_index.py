"""m030 (issue 17 item 2b): a finished job (done, failed, cancelled) leaves the (status, due_utc)
index of jobs instead of moving inside it, and every query that read that index still reads an
index: the worker's claim, `mktd queue list`, `mktd status`'s queue, the web calendar (which
lists the queue), the alert rules' queued and skipped jobs. Plans are taken with the very SQL and
parameters each store method runs (a recording connection), so a query that binds its statuses
as parameters is checked as it runs."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from mktdirector.store import Store
from mktdirector.store.rows import JobStatus

INDEX = "idx_jobs_status_due_utc"


class Recording:
    """The store's connection, remembering each statement and its parameters."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.seen: list[tuple[str, Any]] = []

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        self.seen.append((sql, params))
        return self.conn.execute(sql, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    s = Store(tmp_path / "mktd.db")
    s.open()
    yield s
    s.close()


def queued_job(store: Store, job_id: str, *, due: str = "2026-01-01T00:00:00.000Z") -> None:
    store.db.conn.execute(
        "insert into jobs (id, kind, draft_id, platform, due_utc, status, attempts, payload_json,"
        " created_utc, updated_utc) values (?, 'publish', ?, 'twitter', ?, 'queued', 0, '{}',"
        " ?, ?)",
        [job_id, f"D{job_id}", due, due, due],
    )
    store.db.conn.commit()


def entries(store: Store) -> int:
    """Every entry the index holds, read from its pages (an index B-tree keeps one in each
    cell, interior pages included), whatever its WHERE says."""
    sql = "select coalesce(sum(ncell), 0) from dbstat where name = ?"
    return int(store.db.conn.execute(sql, [INDEX]).fetchone()[0])


def test_a_finished_job_leaves_the_index(store):
    for job_id in ("J1", "J2", "J3"):
        queued_job(store, job_id)
    assert entries(store) == 3
    for left, end in enumerate((JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)):
        job = store.claim_job("w", now=1.0, now_iso="2026-01-02T00:00:00.000Z",
                              due_before="2026-01-02T00:00:00.000Z", lease_s=60.0)  # fmt: skip
        assert job is not None
        assert entries(store) == 3 - left  # running: still in it (the claim reads it)
        assert store.finish_job(job["id"], "w", end)
        assert entries(store) == 2 - left
    partial = store.db.conn.execute(
        "select sql from sqlite_schema where name = ?", [INDEX]
    ).fetchone()[0]
    assert "where status in ('queued', 'running')" in partial.lower()


def plans(store: Store, call: Any) -> list[tuple[str, str]]:
    """(statement, plan) of each SELECT on jobs that `call(store)` ran."""
    real = store.db.conn
    recording = Recording(real)
    # The store's reads go through its connection, or sqlite-utils' Database on the same one.
    holders = [store.db, *([store.db._full] if getattr(store.db, "_full", None) else [])]
    for holder in holders:
        holder.conn = recording
    try:
        call(store)
    finally:
        for holder in holders:
            holder.conn = real
    out = []
    for sql, params in recording.seen:
        if sql.lstrip().lower().startswith("select") and " jobs" in sql:
            rows = real.execute(f"explain query plan {sql}", params).fetchall()
            out.append((" ".join(sql.split()), " | ".join(str(r[-1]) for r in rows)))
    return out


NOW = "2026-01-02T00:00:00.000Z"
READERS = {
    "the worker's claim": lambda s: s.claim_job(
        "w", now=1.0, now_iso=NOW, due_before=NOW, lease_s=60.0
    ),
    "mktd queue list": lambda s: s.list_jobs(),
    "mktd status": lambda s: s.queue_summary(NOW),
    "alert rules: queued": lambda s: s.queued_by_platform(),
    "alert rules: skipped": lambda s: s.skipped_jobs(NOW),
    "--at next-slot": lambda s: s.taken_slots("twitter"),
    "mktd queue cancel": lambda s: s.find_publish_job("J1"),
}


@pytest.mark.parametrize("reader", list(READERS))
def test_every_reader_of_jobs_by_status_still_reads_an_index(store, reader):
    queued_job(store, "J1")
    seen = plans(store, READERS[reader])
    assert seen, "the store ran no SELECT on jobs"
    for sql, plan in seen:
        assert "SCAN jobs" not in plan.replace("SCAN jobs USING", ""), (sql, plan)
        assert "SCAN j " not in plan + " ", (sql, plan)
        assert "INDEX" in plan, (sql, plan)


def test_the_queue_with_every_status_is_read_as_before(store):
    """`mktd queue list --all` never used the index (no status filter): a scan, as before."""
    queued_job(store, "J1")
    rows = store.list_jobs(statuses=None, kinds=None)
    assert [r["id"] for r in rows] == ["J1"]
