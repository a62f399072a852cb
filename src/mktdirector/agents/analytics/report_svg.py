"""Inline SVG charts for the HTML report: plain shapes and text, no script, no external reference.

Each function returns one `<svg>` element (HTML5 inline SVG needs no namespace URL). Bars carry a
`<title>` so a browser shows the exact figure on hover without JavaScript.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

FONT = "font-family:system-ui,sans-serif;font-size:11px"


def nice_max(value: float) -> float:
    """The smallest 1/2/5 x 10^k at or above `value` (so the axis reads in round numbers)."""
    if value <= 0:
        return 1.0
    exp = 10.0 ** math.floor(math.log10(value))
    for m in (1, 2, 2.5, 5, 10):
        if value <= m * exp:
            return m * exp
    return 10 * exp


def axis(vmax: float, integers: bool) -> tuple[float, int]:
    """(axis top, number of intervals) so every tick is a round number (counts: whole ones)."""
    if integers and vmax <= 5:
        whole = max(1, math.ceil(vmax))
        return float(whole), whole
    top = nice_max(vmax)
    lead = top / 10 ** math.floor(math.log10(top))
    return top, 4 if lead == 2 else 5


def _num(v: float) -> str:
    if v >= 1_000_000:
        return f"{v / 1_000_000:g}M"
    if v >= 1000:
        return f"{v / 1000:g}k"
    return f"{v:g}"


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    colors: dict[str, str],
    *,
    width: int = 720,
    height: int = 220,
) -> str:
    """Vertical bars per label, the series stacked; a legend when there is more than one."""
    left, right, top, bottom = 44, 10, 28, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(labels), 1)
    totals = [sum(s[i] or 0 for s in series.values()) for i in range(len(labels))]
    integers = all(float(t).is_integer() for t in totals)
    ymax, ticks = axis(max(totals, default=0), integers)
    slot = plot_w / n
    bar_w = max(slot * 0.7, 1.0)
    out = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" style="{FONT}">',
        f'<text x="{left}" y="16" font-weight="600">{escape(title)}</text>',
    ]
    for k in range(ticks + 1):  # horizontal grid with values
        v = ymax * k / ticks
        y = top + plot_h - plot_h * k / ticks
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"/>'
        )
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_num(v)}</text>')
    step = max(1, math.ceil(n / 12))  # at most ~12 date labels
    for i, label in enumerate(labels):
        x = left + i * slot + (slot - bar_w) / 2
        base: float = top + plot_h  # each stacked bar lifts it
        for name, values in series.items():
            v = values[i] or 0
            if v <= 0:
                continue
            h = plot_h * v / ymax
            base -= h
            tip = (
                f"{label} · {name}: {v:,.0f}"
                if float(v).is_integer()
                else f"{label} · {name}: {v:,.2f}"
            )
            out.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{colors.get(name, "#6b7280")}"><title>{escape(tip)}</title></rect>'
            )
        if i % step == 0:
            cx = left + i * slot + slot / 2
            out.append(
                f'<text x="{cx:.1f}" y="{height - bottom + 14}" text-anchor="middle">'
                f"{escape(label[5:] if len(label) == 10 else label)}</text>"
            )
    if len(series) > 1:
        x = left
        for name in series:
            out.append(
                f'<rect x="{x}" y="{height - 12}" width="10" height="10" '
                f'fill="{colors.get(name, "#6b7280")}"/>'
            )
            out.append(f'<text x="{x + 14}" y="{height - 3}">{escape(name)}</text>')
            x += 24 + 7 * len(name)
    out.append("</svg>")
    return "".join(out)


def hbar_chart(
    title: str,
    rows: Sequence[tuple[str, float, str]],
    *,
    width: int = 720,
    value_format: str = "{:,.0f}",
) -> str:
    """One horizontal bar per (label, value, color), e.g. engagements per channel."""
    row_h, top, left, right = 26, 28, 90, 80
    height = top + row_h * max(len(rows), 1) + 8
    vmax = max((v for _, v, _ in rows), default=0) or 1.0
    plot_w = width - left - right
    out = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" style="{FONT}">',
        f'<text x="4" y="16" font-weight="600">{escape(title)}</text>',
    ]
    for i, (label, value, color) in enumerate(rows):
        y = top + i * row_h
        w = plot_w * (value or 0) / vmax
        text = value_format.format(value or 0)
        out.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
        out.append(
            f'<rect x="{left}" y="{y + 4}" width="{w:.1f}" height="16" fill="{color}">'
            f"<title>{escape(label)}: {escape(text)}</title></rect>"
        )
        out.append(f'<text x="{left + w + 6:.1f}" y="{y + 16}">{escape(text)}</text>')
    out.append("</svg>")
    return "".join(out)
