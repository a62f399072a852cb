"""Engagement and clicks over time: the series per post, and the SVG line drawn from it."""

from __future__ import annotations

from mktdirector.agents.analytics.sparklines import history, sparkline


def snap(draft: str, remote: str, hour: int, engagements: int, clicks: int) -> dict:
    return {"platform": "linkedin", "remote_id": remote, "draft_id": draft,
            "taken_utc": f"2026-12-01T{hour:02d}:00:00Z", "engagements": engagements,
            "link_clicks": clicks}  # fmt: skip


def test_history_is_per_draft_oldest_first_and_follows_the_first_post(store):
    store.add_snapshots([snap("D1", "urn:1", 3, 9, 2), snap("D1", "urn:1", 1, 1, 0),
                         snap("D1", "urn:2", 2, 500, 50), snap("D2", "urn:9", 1, 4, 1)])  # fmt: skip
    got = history(store, ["D1"])
    assert got == {"D1": {"engagements": [1, 9], "clicks": [0, 2]}}


def test_a_sparkline_is_plain_svg_scaled_to_a_round_top():
    svg = sparkline([0, 5, 10], "engagements")
    assert svg.startswith("<svg") and "<polyline" in svg and "<script" not in svg
    assert "style=" not in svg  # presentation attributes only: the CSP has no unsafe-inline
    assert "engagements: 0 to 10" in svg
    assert sparkline([3], "one point") == ""


def test_without_a_total_engagements_are_the_interactions_summed(store):
    store.add_snapshots([
        {**snap("D3", "urn:3", 1, 0, 0), "engagements": None, "likes": 2, "replies": 1},
        {**snap("D3", "urn:3", 2, 0, 0), "engagements": None, "likes": 5, "reposts": 2},
    ])  # fmt: skip
    assert history(store, ["D3"])["D3"]["engagements"] == [3, 7]
