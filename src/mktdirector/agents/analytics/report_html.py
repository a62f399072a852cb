"""The HTML report: one self-contained file (inline CSS and SVG; no script, font or image to fetch).

Only links to the posts themselves point outside, and they load nothing: the page renders the
same offline.
"""

from __future__ import annotations

from html import escape
from typing import Any

from mktdirector import __version__
from mktdirector.agents.analytics.report import Report
from mktdirector.agents.analytics.report_format import (
    LABELS,
    channel_color,
    channel_label,
    columns,
    fmt,
    people,
    person_name,
)
from mktdirector.agents.analytics.report_svg import bar_chart, hbar_chart

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1240px;
padding:0 16px;color:#111827;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.meta{color:#6b7280;font-size:13px}
.kpis{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}
.kpi{border:1px solid #e5e7eb;border-radius:8px;padding:10px 14px;min-width:110px}
.kpi strong{display:block;font-size:20px}.kpi span{color:#6b7280;font-size:12px}
table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0}
th,td{padding:5px 7px;border-bottom:1px solid #e5e7eb;text-align:right;white-space:nowrap}
th{background:#f9fafb;font-weight:600;white-space:normal;vertical-align:bottom}
td.text,th.text{text-align:left;white-space:normal}td.when{white-space:nowrap}
td.text{min-width:6em}td.person{min-width:0}.person{padding:5px 2px}
.wide{overflow-x:auto}
.summary{background:#f9fafb;border-left:4px solid #0a66c2;padding:8px 14px;white-space:pre-wrap}
.charts svg{display:block;margin:8px 0;max-width:100%;height:auto}
.note{color:#92400e;font-size:13px}
"""
_TEXT = {"channel", "draft_id", "topic", "published_utc", "by"}
_CELL_CLASS = {"published_utc": "text when", "by": "text person"}
_HEAD_CLASS = {"by": "text person"}  # names are short: the column takes no more than them


def _names(post: dict[str, Any]) -> tuple[str | None, str | None]:
    """The "by" cell's text and the whole identities it names: whole emails widened every posts
    table past a 1280-pixel window, so the cell names each person (person_name) and its title
    keeps the identities."""
    whole = people(post)
    approver, publisher = post.get("approved_by"), post.get("published_by")
    named = [approver, publisher] if approver and publisher and approver != publisher else [whole]
    return (" / ".join(person_name(str(n)) for n in named) if whole else None), whole


def _table(rows: list[dict[str, Any]], cols: list[str], caption: str) -> str:
    head = "".join(
        f'<th class="{_HEAD_CLASS.get(c, "text" if c in _TEXT else "num")}" scope="col">'
        f"{escape(LABELS.get(c, c))}</th>"
        for c in cols
    )
    body = []
    for r in rows:
        cells = []
        for c in cols:
            text, title = escape(fmt(c, r.get(c))), ""
            if c == "by":
                text, whole = (escape(fmt(c, v)) for v in _names(r))
                title = f' title="{whole}"' if whole != text else ""
            if c == "draft_id" and str(r.get("url") or "").startswith("https://"):
                text = f'<a href="{escape(r["url"])}">{text}</a>'
            cls = _CELL_CLASS.get(c, "text" if c in _TEXT else "num")
            cells.append(f'<td class="{cls}"{title}>{text}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    if not rows:
        body.append(f'<tr><td class="text" colspan="{len(cols)}">No posts.</td></tr>')
    return (
        f'<div class="wide"><table><caption hidden>{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _kpis(report: Report) -> str:
    t = report.totals
    items = [("posts", t["posts"])] + [(f, t.get(f)) for f in report.shown()]
    items.append(("cost_usd", t["cost_usd"]))
    return (
        '<div class="kpis">'
        + "".join(
            f'<div class="kpi"><strong>{escape(fmt(k, v))}</strong><span>{escape(LABELS.get(k, k))}</span></div>'
            for k, v in items
        )
        + "</div>"
    )


def _charts(report: Report) -> str:
    days = [d["date"] for d in report.trend]
    eng = {
        channel_label(c): [d["by_channel"].get(c, 0) for d in report.trend] for c in report.channels
    }
    colors = {channel_label(c): channel_color(c) for c in report.channels}
    charts = [bar_chart("Engagements per day, by day published", days, eng, colors)]
    if "clicks" in report.metrics:
        sessions = {"sessions": [d["sessions"] for d in report.trend]}
        charts.append(bar_chart("GA4 sessions per day", days, sessions, {"sessions": "#059669"}))
    if "leads" in report.metrics:
        leads = {"leads": [d["leads"] for d in report.trend]}
        charts.append(
            bar_chart(
                "New CRM contacts per day (HubSpot, Salesforce)", days, leads, {"leads": "#7c3aed"}
            )
        )
    for field, title in (("engagements", "Engagements"), ("leads", "Leads")):
        charts.append(
            hbar_chart(
                f"{title} by channel",
                [
                    (channel_label(r["channel"]), r.get(field) or 0, channel_color(r["channel"]))
                    for r in report.by_channel
                ],
            )
        )
    charts.append(
        hbar_chart(
            "Cost by channel (LLM + API)",
            [
                (channel_label(r["channel"]), r["cost_usd"] or 0, channel_color(r["channel"]))
                for r in report.by_channel
            ],
            value_format="${:,.4f}",
        )
    )
    return f'<section class="charts">{"".join(charts)}</section>'


def render_html(report: Report) -> str:
    """The whole report as one HTML document (UTF-8)."""
    tf = report.timeframe
    shown = report.shown()
    title = f"mktd report · {tf.start} to {tf.last.isoformat()}"
    channels = ", ".join(channel_label(c) for c in report.channels)
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">Channels: {escape(channels)} · generated {escape(report.generated_utc)} '
        f"by mktd {escape(__version__)} · posts counted on the day they were published, with "
        "their latest metrics; sessions and leads on the day they happened (UTC); by: who "
        "approved the post / who published it, when not the same person.</p>",
    ]
    if report.summary:
        parts.append(f'<h2>Summary</h2><div class="summary">{escape(report.summary)}</div>')
    parts.append(_kpis(report))
    parts.append(_charts(report))
    parts.append("<h2>By channel</h2>")
    parts.append(_table(report.by_channel, columns(shown, per_post=False), "By channel"))
    post_cols = columns(shown, per_post=True)
    by = LABELS.get(report.rank_by, report.rank_by)
    parts.append(f"<h2>Top posts by {escape(by)}</h2>")
    parts.append(_table(report.top, post_cols, "Top posts"))
    parts.append(f"<h2>Bottom posts by {escape(by)}</h2>")
    parts.append(_table(report.bottom, post_cols, "Bottom posts"))
    parts.append(f"<h2>All posts ({len(report.posts)})</h2>")
    parts.append(_table(report.posts, post_cols, "All posts"))
    for note in report.notes:
        parts.append(f'<p class="note">{escape(note)}</p>')
    parts.append(
        f'<p class="meta">Total cost {escape(fmt("cost_usd", report.totals["cost_usd"]))} '
        f"(LLM {escape(fmt('llm_cost_usd', report.totals['llm_cost_usd']))}, "
        f"API {escape(fmt('api_cost_usd', report.totals['api_cost_usd']))}).</p>"
    )
    parts.append("</body></html>\n")
    return "\n".join(parts)
