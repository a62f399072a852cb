"""`mktd db copy` and posts.latest_snapshot_id (m028): the pointer names a snapshot by id, and a
team database may already hold another snapshot under that id (the copy keeps the target's
row). After the copy each post points at its own latest snapshot in the target."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg

from mktdirector.core.paths import db_path
from mktdirector.store.postgres.copy import copy_to_postgres
from mktdirector.store.postgres.store import PostgresStore
from mktdirector.store.rows import PostStatus
from mktdirector.store.sqlite.store import Store


def _home_with_a_measured_post(home: Path) -> None:
    s = Store(db_path(home))
    d = s.insert_draft({"platform": "linkedin", "kind": "post", "body_json": json.dumps(["Hi"]),
                        "content_hash": "h", "status": "approved", "approved_hash": "h"})  # fmt: skip
    pid = s.write_intent(d["id"], 0, platform="linkedin", account=None, text="Hi", reply_to=None)
    s.mark_post(pid, PostStatus.PUBLISHED, remote_id="urn:1", published_utc="2027-01-10T09:00:00Z")
    s.add_snapshots([
        {"platform": "linkedin", "remote_id": "urn:1", "taken_utc": "2027-01-11T00:00:00Z", "impressions": 100},
        {"platform": "linkedin", "remote_id": "urn:1", "taken_utc": "2027-01-12T00:00:00Z", "impressions": 500},
    ])  # fmt: skip
    assert [r["latest_snapshot_id"] for r in s.db.query("select * from posts")] == [2]
    s.close()


def test_copied_posts_point_at_their_own_latest_snapshot(home: Path, pg_url: str) -> None:
    _home_with_a_measured_post(home)
    team = PostgresStore(pg_url)
    team.open()  # migrated; the team already wrote a snapshot with id 2
    team.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "insert into metric_snapshots (id, platform, remote_id, taken_utc, impressions) "
            "values (2, 'linkedin', 'urn:other', '2027-01-13T00:00:00Z', 9999)"
        )
    copy_to_postgres(db_path(home), pg_url)
    target = PostgresStore(pg_url)
    try:
        [post] = target.db.query("select latest_snapshot_id from posts")
        assert post["latest_snapshot_id"] == 1  # its own newest snapshot the target holds
        figures = target.report_figures(["linkedin"], "2027-01-01", "2027-02-01",
                                        now_utc="2027-02-01T00:00:00Z", rank_by="impressions")  # fmt: skip
        assert [p["impressions"] for p in figures["posts"]] == [100]
    finally:
        target.close()
