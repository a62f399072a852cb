"""posts.latest_* (m028, issue 17 item 4): the report reads each post's latest snapshot from its
row, and gives byte for byte what the query that sought it per post gave
(report_sql_before_m028.py), on every backend: snapshots out of order, ties on taken_utc, a
thread with an unmeasured segment, posts with no snapshot, a deleted post, snapshots stored
before their post had its remote id, and emails."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import report_sql_before_m028 as before

from mktdirector.store.protocols import StoreLike
from mktdirector.store.rows import Draft, PostStatus
from mktdirector.store.sqlite import reporting
from mktdirector.store.sqlite.metrics import LATEST_COLUMNS

START, END, NOW = "2027-01-01", "2027-02-01", "2027-02-01T00:00:00Z"
CHANNELS = ["linkedin", "twitter", "email"]


def _publish(store: StoreLike, draft: Draft, segment: int, platform: str, remote_id: str,
             when: str = "2027-01-10T09:00:00Z") -> str:  # fmt: skip
    pid = store.write_intent(draft["id"], segment, platform=platform, account="brand",
                             text=f"t{segment}", reply_to=None)  # fmt: skip
    store.mark_post(pid, PostStatus.PUBLISHED, remote_id=remote_id, url=f"https://p/{remote_id}",
                    published_utc=when, cost_usd=0.015 if platform == "twitter" else None)  # fmt: skip
    return pid


def _snap(platform: str, remote_id: str, taken: str, **figures: Any) -> dict[str, Any]:
    return {"platform": platform, "remote_id": remote_id, "taken_utc": taken, **figures}


def _seed(store: StoreLike, add_draft: Callable[..., Draft]) -> dict[str, str]:
    ids: dict[str, str] = {}
    # Out of order: the newer reading arrives first, an older one after it; the newer wins.
    a = add_draft(approved=True, topic="out of order")
    _publish(store, a, 0, "linkedin", "urn:a", "2027-01-05T09:00:00Z")
    store.add_snapshots([_snap("linkedin", "urn:a", "2027-01-12T00:00:00Z", impressions=500,
                               likes=20, reach=300, link_clicks=4)])  # fmt: skip
    store.add_snapshots([_snap("linkedin", "urn:a", "2027-01-11T00:00:00Z", impressions=100,
                               likes=2)])  # fmt: skip
    # A thread: a tie on taken_utc across two fetches (the later id wins), a segment never
    # measured, a segment whose platform gives its own engagements total.
    b = add_draft(approved=True, topic="thread", platform="twitter")
    for seg, rid in enumerate(("x:1", "x:2", "x:3")):
        _publish(store, b, seg, "twitter", rid, f"2027-01-06T09:00:0{seg}Z")
    store.add_snapshots([_snap("twitter", "x:1", "2027-01-12T00:00:00Z", impressions=70, likes=4),
                         _snap("twitter", "x:3", "2027-01-09T00:00:00Z", impressions=9)])  # fmt: skip
    store.add_snapshots([_snap("twitter", "x:1", "2027-01-12T00:00:00Z", impressions=90, likes=5,
                               link_clicks=2),
                         _snap("twitter", "x:3", "2027-01-12T00:00:00Z", impressions=30,
                               reposts=3, engagements=11)])  # fmt: skip
    # Published, never measured.
    c = add_draft(approved=True, topic="no snapshot")
    _publish(store, c, 0, "linkedin", "urn:c", "2027-01-07T09:00:00Z")
    # Measured, then deleted on the platform: the report leaves it out, before and after.
    d = add_draft(approved=True, topic="deleted")
    d_post = _publish(store, d, 0, "linkedin", "urn:d", "2027-01-08T09:00:00Z")
    store.add_snapshots([_snap("linkedin", "urn:d", "2027-01-09T00:00:00Z", impressions=40)])
    store.mark_post(d_post, PostStatus.DELETED, deleted_utc="2027-01-10T00:00:00Z")
    # Readings of a remote post stored before a post row named it (another row's post, a
    # reconciled answer): the row gets its latest when it gets the remote id.
    store.add_snapshots([_snap("linkedin", "urn:e", "2027-01-13T00:00:00Z", impressions=77,
                               likes=7),
                         _snap("linkedin", "urn:e", "2027-01-12T00:00:00Z", impressions=66)])  # fmt: skip
    e = add_draft(approved=True, topic="snapshots first")
    _publish(store, e, 0, "linkedin", "urn:e", "2027-01-09T09:00:00Z")
    # Two posts published at the same second: ordered by draft id.
    for name in ("f", "g"):
        f = add_draft(approved=True, topic=f"same second {name}", platform="twitter")
        _publish(store, f, 0, "twitter", f"x:{name}", "2027-01-09T09:00:00Z")
        store.add_snapshots([_snap("twitter", f"x:{name}", "2027-01-10T00:00:00Z",
                                   impressions=5, replies=1)])  # fmt: skip
        ids[name] = f["id"]
    # Attributed figures: traffic, contacts, priced and unpriced generations.
    db = store.db
    db["generations"].insert_all([{"id": "g1", "draft_id": a["id"], "cost_usd": 0.004},
                                  {"id": "g2", "draft_id": b["id"], "cost_usd": 0.002},
                                  {"id": "g3", "draft_id": b["id"], "cost_usd": None}])  # fmt: skip
    db["traffic_snapshots"].insert_all(
        {"property_id": "p", "date": day, "source": "s", "medium": "social", "campaign": "c",
         "ad_content": draft, "landing_page": f"/{day}", "sessions": n, "key_events": k,
         "draft_id": draft, "taken_utc": NOW}
        for day, draft, n, k in (("2027-01-11", a["id"], 30, 2.5), ("20270112", b["id"], 4, 1.0))
    )  # fmt: skip
    store.upsert_contacts([{"id": "1", "email": "a@example.com", "draft_id": a["id"],
                            "created_utc": "2027-01-11T08:00:00Z"}])  # fmt: skip
    # An email with its category's stats.
    m = add_draft(approved=True, topic="launch email", platform="email", kind="email")
    db["emails"].insert({"id": "e1", "draft_id": m["id"], "status": "sent", "recipients": 200,
                         "from_email": "news@example.com", "category": "launch-1",
                         "sent_utc": "2027-01-10T08:00:00Z"})  # fmt: skip
    db["email_stats"].insert({"date": "2027-01-10", "category": "launch-1", "delivered": 190,
                              "unique_opens": 80, "unique_clicks": 12,
                              "taken_utc": "2027-01-11T00:00:00Z"})  # fmt: skip
    ids.update(a=a["id"], b=b["id"], c=c["id"], d=d["id"], e=e["id"], m=m["id"])
    return ids


def _typed(store: StoreLike, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Every value with its type: 500 and 500.0 are different bytes in a CSV."""
    rows = store.db.conn.execute(sql, params).fetchall()
    return [tuple((type(v).__name__, v) for v in row) for row in rows]


