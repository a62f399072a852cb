"""Two hosts storing snapshots of one post at once (PostgreSQL): the post keeps the latest by
taken_utc, whichever commits last. Under READ COMMITTED an UPDATE that waited for another
transaction's row lock keeps its own statement's snapshot, so without the writers' lock the
second fetch recomputed the latest without the first fetch's newer reading."""

from __future__ import annotations

import threading

import psycopg

from mktdirector.store.postgres.dialect import WRITER_LOCK_KEY
from mktdirector.store.postgres.store import PostgresStore
from mktdirector.store.rows import PostStatus


def test_a_fetch_waiting_on_another_keeps_the_newer_reading(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    store.open()
    try:
        d = store.insert_draft({"platform": "linkedin", "kind": "post", "body_json": '["Hi"]',
                                "content_hash": "h", "status": "approved", "approved_hash": "h"})  # fmt: skip
        pid = store.write_intent(d["id"], 0, platform="linkedin", account=None, text="Hi",
                                 reply_to=None)  # fmt: skip
        store.mark_post(pid, PostStatus.PUBLISHED, remote_id="urn:1",
                        published_utc="2027-01-10T09:00:00Z")  # fmt: skip
        other = psycopg.connect(pg_url)  # another host's fetch, in the middle of its commit
        other.execute("select pg_advisory_xact_lock(%s)", [WRITER_LOCK_KEY])
        other.execute(
            "insert into metric_snapshots (platform, remote_id, taken_utc, impressions) "
            "values ('linkedin', 'urn:1', '2027-01-12T00:00:00Z', 500)"
        )
        other.execute(
            "update posts set latest_snapshot_id = (select max(id) from metric_snapshots), "
            "latest_taken_utc = '2027-01-12T00:00:00Z', latest_impressions = 500 "
            "where remote_id = 'urn:1'"
        )
        older = [{"platform": "linkedin", "remote_id": "urn:1",
                  "taken_utc": "2027-01-11T00:00:00Z", "impressions": 100}]  # fmt: skip
        fetch = threading.Thread(target=store.add_snapshots, args=(older,))
        fetch.start()
        fetch.join(0.5)  # it waits for the other host's transaction
        other.commit()
        other.close()
        fetch.join(10)
        assert not fetch.is_alive()
        [post] = store.db.query("select latest_taken_utc, latest_impressions from posts")
        assert (post["latest_taken_utc"], post["latest_impressions"]) == (
            "2027-01-12T00:00:00Z",
            500,
        )
    finally:
        store.close()
