"""A small, hand-computed history for report tests (seeded straight into the tables).

Timeframe 2026-05-01..2026-05-07. Expected figures are worked out in test_report.py next to
each assertion.
"""

from __future__ import annotations

from typing import Any

FIRST, LAST = "2026-05-01", "2026-05-07"
TIMEFRAME = f"{FIRST}..{LAST}"


def _snap(platform: str, remote: str, draft: str, taken: str, **m: Any) -> dict[str, Any]:
    row = {"platform": platform, "remote_id": remote, "draft_id": draft, "taken_utc": taken}
    for k in ("impressions", "reach", "likes", "reposts", "replies", "quotes", "bookmarks",
              "link_clicks", "engagements"):  # fmt: skip
        row[k] = m.get(k)
    return row


def seed(store: Any) -> None:
    db = store.db
    drafts = [
        ("LI1", "linkedin", "post", "AI ROI"),
        ("X1", "twitter", "thread", "Prompting tips"),
        ("X2", "twitter", "post", "Unmeasured"),
        ("LI2", "linkedin", "post", "Member post, private metrics"),
        ("OLD", "linkedin", "post", "Before the timeframe"),
        ("EM1", "email", "email", "Launch email"),
        ("FAIL", "twitter", "post", "Failed"),
    ]
    db["drafts"].insert_all(
        {"id": i, "platform": p, "kind": k, "topic": t, "status": "published"}
        for i, p, k, t in drafts
    )
    post = {"account": "brand", "status": "published"}
    db["posts"].insert_all(
        [
            {**post, "id": "p1", "draft_id": "LI1", "platform": "linkedin", "segment": 0,
             "remote_id": "urn:li:share:1", "url": "https://www.linkedin.com/feed/update/1",
             "published_utc": "2026-05-02T09:00:00.000Z", "cost_usd": 0.0},
            {**post, "id": "p2", "draft_id": "X1", "platform": "twitter", "segment": 0,
             "remote_id": "1001", "url": "https://x.com/brand/status/1001",
             "published_utc": "2026-05-04T15:00:00.000Z", "cost_usd": 0.015},
            {**post, "id": "p3", "draft_id": "X1", "platform": "twitter", "segment": 1,
             "remote_id": "1002", "published_utc": "2026-05-04T15:00:01.000Z", "cost_usd": 0.015},
            {**post, "id": "p4", "draft_id": "X1", "platform": "twitter", "segment": 2,
             "remote_id": "1003", "published_utc": "2026-05-04T15:00:02.000Z", "cost_usd": 0.20},
            {**post, "id": "p5", "draft_id": "X2", "platform": "twitter", "segment": 0,
             "remote_id": "2001", "published_utc": "2026-05-06T09:00:00.000Z", "cost_usd": 0.015},
            {**post, "id": "p6", "draft_id": "LI2", "platform": "linkedin", "segment": 0,
             "remote_id": "urn:li:share:2", "published_utc": "2026-05-07T08:00:00.000Z",
             "cost_usd": None},
            {**post, "id": "p7", "draft_id": "OLD", "platform": "linkedin", "segment": 0,
             "remote_id": "urn:li:share:0", "published_utc": "2026-04-20T08:00:00.000Z",
             "cost_usd": 0.0},
            {**post, "id": "p8", "draft_id": "FAIL", "platform": "twitter", "segment": 0,
             "status": "failed", "remote_id": None, "published_utc": None, "cost_usd": None},
        ]
    )  # fmt: skip
    # Through the store, as the analytics fetch writes them: it keeps each post's latest (m028).
    store.add_snapshots(
        [
            # LI1: the later snapshot wins (not the sum): 500 impressions, 20+3+2 = 25.
            _snap("linkedin", "urn:li:share:1", "LI1", "2026-05-02T10:00:00Z", impressions=100,
                  reach=90, likes=5, reposts=1, replies=0, link_clicks=2),
            _snap("linkedin", "urn:li:share:1", "LI1", "2026-05-03T10:00:00Z", impressions=500,
                  reach=400, likes=20, reposts=3, replies=2, link_clicks=10),
            # X1 segment 1: latest 3000 impressions, 40+5+4+1+2 = 52, 12 clicks.
            _snap("twitter", "1001", "X1", "2026-05-04T16:00:00Z", impressions=1000, likes=10,
                  reposts=2, replies=1, quotes=0, bookmarks=1, link_clicks=5),
            _snap("twitter", "1001", "X1", "2026-05-05T16:00:00Z", impressions=3000, likes=40,
                  reposts=5, replies=4, quotes=1, bookmarks=2, link_clicks=12),
            # X1 segment 2: one snapshot, 8+0+1 = 9.
            _snap("twitter", "1002", "X1", "2026-05-05T16:00:00Z", impressions=800, likes=8,
                  reposts=0, replies=1, quotes=0, bookmarks=0, link_clicks=0),
            # X1 segment 3: the platform's own engagements total (30) is used as given.
            _snap("twitter", "1003", "X1", "2026-05-04T16:00:00Z", impressions=100, likes=1),
            _snap("twitter", "1003", "X1", "2026-05-06T10:00:00Z", impressions=600, likes=6,
                  reposts=1, replies=0, quotes=0, bookmarks=1, engagements=30, link_clicks=3),
            # LI2: a member post without impressions: 4+0+1 = 5 engagements.
            _snap("linkedin", "urn:li:share:2", "LI2", "2026-05-07T20:00:00Z", likes=4,
                  reposts=0, replies=1),
            _snap("linkedin", "urn:li:share:0", "OLD", "2026-05-03T10:00:00Z", impressions=9999,
                  likes=999),
        ]
    )  # fmt: skip
    db["generations"].insert_all(
        [
            {"id": "g1", "draft_id": "LI1", "cost_usd": 0.002},
            {"id": "g2", "draft_id": "LI1", "cost_usd": 0.001},
            {"id": "g3", "draft_id": "X1", "cost_usd": 0.004},
            {"id": "g4", "draft_id": "LI2", "cost_usd": 0.001},
            {"id": "g5", "draft_id": "EM1", "cost_usd": 0.002},
            {"id": "g6", "draft_id": "OLD", "cost_usd": 0.5},
            {"id": "g7", "draft_id": None, "cost_usd": 0.3, "purpose": "narrative"},
        ]
    )
    traffic = [
        ("2026-05-02", "LI1", 30, 2.0),
        ("2026-05-03", "LI1", 20, 1.5),
        ("20260505", "X1", 40, 4.0),  # GA4's own YYYYMMDD form
        ("2026-05-05", "EM1", 10, 1.0),
        ("2026-05-03", "OLD", 7, 0.0),  # late visits to an old post: trend only
        ("2026-05-05", None, 500, 9.0),  # unattributed traffic: never counted
    ]
    db["traffic_snapshots"].insert_all(
        {"property_id": "p", "date": d, "source": "s", "medium": "social", "campaign": "c",
         "ad_content": draft or "(not set)", "landing_page": f"/{i}", "sessions": n,
         "key_events": k, "draft_id": draft, "taken_utc": "2026-05-08T00:00:00Z"}
        for i, (d, draft, n, k) in enumerate(traffic)
    )  # fmt: skip
    contacts = [
        ("c1", "LI1", "2026-05-02T12:00:00.000Z"),
        ("c2", "LI1", "2026-05-04T08:00:00.000Z"),
        ("c3", "X1", "2026-05-05T10:00:00.000Z"),
        ("c4", "EM1", "2026-05-06T10:00:00.000Z"),
        ("c5", "LI2", "2026-05-07T09:00:00.000Z"),
        ("c6", "OLD", "2026-04-21T09:00:00.000Z"),
        ("c7", None, "2026-05-03T09:00:00.000Z"),
    ]
    db["contacts"].insert_all(
        {"id": i, "email": f"{i}@example.com", "draft_id": d, "created_utc": t}
        for i, d, t in contacts
    )
    db["emails"].insert_all(
        [
            {"id": "e1", "draft_id": "EM1", "status": "sent", "recipients": 200,
             "from_email": "news@example.com", "category": "launch-1",
             "sent_utc": "2026-05-05T08:00:00.000Z"},
            {"id": "e2", "draft_id": "EM1", "status": "failed", "recipients": 5,
             "category": "launch-1", "sent_utc": None},
        ]
    )  # fmt: skip
    db["email_stats"].insert_all(
        [
            {"date": "2026-05-05", "category": "launch-1", "delivered": 190, "unique_opens": 80,
             "unique_clicks": 12},
            {"date": "2026-05-06", "category": "launch-1", "delivered": 5, "unique_opens": 20,
             "unique_clicks": 3},
            {"date": "2026-05-05", "category": "", "delivered": 5000, "unique_opens": 900,
             "unique_clicks": 90},
        ]
    )  # fmt: skip