def _old_and_new(store: StoreLike) -> tuple[str, str, list[Any]]:
    postgres = type(store).__module__.startswith("mktdirector.store.postgres")
    new, params = store.report_posts_query(CHANNELS, START, END, now_utc=NOW)  # type: ignore[attr-defined]
    old, old_params = before.posts_query(CHANNELS, START, END, now_utc=NOW, postgres=postgres)
    assert old_params == params
    return old, new, params


def test_the_kept_latest_gives_what_the_per_post_seek_gave(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    ids = _seed(store, add_draft)
    old, new, params = _old_and_new(store)
    order = " order by published_utc, draft_id"
    old_rows, new_rows = _typed(store, old + order, params), _typed(store, new + order, params)
    assert new_rows == old_rows
    # What a CSV and a streamed JSON read: the derived figures over the posts query.
    derived = reporting._DERIVED
    assert _typed(store, derived.format(source=f"({new}) as p") + order, params) == _typed(
        store, derived.format(source=f"({old}) as p") + order, params
    )
    # And the figures are the ones worked out by hand (the comparison is not of two wrongs).
    got = {row[0][1]: row for row in new_rows}
    assert ids["d"] not in got and len(got) == 7
    cols = ["draft_id", "channel", "account", "published_utc", "topic", "approved_by",
            "published_by", "url", "segments", "measured", "metrics_utc", "impressions"]  # fmt: skip
    figure = {name: {c: v for c, (_, v) in zip(cols, got[ids[name]], strict=False)}
              for name in ("a", "b", "c", "e")}  # fmt: skip
    assert (figure["a"]["impressions"], figure["a"]["metrics_utc"]) == (500, "2027-01-12T00:00:00Z")
    assert (figure["b"]["segments"], figure["b"]["impressions"]) == (3, 120)  # 90 + 30
    assert (figure["c"]["measured"], figure["c"]["impressions"]) == (0, None)
    assert figure["e"]["impressions"] == 77


def test_the_report_figures_read_the_kept_latest(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    ids = _seed(store, add_draft)
    figures = store.report_figures(CHANNELS, START, END, now_utc=NOW, rank_by="engagements")
    by_id = {p["draft_id"]: p for p in figures["posts"]}
    # x:1's tie goes to the later fetch (5 likes + 2 clicks); x:3 uses its own total, 11.
    assert (by_id[ids["b"]]["engagements"], by_id[ids["b"]]["link_clicks"]) == (16, 2)
    assert by_id[ids["a"]]["engagements"] == 20
    assert figures["totals"]["posts"] == 7 and figures["totals"]["measured_posts"] == 6


def test_refreshing_every_post_changes_nothing_the_fetch_kept(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    _seed(store, add_draft)
    sql = f"select {', '.join(LATEST_COLUMNS)} from posts order by id"
    kept = _typed(store, sql, [])
    store.refresh_latest_snapshots()
    assert _typed(store, sql, []) == kept
    # Only the two posts never measured (urn:c, the thread's x:2) keep nothing.
    assert sum(row[0][1] is None for row in kept) == 2
    assert all((row[0][1] is None) == (row[1][1] is None) for row in kept)
