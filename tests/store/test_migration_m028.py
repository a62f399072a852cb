"""m028_posts_latest_snapshot: the column, and the backfill of a history written before it
(snapshots out of order, ties on taken_utc, posts never measured, snapshots of no post)."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlite_utils import Database

from mktdirector.store.sqlite import reporting
from mktdirector.store.sqlite.metrics import LATEST_COLUMNS
from mktdirector.store.sqlite.migrations import migrations

sys.path.insert(0, str(Path(__file__).parent / "contract"))
import report_sql_before_m028 as before  # noqa: E402


def _history(db: Database) -> None:
    db["drafts"].insert_all(
        {"id": d, "platform": p, "kind": "post", "status": "published", "topic": d}
        for d, p in (("D1", "linkedin"), ("D2", "twitter"), ("D3", "linkedin"))
    )
    db["posts"].insert_all(
        {"id": pid, "draft_id": d, "platform": p, "segment": seg, "status": st, "remote_id": r,
         "published_utc": "2027-01-10T09:00:00Z"}
        for pid, d, p, seg, st, r in (
            ("P1", "D1", "linkedin", 0, "published", "urn:1"),
            ("P2", "D2", "twitter", 0, "published", "x:1"),
            ("P3", "D2", "twitter", 1, "published", "x:2"),
            ("P4", "D3", "linkedin", 0, "published", "urn:3"),  # never measured
            ("P5", "D3", "linkedin", 1, "intent", None),  # never published
        )
    )  # fmt: skip
    db["metric_snapshots"].insert_all(
        {"id": i, "platform": p, "remote_id": r, "taken_utc": t, "impressions": n, "likes": k,
         "engagements": e}
        for i, p, r, t, n, k, e in (
            (1, "linkedin", "urn:1", "2027-01-12T00:00:00Z", 500, 20, None),  # newest, first
            (2, "linkedin", "urn:1", "2027-01-11T00:00:00Z", 100, 2, None),
            (3, "twitter", "x:1", "2027-01-12T00:00:00Z", 70, 4, None),
            (4, "twitter", "x:1", "2027-01-12T00:00:00Z", 90, 5, None),  # a tie: later id wins
            (5, "twitter", "x:2", "2027-01-11T00:00:00Z", 30, 3, 11),
            (6, "twitter", "urn:1", "2027-01-13T00:00:00Z", 999, 9, None),  # another platform's
            (7, "linkedin", "urn:gone", "2027-01-13T00:00:00Z", 1, 1, None),  # no post row
        )
    )  # fmt: skip


def test_m028_backfills_each_posts_latest_snapshot(tmp_path: Path) -> None:
    db = Database(tmp_path / "mktd.db")
    migrations.apply(db, stop_before="m028_posts_latest_snapshot")
    assert "latest_snapshot_id" not in db["posts"].columns_dict
    _history(db)
    old, params = before.posts_query(["linkedin", "twitter"], "2027-01-01", "2027-02-01",
                                     now_utc="2027-02-01T00:00:00Z", postgres=False)  # fmt: skip
    was = db.execute(old + " order by draft_id", params).fetchall()
    migrations.apply(db)
    columns = db["posts"].columns_dict
    assert [columns[c] for c in LATEST_COLUMNS] == [int, str, int, int, int, int]
    kept = {r[0]: r[1:] for r in db.execute(f"select id, {', '.join(LATEST_COLUMNS)} from posts")}
    assert kept == {
        "P1": (1, "2027-01-12T00:00:00Z", 500, None, 20, None),
        "P2": (4, "2027-01-12T00:00:00Z", 90, None, 5, None),
        "P3": (5, "2027-01-11T00:00:00Z", 30, None, 11, None),  # its own engagements total
        "P4": (None,) * 6,
        "P5": (None,) * 6,
    }
    new, _ = reporting.posts_query(["linkedin", "twitter"], "2027-01-01", "2027-02-01",
                                   now_utc="2027-02-01T00:00:00Z")  # fmt: skip
    assert db.execute(new + " order by draft_id", params).fetchall() == was
    db.close()
