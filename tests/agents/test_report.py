"""Report figures against a hand-computed history (tests/agents/report_fixture.py)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from report_fixture import TIMEFRAME, seed

from mktdirector.agents.analytics.report import build_report, parse_timeframe, to_csv
from mktdirector.core.errors import UsageError

NOW = datetime(2026, 5, 8, 12, 0, tzinfo=UTC)


@pytest.fixture
def report(store):  # type: ignore[no-untyped-def]
    seed(store)
    return build_report(store, timeframe=TIMEFRAME, now=NOW)


def by_id(rows):  # type: ignore[no-untyped-def]
    return {r.get("draft_id") or r.get("channel"): r for r in rows}


def test_each_post_uses_its_latest_snapshot_and_its_attributed_traffic_leads_and_cost(report):  # type: ignore[no-untyped-def]
    posts = by_id(report.posts)
    assert sorted(posts) == ["EM1", "LI1", "LI2", "X1", "X2"]  # OLD is before, FAIL unpublished
    li1 = posts["LI1"]
    # Latest snapshot (05-03), not the sum of both: 500 impressions, 20+3+2 engagements.
    assert (li1["impressions"], li1["reach"], li1["engagements"], li1["link_clicks"]) == (
        500, 400, 25, 10,
    )  # fmt: skip
    assert li1["engagement_rate"] == 0.05  # 25 / 500
    assert (li1["sessions"], li1["key_events"], li1["leads"]) == (50, 3.5, 2)  # 30+20, 2+1.5
    assert (li1["llm_cost_usd"], li1["api_cost_usd"], li1["cost_usd"]) == (0.003, 0.0, 0.003)
    assert li1["cost_per_engagement"] == 0.00012  # 0.003 / 25
    assert li1["cost_per_lead"] == 0.0015  # 0.003 / 2
    assert li1["segments"] == 1 and li1["metrics_utc"] == "2026-05-03T10:00:00Z"
    assert li1["url"] == "https://www.linkedin.com/feed/update/1" and li1["topic"] == "AI ROI"

    x1 = posts["X1"]  # a thread: each segment's latest snapshot, summed
    assert x1["segments"] == 3
    assert x1["impressions"] == 3000 + 800 + 600
    assert x1["engagements"] == 52 + 9 + 30  # the third segment's own total is used as given
    assert x1["link_clicks"] == 12 + 0 + 3 and x1["reach"] is None
    assert x1["engagement_rate"] == 0.0207  # 91 / 4400 = 0.020681…
    assert (x1["sessions"], x1["key_events"], x1["leads"]) == (40, 4.0, 1)  # GA date 20260505
    assert (x1["llm_cost_usd"], x1["api_cost_usd"], x1["cost_usd"]) == (0.004, 0.23, 0.234)
    assert x1["cost_per_engagement"] == 0.002571  # 0.234 / 91
    assert x1["cost_per_lead"] == 0.234

    x2 = posts["X2"]  # published, never measured: unknown is not zero
    assert not x2["measured"]
    assert (x2["impressions"], x2["engagements"], x2["engagement_rate"]) == (None, None, None)
    assert (x2["sessions"], x2["leads"], x2["cost_usd"]) == (None, 0, 0.015)
    assert (x2["cost_per_engagement"], x2["cost_per_lead"]) == (None, None)

    li2 = posts["LI2"]  # engagements without impressions: no rate
    assert (li2["impressions"], li2["engagements"], li2["engagement_rate"]) == (None, 5, None)
    assert (li2["leads"], li2["cost_usd"], li2["cost_per_lead"]) == (1, 0.001, 0.001)

    em1 = posts["EM1"]  # email: delivered = reach, unique opens = impressions, clicks
    assert (em1["reach"], em1["impressions"], em1["engagements"], em1["link_clicks"]) == (
        195, 100, 15, 15,
    )  # fmt: skip
    assert (em1["engagement_rate"], em1["sessions"], em1["leads"]) == (0.15, 10, 1)
    assert (em1["cost_usd"], em1["cost_per_engagement"]) == (0.002, 0.000133)


def test_channel_totals_and_grand_total(report):  # type: ignore[no-untyped-def]
    ch = by_id(report.by_channel)
    assert [c["channel"] for c in report.by_channel] == ["linkedin", "twitter", "email"]
    li, tw, em = ch["linkedin"], ch["twitter"], ch["email"]
    assert (li["posts"], li["measured_posts"], li["impressions"], li["engagements"]) == (
        2, 2, 500, 30,
    )  # fmt: skip
    assert li["engagement_rate"] == 0.05  # only posts with impressions: 25 / 500
    assert (li["leads"], li["cost_usd"], li["cost_per_lead"]) == (3, 0.004, 0.001333)
    assert li["cost_per_engagement"] == 0.000133  # 0.004 / 30
    assert (tw["posts"], tw["measured_posts"], tw["impressions"], tw["engagements"]) == (
        2, 1, 4400, 91,
    )  # fmt: skip
    assert (tw["api_cost_usd"], tw["cost_usd"], tw["cost_per_engagement"]) == (
        0.245, 0.249, 0.002736,
    )  # fmt: skip
    assert (em["posts"], em["reach"], em["leads"]) == (1, 195, 1)
    t = report.totals
    assert (t["posts"], t["impressions"], t["reach"], t["engagements"]) == (5, 5000, 595, 136)
    assert t["engagement_rate"] == 0.0262  # (25 + 91 + 15) / (500 + 4400 + 100)
    assert (t["link_clicks"], t["sessions"], t["key_events"], t["leads"]) == (40, 100, 8.5, 5)
    assert (t["llm_cost_usd"], t["api_cost_usd"], t["cost_usd"]) == (0.01, 0.245, 0.255)
    assert (t["cost_per_engagement"], t["cost_per_lead"]) == (0.001875, 0.051)
    assert report.notes == ["1 post(s) have no metrics yet: run `mktd analytics fetch`."]


def test_daily_trend_counts_posts_by_day_published_and_visits_and_leads_when_they_happened(report):  # type: ignore[no-untyped-def]
    days = {d["date"]: d for d in report.trend}
    assert list(days) == [f"2026-05-0{i}" for i in range(1, 8)]
    assert days["2026-05-01"] == {
        "date": "2026-05-01", "posts": 0, "impressions": 0, "engagements": 0,
        "by_channel": {"linkedin": 0, "twitter": 0, "email": 0}, "sessions": 0,
        "key_events": 0.0, "leads": 0,
    }  # fmt: skip
    assert [days[d]["posts"] for d in days] == [0, 1, 0, 1, 1, 1, 1]
    assert [days[d]["engagements"] for d in days] == [0, 25, 0, 91, 15, 0, 5]
    assert days["2026-05-04"]["by_channel"] == {"linkedin": 0, "twitter": 91, "email": 0}
    # 05-03 includes the late visits to OLD (7): sessions are counted on the day they happened.
    assert [days[d]["sessions"] for d in days] == [0, 30, 27, 0, 50, 0, 0]
    assert [days[d]["key_events"] for d in days] == [0, 2.0, 1.5, 0, 5.0, 0, 0]
    assert [days[d]["leads"] for d in days] == [0, 1, 0, 1, 1, 1, 1]


def test_top_and_bottom_posts_rank_by_the_first_metric(store) -> None:  # type: ignore[no-untyped-def]
    seed(store)
    rep = build_report(store, timeframe=TIMEFRAME, now=NOW)
    assert rep.rank_by == "engagements"
    # Four measured posts: the better half on top, the rest at the bottom (worst first).
    assert [p["draft_id"] for p in rep.top] == ["X1", "LI1"]
    assert [p["draft_id"] for p in rep.bottom] == ["LI2", "EM1"]
    rep = build_report(store, timeframe=TIMEFRAME, metrics="leads,engagement", now=NOW)
    assert rep.rank_by == "leads"
    assert [p["draft_id"] for p in rep.top] == ["LI1", "X1", "EM1"]  # ties: earlier first
    assert [p["draft_id"] for p in rep.bottom] == ["X2", "LI2"]


def test_channels_and_metrics_filter_what_is_reported(store) -> None:  # type: ignore[no-untyped-def]
    seed(store)
    rep = build_report(store, timeframe=TIMEFRAME, channels="x", metrics="reach", now=NOW)
    assert rep.channels == ["twitter"] and {p["channel"] for p in rep.posts} == {"twitter"}
    d = rep.to_dict()
    assert "engagements" not in d["totals"] and "leads" not in d["posts"][0]
    assert d["totals"]["impressions"] == 4400 and d["totals"]["cost_usd"] == 0.249
    assert d["timeframe"] == {"label": TIMEFRAME, "first": "2026-05-01", "last": "2026-05-07"}
    rows = list(csv.DictReader(io.StringIO(to_csv(rep))))
    assert [r["draft_id"] for r in rows] == ["X1", "X2"]
    assert rows[0]["impressions"] == "4400" and rows[1]["impressions"] == ""
    assert "engagements" not in rows[0]


def test_no_database_means_an_empty_report_and_no_file(home) -> None:  # type: ignore[no-untyped-def]
    from mktdirector.core.paths import db_path
    from mktdirector.store import Store

    rep = build_report(Store(db_path(home)), timeframe="7d", now=NOW)
    assert rep.posts == [] and rep.totals["posts"] == 0 and rep.trend == []
    assert not db_path(home).exists()


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("7d", "2026-05-02", "2026-05-08"),
        ("30d", "2026-04-09", "2026-05-08"),
        ("1d", "2026-05-08", "2026-05-08"),
        ("2w", "2026-04-25", "2026-05-08"),
        ("2026-05-01..2026-05-07", "2026-05-01", "2026-05-07"),
    ],
)
def test_timeframes(text: str, first: str, last: str) -> None:
    tf = parse_timeframe(text, today=date(2026, 5, 8))
    assert (tf.start, tf.last.isoformat()) == (first, last)
    assert tf.end == (date.fromisoformat(last) + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    "text", ["yesterday", "0d", "2026-05-07..2026-05-01", "2026-02-31..2026-03-01", ""]
)
def test_bad_timeframes_are_refused(text: str) -> None:
    with pytest.raises(UsageError):
        parse_timeframe(text, today=date(2026, 5, 8))
