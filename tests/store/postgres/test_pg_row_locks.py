"""The job claim on PostgreSQL locks rows, not the database (issue 16 a).

Two workers on different jobs must not wait for each other: the claim reads `for update skip
locked` and no longer takes the database-wide writer lock every other write transaction takes.
"""

from __future__ import annotations

import json
import threading
import time

import psycopg
import pytest

import pg_fixture
from mktdirector.store.errors import StateRefusedError
from mktdirector.store.postgres.dialect import WRITER_LOCK_KEY
from mktdirector.store.postgres.store import PostgresStore
from mktdirector.store.rows import DraftStatus

pytestmark = pytest.mark.slow  # starts a PostgreSQL cluster

DUE = "2000-01-01T00:00:00Z"


def _claim(store: PostgresStore, owner: str) -> str | None:
    job = store.claim_job(owner, now=time.time(), now_iso=DUE, due_before=DUE, lease_s=60)
    return job["id"] if job else None


def test_a_claim_does_not_wait_for_the_writer_lock() -> None:
    url = pg_fixture.migrated_url()
    store = PostgresStore(url)
    other = psycopg.connect(url)
    try:
        assert store.ensure_job("metrics", due_utc=DUE, platform="x")
        other.execute(f"select pg_advisory_xact_lock({WRITER_LOCK_KEY})")  # another writer
        store.db.execute("set statement_timeout = 2000")  # a wait would fail, not hang
        started = time.monotonic()
        assert _claim(store, "w1") is not None
        assert time.monotonic() - started < 1.0
    finally:
        other.rollback()
        other.close()
        store.close()


def test_two_claimers_take_different_jobs_and_a_held_row_is_skipped() -> None:
    url = pg_fixture.migrated_url()
    first, second = PostgresStore(url), PostgresStore(url)
    holder = psycopg.connect(url)
    try:
        assert first.ensure_job("metrics", due_utc=DUE, platform="x")
        assert first.ensure_job("metrics", due_utc=DUE, platform="linkedin")
        # A claim in flight elsewhere holds one job's row: the next claimer skips it.
        held = holder.execute("select id from jobs order by platform limit 1 for update").fetchone()
        assert held is not None
        taken = _claim(second, "w2")
        assert taken is not None and taken != held[0]
        holder.rollback()
        assert _claim(first, "w1") == held[0]
        assert _claim(first, "w3") is None  # each job claimed once
    finally:
        holder.close()
        first.close()
        second.close()


def test_cancel_waits_for_a_claim_in_flight_and_then_refuses_the_running_job() -> None:
    """The claim skips the writer lock, so cancel reads its job `for update`: a job claimed
    while cancel runs is never cancelled under the worker (it would be published anyway)."""
    url = pg_fixture.migrated_url()
    store, claimer = PostgresStore(url), psycopg.connect(url)
    try:
        d = store.insert_draft(
            {"platform": "linkedin", "kind": "post", "body_json": json.dumps(["Hi"]),
             "content_hash": "h1", "approved_hash": "h1", "status": DraftStatus.APPROVED}
        )  # fmt: skip
        job = store.schedule_publish(d["id"], platform="linkedin", account=None, due_utc=DUE,
                                     payload={})  # fmt: skip
        # A worker's claim, in flight: the row is locked and updated, not yet committed.
        claimer.execute("update jobs set status = 'running' where id = %s", [job["id"]])
        outcome: list[object] = []

        def cancel() -> None:
            try:
                outcome.append(store.cancel_publish(d["id"]))
            except StateRefusedError as e:
                outcome.append(e)

        t = threading.Thread(target=cancel)
        t.start()
        time.sleep(0.3)  # cancel now waits on the claimed row
        claimer.commit()
        t.join(10)
        assert isinstance(outcome[0], StateRefusedError)
        assert "being published" in str(outcome[0])
        assert store.get_job(job["id"])["status"] == "running"  # not cancelled under the worker
    finally:
        claimer.close()
        store.close()
