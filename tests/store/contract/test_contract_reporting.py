"""Monitoring and Reporting: the figures status, alerts and reports read from the store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mktdirector.core.http import Exchange
from mktdirector.store.protocols import StoreLike
from mktdirector.store.rows import Draft, DraftStatus, JobStatus, PostStatus

SINCE = "2000-01-01T00:00:00Z"


def published(store: StoreLike, add_draft: Callable[..., Draft], remote_id: str) -> Draft:
    d = add_draft(approved=True, topic="AI ROI")
    pid = store.write_intent(d["id"], 0, platform="linkedin", account=None, text="t", reply_to=None)
    store.mark_post(pid, PostStatus.PUBLISHED, remote_id=remote_id, url=f"https://li/{remote_id}",
                    published_utc="2027-01-10T09:00:00Z")  # fmt: skip
    return d


def test_a_report_sums_each_posts_latest_snapshot(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    d = published(store, add_draft, "urn:1")
    store.add_snapshots([
        {"platform": "linkedin", "remote_id": "urn:1", "draft_id": d["id"], "taken_utc": "2027-01-11T00:00:00Z", "impressions": 100, "likes": 1},
        {"platform": "linkedin", "remote_id": "urn:1", "draft_id": d["id"], "taken_utc": "2027-01-12T00:00:00Z", "impressions": 500, "likes": 20, "reposts": 5},
    ])  # fmt: skip
    figures = store.report_figures(["linkedin"], "2027-01-01", "2027-02-01",
                                   now_utc="2027-02-01T00:00:00Z", rank_by="engagements")  # fmt: skip
    [post] = figures["posts"]
    assert (post["draft_id"], post["impressions"], post["engagements"]) == (d["id"], 500, 25)
    assert (post["engagement_rate"], post["url"], post["topic"]) == (
        0.05,
        "https://li/urn:1",
        "AI ROI",
    )
    assert figures["totals"]["posts"] == 1 and figures["totals"]["impressions"] == 500
    assert [t["draft_id"] for t in figures["top"]] == [d["id"]]
    empty = store.report_figures(["linkedin"], "2026-01-01", "2026-02-01",
                                 now_utc="2027-02-01T00:00:00Z", rank_by="engagements")  # fmt: skip
    assert empty["posts"] == [] and empty["totals"]["posts"] == 0


def test_streamed_posts_are_tuples_of_the_same_figures(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    d = published(store, add_draft, "urn:3")
    store.add_snapshots([{"platform": "linkedin", "remote_id": "urn:3", "draft_id": d["id"],
                          "taken_utc": "2027-01-11T00:00:00Z", "impressions": 40, "likes": 3}])  # fmt: skip
    args: Any = (["linkedin"], "2027-01-01", "2027-02-01")
    kw: Any = {"now_utc": "2027-02-01T00:00:00Z", "rank_by": "engagements"}
    [whole] = store.report_figures(*args, **kw)["posts"]
    streamed = store.report_figures(*args, **kw, posts_stream=True)
    assert [dict(zip(streamed["post_columns"], row, strict=True)) for row in streamed["posts"]] == [
        whole
    ]
    assert streamed["totals"]["posts"] == 1
    only = store.report_figures(*args, **kw, posts_stream=True, posts_only=True)
    assert [row[0] for row in only["posts"]] == [d["id"]]
    assert only["top"] == [] and only["daily_posts"] == [] and only["totals"]["posts"] == 0


def test_a_thread_sums_each_segments_latest_snapshot_the_last_written_on_a_tie(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    # PostgreSQL picks the latest snapshot in a query of its own (store/postgres/reporting.py):
    # the same rows, the same tie-break (the later id) and plain ints, never Decimal.
    d = add_draft(approved=True, topic="thread")
    for seg, rid in ((0, "x:1"), (1, "x:2"), (2, "x:3")):
        pid = store.write_intent(d["id"], seg, platform="twitter", account=None, text=f"t{seg}",
                                 reply_to=None)  # fmt: skip
        store.mark_post(pid, PostStatus.PUBLISHED, remote_id=rid, url=f"https://x/{rid}",
                        published_utc="2027-01-10T09:00:00Z")  # fmt: skip
    snap = {"platform": "twitter", "draft_id": d["id"]}
    store.add_snapshots([
        snap | {"remote_id": "x:1", "taken_utc": "2027-01-11T00:00:00Z", "impressions": 10, "likes": 1},
        snap | {"remote_id": "x:1", "taken_utc": "2027-01-12T00:00:00Z", "impressions": 70, "likes": 4},
        snap | {"remote_id": "x:1", "taken_utc": "2027-01-12T00:00:00Z", "impressions": 90, "likes": 5, "link_clicks": 2},
        snap | {"remote_id": "x:2", "taken_utc": "2027-01-11T00:00:00Z", "impressions": 30, "reposts": 3},
    ])  # fmt: skip
    figures = store.report_figures(["twitter"], "2027-01-01", "2027-02-01",
                                   now_utc="2027-02-01T00:00:00Z", rank_by="engagements")  # fmt: skip
    [post] = figures["posts"]
    got = {k: post[k] for k in ("segments", "measured", "metrics_utc", "impressions",
                                "engagements", "link_clicks")}  # fmt: skip
    assert got == {"segments": 3, "measured": 1, "metrics_utc": "2027-01-12T00:00:00Z",
                   "impressions": 120, "engagements": 8, "link_clicks": 2}  # fmt: skip
    assert all(type(post[k]) is int for k in ("impressions", "engagements", "link_clicks"))
    assert post["reach"] is None  # no segment reported reach: unknown, not 0
    streamed = store.report_figures(["twitter"], "2027-01-01", "2027-02-01", posts_stream=True,
                                    now_utc="2027-02-01T00:00:00Z", rank_by="engagements")  # fmt: skip
    assert [dict(zip(streamed["post_columns"], r, strict=True)) for r in streamed["posts"]] == [
        post
    ]


def test_an_unpriced_generation_makes_the_llm_cost_unknown(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    priced, unpriced = published(store, add_draft, "urn:4"), published(store, add_draft, "urn:5")
    store.db["generations"].insert({"id": "g1", "draft_id": priced["id"], "cost_usd": 0.004})
    store.db["generations"].insert({"id": "g2", "draft_id": unpriced["id"], "cost_usd": 0.002})
    store.db["generations"].insert({"id": "g3", "draft_id": unpriced["id"], "cost_usd": None})
    figures = store.report_figures(["linkedin"], "2027-01-01", "2027-02-01",
                                   now_utc="2027-02-01T00:00:00Z", rank_by="engagements")  # fmt: skip
    costs = {p["draft_id"]: p["llm_cost_usd"] for p in figures["posts"]}
    assert costs == {priced["id"]: 0.004, unpriced["id"]: None}
    totals = figures["totals"]
    assert (totals["llm_cost_usd"], totals["unpriced_posts"]) == (0.004, 1)


def test_daily_leads_come_from_contacts_of_our_drafts(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    d = published(store, add_draft, "urn:2")
    store.upsert_contacts([{"id": "1", "email": "a@example.com", "draft_id": d["id"],
                            "created_utc": "2027-01-11T08:00:00Z"}])  # fmt: skip
    leads = store.report_daily_leads(["linkedin"], "2027-01-01", "2027-02-01")
    assert [(r["day"], r["leads"]) for r in leads] == [("2027-01-11", 1)]
    assert store.report_daily_leads(["twitter"], "2027-01-01", "2027-02-01") == []


def test_status_figures_count_calls_and_the_queue(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    base: dict[str, Any] = dict(account="main", method="GET", path="/me", duration_ms=10, attempt=1)
    store.record_exchange(Exchange(platform="twitter", status=200, **base))
    store.record_exchange(Exchange(platform="twitter", status=500, error_kind="server", **base))
    [w] = store.call_windows(SINCE, SINCE)
    assert (w["platform"], w["account"], w["calls_7d"], w["ok_7d"]) == ("twitter", "main", 2, 1)
    [f] = store.failures_by_kind(SINCE, SINCE)
    assert (f["error_kind"], f["failures_7d"]) == ("server", 1)
    assert store.last_success("twitter", "main") is not None
    assert store.last_success("linkedin", "main") is None
    d = add_draft(approved=True)
    store.schedule_publish(d["id"], platform="linkedin", account=None,
                           due_utc="2027-01-10T09:00:00Z", payload={})  # fmt: skip
    queue = store.queue_summary("2027-01-11T00:00:00Z")
    assert (queue["queued"], queue["running"], queue["overdue"]) == (1, 0, 1)
    assert queue["next_due"]["draft_id"] == d["id"]
    assert store.queued_by_platform() == {"linkedin": 1}


def test_alert_rules_see_troubled_drafts_and_skipped_jobs(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    d = add_draft(approved=True)
    store.claim_draft(d["id"], "me", now=0, lease_s=60)
    store.finish_draft(d["id"], "me", DraftStatus.NEEDS_CHECK, error="timeout")
    [t] = store.troubled_drafts(SINCE)
    assert (t["id"], t["status"], t["error"]) == (d["id"], "needs-check", "timeout")
    assert store.ensure_job("analytics", due_utc="2027-01-10T09:00:00Z", platform="twitter")
    job = store.claim_job("w", now=0, now_iso="2027-01-10T09:00:00Z",
                          due_before="2027-01-10T09:00:00Z", lease_s=60)  # fmt: skip
    assert job is not None and store.finish_job(job["id"], "w", JobStatus.SKIPPED, error="late")
    [s] = store.skipped_jobs(SINCE)
    assert (s["id"], s["last_error"]) == (job["id"], "late")
