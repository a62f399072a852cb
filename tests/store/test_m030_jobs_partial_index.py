"""m030 (issue 17 item 2b): a finished job (done, failed, cancelled) leaves the (status, due_utc)
index of jobs instead of moving inside it, and every query that read that index still reads an
index: the worker's claim, `mktd queue list`, `mktd status`'s queue, the web calendar (which
lists the queue), the alert rules' queued and skipped jobs. Plans are taken with the very SQL and
parameters each store method runs (a recording connection), so a query that binds its statuses
as parameters is checked as it runs."""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mktdirector.store import Store
from mktdirector.store.rows import JobStatus

from jobs_readers import NOW, READERS

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


def wal_owners(store: Store, run: Any) -> list[str]:
    """The B-trees whose pages `run(store)` wrote to the WAL (checkpoints held off meanwhile)."""
    conn = store.db.conn
    conn.execute("pragma wal_checkpoint(truncate)")
    conn.execute("pragma wal_autocheckpoint=0")
    run(store)
    wal = Path(str(store.path) + "-wal").read_bytes()
    size = struct.unpack(">I", wal[8:12])[0]
    pages = [struct.unpack(">I", wal[o : o + 4])[0] for o in range(32, len(wal), 24 + size)]
    owners = dict(conn.execute("select pageno, name from dbstat").fetchall())
    return sorted({owners.get(p, "?") for p in pages if p != 1})


def test_the_claim_writes_no_page_of_the_one_active_publish_index(store):
    """Queued to running keeps the job unfinished: the uniqueness index, keyed on
    finished_utc, is not rewritten (it was, on every claim, while its WHERE named the status)."""
    queued_job(store, "J1")
    written = wal_owners(store, READERS["the worker's claim"])
    assert "jobs" in written
    assert "jobs_one_active_publish" not in written


def test_one_unfinished_publish_job_per_draft_and_every_end_finishes_it(store):
    conn = store.db.conn
    queued_job(store, "J1")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "insert into jobs (id, kind, draft_id, status) values ('J2', 'publish', 'DJ1', 'queued')"
        )
    conn.rollback()
    ends = {
        "done": lambda j: store.finish_job(j, "w", JobStatus.DONE),
        "failed": lambda j: store.finish_job(j, "w", JobStatus.FAILED),
        "skipped": lambda j: store.finish_job(j, "w", JobStatus.SKIPPED),
        "cancelled": lambda j: store.finish_job(j, "w", JobStatus.CANCELLED),
    }
    job_id = "J1"
    for n, (status, end) in enumerate(ends.items(), start=2):
        job = store.claim_job("w", now=1.0, now_iso=NOW, due_before=NOW, lease_s=60.0)
        assert job is not None and job["id"] == job_id
        assert end(job_id)
        row = conn.execute("select status, finished_utc from jobs where id = ?", [job_id])
        assert row.fetchone()[0] == status
        # Ended: the draft may be queued again (a new job), and only once.
        job_id = f"J{n}"
        conn.execute(
            "insert into jobs (id, kind, draft_id, due_utc, status, attempts, payload_json) "
            "values (?, 'publish', 'DJ1', '2026-01-01T00:00:00.000Z', 'queued', 0, '{}')",
            [job_id],
        )
        conn.commit()
    store.cancel_publish("DJ1")  # the other way a publish job ends
    unfinished = conn.execute(
        "select count(*) from jobs where kind = 'publish' and finished_utc is null"
    ).fetchone()[0]
    active = conn.execute(
        "select count(*) from jobs where kind = 'publish' and status in ('queued', 'running')"
    ).fetchone()[0]
    assert unfinished == active == 0


def test_m030_makes_older_rows_agree_before_keying_the_guard_on_finished_utc(tmp_path):
    """A finished publish job without finished_utc (and an active one with it) would break the
    guard's new key: m030 fills the first and clears the second, then builds the index."""
    from sqlite_utils import Database

    from mktdirector.store.sqlite.migrations import migrations

    db = Database(tmp_path / "old.db")
    migrations.apply(db, stop_before="m030_jobs_index_partial")
    db["jobs"].insert_all(
        {"id": i, "kind": "publish", "draft_id": "D1", "status": st, "due_utc": "2026-01-01",
         "updated_utc": up, "finished_utc": fin}
        for i, st, up, fin in (
            ("J1", "failed", "2026-01-02", None),  # ended by an older mktd, never stamped
            ("J2", "done", "2026-01-03", "2026-01-03"),
            ("J3", "queued", "2026-01-04", "2026-01-04"),  # active, yet stamped
        )
    )  # fmt: skip
    migrations.apply(db)
    rows = db.execute("select id, finished_utc from jobs order by id").fetchall()
    assert rows == [("J1", "2026-01-02"), ("J2", "2026-01-03"), ("J3", None)]
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "insert into jobs (id, kind, draft_id, status) values ('J4', 'publish', 'D1', 'queued')"
        )
    db.close()
