"""`posts_due_for_metrics` reads the posts alone: each post's `latest_taken_utc` (m028, kept by
add_snapshots, mark_post and `db copy`) instead of grouping the platform's whole
metric_snapshots table. The answer must be the one the grouping gave (BEFORE_M028_COLUMNS
below, the query as it was) over generated histories, and the plan must not read a snapshot."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from mktdirector.store.protocols import StoreLike
from mktdirector.store.rows import Draft, PostStatus
from mktdirector.store.sqlite import jobs

# The query before it read posts.latest_taken_utc: the newest snapshot per remote id, grouped.
BY_GROUPING_SNAPSHOTS = """
    select p.*, max(coalesce(m.last, p.published_utc), p.published_utc) as fresh
    from posts p
    left join (select remote_id, max(taken_utc) as last from metric_snapshots
               where platform = :platform group by remote_id) m
      on m.remote_id = p.remote_id
    where p.platform = :platform and p.status = 'published'
      and p.remote_id is not null and p.published_utc >= :daily_since
"""
NOW = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)
PLATFORMS = ("twitter", "linkedin")


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def by_grouping(store: StoreLike, platform: str, **window: str) -> list[dict[str, Any]]:
    """What the old query returned for the same window (the same filter in Python after it)."""
    params = {"platform": platform, "daily_since": window["daily_since"]}
    due = []
    for r in store.db.query(BY_GROUPING_SNAPSHOTS, params):  # type: ignore[attr-defined]
        young = r["published_utc"] >= window["hourly_since"]
        if r["fresh"] <= (window["hour_ago"] if young else window["day_ago"]):
            due.append({k: v for k, v in r.items() if k != "fresh"})
    return due


def history(store: StoreLike, add_draft: Callable[..., Draft], rng: random.Random) -> None:
    """Posts in every state over 40 days, snapshots of most published ones (some taken before
    the post had its remote id, some of remote ids no post has, some of the same id on the
    other platform, some at the same instant), written through the store as the product does."""
    remote_ids = [str(n) for n in range(1, 41)]
    later: list[tuple[str, str, str]] = []  # posts given their remote id after snapshots exist
    for _ in range(60):
        draft = add_draft(approved=True)
        platform = rng.choice(PLATFORMS)
        pid = store.write_intent(draft["id"], 0, platform=platform, account=None, text="t",
                                 reply_to=None)  # fmt: skip
        published = iso(NOW - timedelta(minutes=rng.randrange(0, 40 * 24 * 60)))
        state = rng.choice(["published"] * 6 + ["later", "no-id", "intent", "failed"])
        if state == "published":
            store.mark_post(pid, PostStatus.PUBLISHED, remote_id=rng.choice(remote_ids),
                            published_utc=published)  # fmt: skip
        elif state == "later":
            later.append((pid, rng.choice(remote_ids), published))
        elif state == "no-id":
            store.mark_post(pid, PostStatus.PUBLISHED, published_utc=published)
        elif state == "failed":
            store.mark_post(pid, PostStatus.FAILED)
    for _ in range(8):  # fetches of up to 20 posts each
        taken = iso(NOW - timedelta(minutes=rng.randrange(0, 41 * 24 * 60)))
        rows = [
            {"platform": rng.choice(PLATFORMS), "remote_id": rng.choice(remote_ids),
             "taken_utc": taken if rng.random() < 0.3 else
                 iso(NOW - timedelta(minutes=rng.randrange(0, 41 * 24 * 60))),
             "impressions": rng.randrange(1000)}
            for _ in range(rng.randrange(1, 20))
        ]  # fmt: skip
        store.add_snapshots(rows)
    for pid, remote_id, published in later:
        store.mark_post(pid, PostStatus.PUBLISHED, remote_id=remote_id, published_utc=published)


def windows() -> list[dict[str, str]]:
    """The worker's windows (hourly for 2 days, daily for 30) at instants around the history."""
    out = []
    for hours_later in (0, 1, 5, 30, 24 * 20):
        now = NOW + timedelta(hours=hours_later)
        out.append({"hourly_since": iso(now - timedelta(days=2)),
                    "daily_since": iso(now - timedelta(days=30)),
                    "hour_ago": iso(now - timedelta(minutes=55)),
                    "day_ago": iso(now - timedelta(hours=23, minutes=55))})  # fmt: skip
    return out


def test_the_posts_due_are_the_ones_grouping_the_snapshots_found(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    history(store, add_draft, random.Random(20270115))
    seen = 0
    for window in windows():
        for platform in PLATFORMS:
            got = store.posts_due_for_metrics(platform, **window)
            assert got == by_grouping(store, platform, **window), (platform, window)
            seen += len(got)
    assert seen > 20  # not vacuous: many posts were due in some window


def test_the_query_reads_no_snapshot(store: StoreLike) -> None:
    params = {"platform": "twitter", "daily_since": "2027-01-01T00:00:00Z"}
    db: Any = store.db  # type: ignore[attr-defined]
    if getattr(store, "backend", "sqlite") == "postgresql":
        plan = " ".join(str(r) for r in db.query("explain " + jobs.DUE_FOR_METRICS, params))
    else:
        plan = " ".join(str(r) for r in db.query("explain query plan " + jobs.DUE_FOR_METRICS,
                                                   params))  # fmt: skip
    assert "posts" in plan and "metric_snapshots" not in plan, plan
