"""The terminal report: rich tables and a unicode bar chart (built here, printed by _output).

The chart is our own few lines rather than plotext: the report needs bars and sparklines only,
they must read the same in a pipe or with NO_COLOR (each channel has its own block character,
not just a colour), and this costs no import time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mktdirector.agents.analytics.report_format import (
    LABELS,
    channel_label,
    columns,
    fmt,
    person_name,
)

SPARKS = "▁▂▃▄▅▆▇█"
EIGHTHS = " ▏▎▍▌▋▊▉"
CHANNEL_CHARS = {"linkedin": "█", "twitter": "▓", "email": "░"}
CHANNEL_STYLES = {"linkedin": "blue", "twitter": "cyan", "email": "yellow"}
# A channel without its own block and colour (a platform added later) still draws, plainly.
OTHER_CHAR, OTHER_STYLE = "▒", "white"
# Short headers: a report with every metric still fits 120 columns.
SHORT = {
    **LABELS, "published_utc": "published", "engagements": "eng.", "engagement_rate": "rate",
    "impressions": "impr.", "link_clicks": "clicks", "key_events": "key ev.",
    "cost_per_engagement": "$/eng.", "cost_per_lead": "$/lead", "cost_usd": "cost",
}  # fmt: skip
POST_SKIP = {"reach", "key_events", "cost_per_engagement", "cost_per_lead"}
TEXT_COLUMNS = {"channel", "draft_id", "topic", "published_utc"}
# Who approved each post (else who published it): left-aligned text, not a key repeated in
# continued tables, and left out when it would push figures into one more table.
OPTIONAL = "by"
LEFT_COLUMNS = {OPTIONAL}


def without(sec: dict[str, Any], column: str) -> dict[str, Any]:
    """The section without one column (its cells dropped from every row)."""
    i = sec["columns"].index(column)
    rows = [[*row[:i], *row[i + 1 :]] for row in sec["rows"]]
    return {**sec, "columns": [c for c in sec["columns"] if c != column], "rows": rows}


def sparkline(values: Sequence[float | None]) -> str:
    """One character per value, scaled to the largest (unknown and zero are the lowest bar)."""
    top = max((v or 0 for v in values), default=0)
    if top <= 0:
        return SPARKS[0] * len(values)
    return "".join(SPARKS[min(7, int((v or 0) / top * 7.999))] for v in values)


def bar(value: float, top: float, width: int, char: str = "█") -> str:
    """A horizontal bar of `width` cells at most; solid bars end in an eighth-block."""
    if top <= 0 or value <= 0:
        return ""
    cells = value / top * width
    full = int(cells)
    if char != "█":
        return char * max(full, 1)
    frac = EIGHTHS[int((cells - full) * 8)]
    return (char * full + frac).rstrip() or "▏"


def trend_lines(
    trend: list[dict[str, Any]], channels: list[str], width: int = 40
) -> list[list[tuple[str, str | None]]]:
    """Per day: date, a bar stacked by channel (engagements by day published), the total.

    Each line is a list of (text, style) pieces so _output can colour it with rich.
    """
    top = max((d["engagements"] for d in trend), default=0)
    lines = []
    for d in trend:
        pieces: list[tuple[str, str | None]] = [(f"{d['date'][5:]} ", None)]
        used = 0
        for c in channels:
            v = d["by_channel"].get(c, 0)
            seg = bar(v, top, width, CHANNEL_CHARS.get(c, OTHER_CHAR))
            pieces.append((seg, CHANNEL_STYLES.get(c, OTHER_STYLE)))
            used += len(seg)
        pieces.append((" " * max(width + 1 - used, 1) + fmt("engagements", d["engagements"]), None))
        lines.append(pieces)
    return lines


def legend(channels: list[str]) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = [("engagements per day, by day published:  ", "dim")]
    for c in channels:
        glyph, style = CHANNEL_CHARS.get(c, OTHER_CHAR), CHANNEL_STYLES.get(c, OTHER_STYLE)
        out += [(glyph * 2, style), (f" {channel_label(c)}   ", None)]
    return out


def sparklines(trend: list[dict[str, Any]], width: int | None = None) -> list[str]:
    """Compact daily series for long timeframes (and for sessions and leads).

    Wider than `width`, the days are summed in groups (each mark then stands for several days,
    said on the first line) so the whole timeframe shows instead of being cropped.
    """
    series = {key: [d[key] for d in trend] for key in ("engagements", "sessions", "leads")}
    totals = {key: fmt(key, sum(v or 0 for v in values)) for key, values in series.items()}
    per_mark = 1
    if width:
        room = width - 13 - len("  total ") - max(len(t) for t in totals.values())
        per_mark = max(1, -(-len(trend) // max(room, 1)))  # ceiling division
    out = []
    for key, values in series.items():
        marks = sparkline(_grouped(values, per_mark))
        out.append(f"{LABELS[key]:<12} {marks}  total {totals[key]}")
    if per_mark > 1:
        out.insert(0, f"{'':<12} one mark = {per_mark} days")
    return out


def _grouped(values: list[Any], size: int) -> list[float | None]:
    """Sums of consecutive groups of `size` values (None where a whole group is unknown)."""
    if size == 1:
        return list(values)
    out: list[float | None] = []
    for i in range(0, len(values), size):
        known = [v for v in values[i : i + size] if v is not None]
        out.append(sum(known) if known else None)
    return out


def table_rows(rows: list[dict[str, Any]], cols: list[str]) -> list[list[str]]:
    def cell(c: str, v: Any) -> str:
        return str(v)[5:16].replace("T", " ") if c == "published_utc" and v else fmt(c, v)

    return [[cell(c, _by(r) if c == OPTIONAL else r.get(c)) for c in cols] for r in rows]


def _by(post: dict[str, Any]) -> Any:
    """The terminal's narrow "by": who approved the post (who caused it to go out), else who
    published it, by name (an email's start); both apart and whole are in --json and CSV."""
    who = post.get("approved_by") or post.get("published_by")
    return person_name(who) if who else who


def sections(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report as titled tables (plain strings); what `views.report.table` prints, in order."""
    shown = [f for m in report["metrics"] for f in _fields(m)]
    chan_cols = columns(shown, per_post=False)
    # Per post, the terminal keeps to what fits a normal width; JSON, CSV and HTML have it all.
    post_cols = [c for c in columns(shown, per_post=True) if c not in POST_SKIP]
    rank = LABELS.get(report["rank_by"], report["rank_by"])
    out = [
        {
            "title": "By channel",
            "columns": chan_cols,
            "rows": table_rows(report["by_channel"] + [report["totals"]], chan_cols),
        }
    ]
    total = (report.get("totals") or {}).get("posts") or 0
    if not report["posts"]:
        pass
    elif len(report["posts"]) < total:  # the top N only (build_report posts_limit, by rank)
        n = len(report["posts"])
        out.append(
            {
                "title": f"Top {n} posts by {rank}",
                "columns": post_cols,
                "rows": table_rows(report["posts"], post_cols),
            }
        )
    elif len(report["posts"]) <= 2 * 5:
        out.append(
            {"title": "Posts", "columns": post_cols, "rows": table_rows(report["posts"], post_cols)}
        )
    else:
        out.append(
            {
                "title": f"Top posts by {rank}",
                "columns": post_cols,
                "rows": table_rows(report["top"], post_cols),
            }
        )
        out.append(
            {
                "title": f"Bottom posts by {rank}",
                "columns": post_cols,
                "rows": table_rows(report["bottom"], post_cols),
            }
        )
    return out


def _fields(metric: str) -> tuple[str, ...]:
    from mktdirector.agents.analytics.report import METRICS

    return METRICS[metric]
