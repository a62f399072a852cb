"""Issue 11 rough edge: a post written by a model without a price has an unknown cost in the
report (not $0), every sum that includes it is unknown too, and the report says how many posts
have no price (the known part stays visible)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from report_fixture import TIMEFRAME, seed

from mktdirector.agents.analytics.report import build_report, to_csv
from mktdirector.agents.analytics.report_format import fmt
from mktdirector.agents.analytics.report_html import render_html

NOW = datetime(2026, 5, 8, 12, 0, tzinfo=UTC)


@pytest.fixture
def report(store):  # type: ignore[no-untyped-def]
    seed(store)
    # X2 was written by a model mktd has no price for (provenance says "unknown").
    store.db["generations"].insert({"id": "g-unpriced", "draft_id": "X2", "cost_usd": None})
    return build_report(store, timeframe=TIMEFRAME, now=NOW)


def by_id(rows):  # type: ignore[no-untyped-def]
    return {r.get("draft_id") or r.get("channel"): r for r in rows}


def test_the_unpriced_post_costs_unknown_not_zero(report):  # type: ignore[no-untyped-def]
    posts = by_id(report.posts)
    assert posts["X2"]["llm_cost_usd"] is None and posts["X2"]["cost_usd"] is None
    assert posts["X2"]["cost_per_engagement"] is None
    assert posts["X1"]["llm_cost_usd"] == 0.004  # a priced post keeps its cost
    assert fmt("cost_usd", posts["X2"]["cost_usd"]) == "unknown"


def test_sums_with_an_unpriced_post_are_unknown_and_the_report_says_how_many(report):  # type: ignore[no-untyped-def]
    tw, li = by_id(report.by_channel)["twitter"], by_id(report.by_channel)["linkedin"]
    assert tw["cost_usd"] is None and tw["unpriced_posts"] == 1
    assert li["cost_usd"] == 0.004 and li["unpriced_posts"] == 0  # untouched channel
    t = report.totals
    assert t["cost_usd"] is None and t["llm_cost_usd"] is None and t["unpriced_posts"] == 1
    assert t["llm_cost_known_usd"] == 0.01 and t["api_cost_usd"] == 0.245
    assert any("1 post(s) were written by a model without a price" in n for n in report.notes)


def test_csv_and_html_show_unknown_never_zero(report):  # type: ignore[no-untyped-def]
    html = render_html(report)
    assert "Total cost unknown" in html
    rows = {r["draft_id"]: r for r in csv.DictReader(io.StringIO(to_csv(report)))}
    assert rows["X2"]["cost_usd"] in {"", "unknown"} and rows["X1"]["cost_usd"] not in {"", "0"}
