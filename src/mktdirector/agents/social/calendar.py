"""The calendar: scheduled and published posts by day in the user's zone, and the next free
recurring slot per platform (what `--at next-slot` would pick)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from mktdirector.agents.social import schedule as sched
from mktdirector.core import when as W
from mktdirector.core.errors import UsageError
from mktdirector.core.platforms import Capability, with_capability
from mktdirector.store.protocols import StoreLike


def calendar(
    store: StoreLike,
    config: sched.ConfigGetter,
    tz: tzinfo,
    *,
    start: date | None = None,
    days: int = 14,
    now: datetime | None = None,
) -> dict[str, Any]:
    """`days` days from `start` (default: the start of this week), each with its entries."""
    now = now or datetime.now(UTC)
    today = now.astimezone(tz).date()
    start = start or today - timedelta(days=today.weekday())
    end = start + timedelta(days=days)
    by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for job in sched.queue(store, tz=tz):
        if job.kind == "publish" and job.draft_id:
            _add(by_day, job.due_utc.astimezone(tz), "scheduled", job.draft_id, job.platform,
                 job.preview, job_id=job.job_id)  # fmt: skip
    since = datetime.combine(start, datetime.min.time(), tz).astimezone(UTC)
    until = datetime.combine(end, datetime.min.time(), tz).astimezone(UTC)
    # Bounded on both sides: a week a year back must not read the year of posts after it.
    window = {"since_utc": W.to_iso(since), "until_utc": W.to_iso(until)}
    for post in store.published_posts(**window) if store.exists() else []:
        if post["segment"] == 0 and post["published_utc"]:
            at = W.from_iso(post["published_utc"]).astimezone(tz)
            _add(by_day, at, "published", post["draft_id"], post["platform"], post["text"],
                 url=post.get("url"))  # fmt: skip
    grid = []
    for i in range(days):
        d = start + timedelta(days=i)
        grid.append({"date": d.isoformat(), "weekday": d.strftime("%a"), "today": d == today,
                     "entries": sorted(by_day.get(d, []), key=lambda e: e["time"])})  # fmt: skip
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "timezone": str(tz),
        "days": grid,
        "next_slots": next_slots(store, config, tz, now=now),
    }


def _add(
    by_day: dict[date, list[dict[str, Any]]],
    at: datetime,
    kind: str,
    draft_id: str,
    platform: str | None,
    text: str,
    **extra: Any,
) -> None:
    preview = text if len(text) <= 120 else text[:119] + "…"
    by_day[at.date()].append({"kind": kind, "time": at.strftime("%H:%M"), "draft_id": draft_id,
                              "platform": platform, "preview": preview, **extra})  # fmt: skip


def next_slots(
    store: StoreLike, config: sched.ConfigGetter, tz: tzinfo, *, now: datetime
) -> dict[str, str | None]:
    """Per social platform, its next free recurring slot (local ISO), or None when unset."""
    out: dict[str, str | None] = {}
    for pid in with_capability(Capability.SOCIAL):
        try:
            at = sched.resolve_when(
                W.NEXT_SLOT, store=store, config=config, platform=pid, tz=tz, now=now
            )
        except UsageError:
            out[pid] = None
            continue
        out[pid] = at.astimezone(tz).isoformat(timespec="minutes")
    return out
