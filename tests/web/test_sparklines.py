"""Engagement and clicks over time: the series per post, and the SVG line drawn from it."""

from __future__ import annotations

import json

from mktdirector.agents.analytics.sparklines import history, sparkline
from mktdirector.store.rows import DraftStatus, PostStatus


def snap(draft: str, remote: str, day: int, engagements: int, clicks: int, hour: int = 9) -> dict:
    return {"platform": "linkedin", "remote_id": remote, "draft_id": draft,
            "taken_utc": f"2026-12-{day:02d}T{hour:02d}:00:00Z", "engagements": engagements,
            "link_clicks": clicks}  # fmt: skip


def publish(store, *remotes: str) -> str:
    """A published draft whose segments (a thread) are the given remote ids, first first."""
    d = store.insert_draft({"platform": "linkedin", "kind": "post", "body_json": json.dumps(["x"]),
                            "content_hash": "h", "status": DraftStatus.APPROVED,
                            "approved_hash": "h"})  # fmt: skip
    for seg, remote in enumerate(remotes):
        pid = store.write_intent(d["id"], seg, platform="linkedin", account=None, text="t",
                                 reply_to=None)  # fmt: skip
        store.mark_post(pid, PostStatus.PUBLISHED, remote_id=remote, url=None,
                        published_utc="2026-12-01T08:00:00Z")  # fmt: skip
    return str(d["id"])


def test_history_is_per_draft_oldest_first_and_follows_the_first_post(store):
    d1, d2 = publish(store, "urn:1", "urn:2"), publish(store, "urn:9")
    store.add_snapshots([snap(d1, "urn:1", 3, 9, 2), snap(d1, "urn:1", 1, 1, 0),
                         snap(d1, "urn:1", 1, 4, 1, hour=20),
                         snap(d1, "urn:2", 2, 500, 50), snap(d2, "urn:9", 1, 4, 1)])  # fmt: skip
    got = history(store, [d1])
    assert got == {d1: {"engagements": [1, 4, 9], "clicks": [0, 1, 2]}}


def test_a_sparkline_is_plain_svg_scaled_to_a_round_top():
    svg = sparkline([0, 5, 10], "engagements")
    assert svg.startswith("<svg") and "<polyline" in svg and "<script" not in svg
    assert "style=" not in svg  # presentation attributes only: the CSP has no unsafe-inline
    assert "engagements: 0 to 10" in svg
    assert sparkline([3], "one point") == ""


def test_without_a_total_engagements_are_the_interactions_summed(store):
    d3 = publish(store, "urn:3")
    store.add_snapshots([
        {**snap(d3, "urn:3", 1, 0, 0), "engagements": None, "likes": 2, "replies": 1},
        {**snap(d3, "urn:3", 2, 0, 0), "engagements": None, "likes": 5, "reposts": 2},
    ])  # fmt: skip
    assert history(store, [d3])[d3]["engagements"] == [3, 7]


def test_history_keeps_the_newest_points_of_a_long_history(store):
    from mktdirector.store.sqlite.reporting import SPARK_POINTS

    d = publish(store, "urn:long")
    store.add_snapshots([snap(d, "urn:long", 1 + i // 24, i, 0, hour=i % 24)
                         for i in range(SPARK_POINTS + 10)])  # fmt: skip
    assert history(store, [d])[d]["engagements"] == list(range(10, SPARK_POINTS + 10))
