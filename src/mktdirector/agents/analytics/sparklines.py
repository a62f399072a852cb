"""Engagement and clicks over time per post, as tiny inline SVG lines for the dashboard's posts
page (no script, no style attribute: presentation attributes only, so a strict CSP allows it).
The scale reads in round numbers like the report's charts (report_svg.nice_max)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from mktdirector.agents.analytics.report_svg import nice_max
from mktdirector.store.protocols import StoreLike


def history(store: StoreLike, draft_ids: Iterable[str]) -> dict[str, dict[str, list[int]]]:
    """Per draft, oldest first: `engagements` and `clicks` of its first post's newest readings.

    Aggregated by the store in one query over the asked drafts only (a page of posts), so a
    page costs its own posts' history, never the whole table's.
    """
    out: dict[str, dict[str, list[int]]] = defaultdict(lambda: {"engagements": [], "clicks": []})
    for r in store.sparkline_series(list(dict.fromkeys(draft_ids))):
        series = out[str(r["draft_id"])]
        series["engagements"].append(int(r["engagements"] or 0))
        series["clicks"].append(int(r["clicks"] or 0))
    return dict(out)


def engagements(snapshot: Mapping[str, Any]) -> int:
    """The platform's total, else the sum of the interactions it gives (as the report counts)."""
    if snapshot.get("engagements") is not None:
        return int(snapshot["engagements"])
    parts = ("likes", "reposts", "replies", "quotes", "bookmarks")
    return sum(int(snapshot.get(k) or 0) for k in parts)


def sparkline(values: Sequence[int], label: str, *, width: int = 120, height: int = 24) -> str:
    """One polyline; an empty string when there are fewer than two points to draw."""
    if len(values) < 2:
        return ""
    top = nice_max(max(values))
    step = (width - 2) / (len(values) - 1)
    points = " ".join(
        f"{1 + i * step:.1f},{height - 1 - (v / top) * (height - 2):.1f}"
        for i, v in enumerate(values)
    )
    return (
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">'
        f"<title>{escape(label)}: {values[0]} to {values[-1]}</title>"
        f'<polyline points="{points}" fill="none" stroke="#3a6ee8" stroke-width="1.5"/></svg>'
    )
