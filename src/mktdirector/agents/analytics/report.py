"""Performance reports: what the posts did, per channel and per post, over a timeframe.

The unit is a published draft (a thread counts once; its segments' metrics are summed). Each
post's figures are its latest metric snapshot, the GA4 sessions and key events and the CRM
contacts (HubSpot, Salesforce) attributed to it by `utm_content` (= draft id), and its cost: the LLM generations of
the draft plus the API cost recorded when it was published. Posts are counted on the day they
were published; in the daily trend, sessions and leads are counted on the day they happened.
Days are UTC days.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from operator import itemgetter
from typing import Any, TextIO

from mktdirector.core.errors import UsageError
from mktdirector.core.platforms import Capability, canonical_id, with_capability
from mktdirector.store import StoreLike

# Every social platform of the table, then email (its rows live in the emails ledger).
CHANNELS = (*with_capability(Capability.SOCIAL), "email")
# Each --metrics group and the figures it shows; the first group given ranks top/bottom posts.
METRICS: dict[str, tuple[str, ...]] = {
    "engagement": ("engagements", "engagement_rate", "cost_per_engagement"),
    "reach": ("impressions", "reach"),
    "clicks": ("link_clicks", "sessions", "key_events"),
    "leads": ("leads", "cost_per_lead"),
}
RANK_BY = {
    "engagement": "engagements",
    "reach": "impressions",
    "clicks": "link_clicks",
    "leads": "leads",
}
SUMMED = ("impressions", "reach", "engagements", "link_clicks", "sessions", "key_events", "leads")
_DAYS = re.compile(r"(\d{1,4})\s*(d|days?|w|weeks?)")


@dataclass(frozen=True)
class Timeframe:
    """Whole UTC days, `first` to `last` inclusive."""

    label: str
    first: date
    last: date

    @property
    def start(self) -> str:
        return self.first.isoformat()

    @property
    def end(self) -> str:
        """The day after `last`: the exclusive upper bound for timestamps."""
        return (self.last + timedelta(days=1)).isoformat()

    @property
    def days(self) -> list[str]:
        n = (self.last - self.first).days + 1
        return [(self.first + timedelta(days=i)).isoformat() for i in range(n)]

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "first": self.start, "last": self.last.isoformat()}


def parse_timeframe(text: str, *, today: date | None = None) -> Timeframe:
    """`7d` / `30d` / `4w` (the N days ending today) or `YYYY-MM-DD..YYYY-MM-DD` (inclusive)."""
    today = today or datetime.now(UTC).date()
    raw = (text or "").strip().lower()
    m = _DAYS.fullmatch(raw)
    if m:
        n = int(m.group(1)) * (7 if m.group(2).startswith("w") else 1)
        if not 1 <= n <= 3660:
            raise UsageError(f"--timeframe {text!r}: use 1d to 3660d.", hint="--timeframe 30d")
        return Timeframe(f"{n}d", today - timedelta(days=n - 1), today)
    if ".." in raw:
        a, _, b = raw.partition("..")
        try:
            first, last = date.fromisoformat(a.strip()), date.fromisoformat(b.strip())
        except ValueError:
            raise UsageError(
                f"--timeframe {text!r}: dates must be YYYY-MM-DD.",
                hint="--timeframe 2026-05-01..2026-05-31",
            ) from None
        if last < first:
            raise UsageError(
                f"--timeframe {text!r} ends before it starts.",
                hint=f"--timeframe {last}..{first}",
            )
        return Timeframe(f"{first}..{last}", first, last)
    raise UsageError(
        f"--timeframe {text!r} is not a timeframe.",
        hint="Use 7d, 30d or YYYY-MM-DD..YYYY-MM-DD",
    )


def parse_list(text: str | None, allowed: tuple[str, ...], what: str) -> list[str]:
    """A comma-separated choice (a platform alias such as `x` works); all of `allowed` when empty."""
    if not text:
        return list(allowed)
    out: list[str] = []
    for part in text.split(","):
        item = canonical_id(part)
        if not item:
            continue
        if item not in allowed:
            raise UsageError(f"Unknown {what} {part.strip()!r}.", hint=f"Use {','.join(allowed)}")
        if item not in out:
            out.append(item)
    return out or list(allowed)


@dataclass
class Report:
    """Every figure of a report; renderers (table, JSON, CSV, HTML) only format it."""

    timeframe: Timeframe
    channels: list[str]
    metrics: list[str]
    generated_utc: str
    rank_by: str
    totals: dict[str, Any]
    by_channel: list[dict[str, Any]]
    posts: list[dict[str, Any]]
    top: list[dict[str, Any]]
    bottom: list[dict[str, Any]]
    trend: list[dict[str, Any]]
    summary: str | None = None
    notes: list[str] = field(default_factory=list)
    # With build_report(posts_stream=True): every post, read once from the store's cursor as
    # tuples named by `stream_columns` (`posts` is then empty). CSV and JSON write the tuples
    # without a dict per row (issue 17 item 4); other renderers use iter_posts().
    stream: Iterator[tuple[Any, ...]] | None = None
    stream_columns: tuple[str, ...] = ()

    def iter_posts(self) -> Iterator[dict[str, Any]]:
        if self.stream is None:
            return iter(self.posts)
        return _measured(dict(zip(self.stream_columns, row, strict=True)) for row in self.stream)

    def shown(self) -> list[str]:
        """The figure names the chosen metrics show, in a stable order."""
        return [f for m in self.metrics for f in METRICS[m]]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(replace(self, stream=None))
        del d["stream"], d["stream_columns"]
        d["timeframe"] = self.timeframe.to_dict()
        hidden = {f for fs in METRICS.values() for f in fs} - set(self.shown())
        for key in ("by_channel", "posts", "top", "bottom"):
            d[key] = [{k: v for k, v in r.items() if k not in hidden} for r in d[key]]
        d["totals"] = {k: v for k, v in d["totals"].items() if k not in hidden}
        return d


def _ratio(num: float | None, den: float | None, digits: int = 6) -> float | None:
    if num is None or not den:
        return None
    return round(num / den, digits)


def _derive(row: dict[str, Any]) -> dict[str, Any]:
    """Costs and rates of one post (or one total) from its summed figures."""
    llm, api = row.get("llm_cost_usd"), row.get("api_cost_usd")
    unpriced = row.get("unpriced_posts") or 0
    known = round(llm or 0.0, 6)
    row["unpriced_posts"] = unpriced
    row["api_cost_usd"] = round(api or 0.0, 6)
    # A sum that includes a post of unknown LLM cost is unknown; the known part stays visible.
    row["llm_cost_known_usd"] = known
    row["llm_cost_usd"] = None if unpriced else known
    row["cost_usd"] = None if unpriced else round(known + row["api_cost_usd"], 6)
    rate_eng = row.pop("_rate_engagements", row.get("engagements"))
    rate_imp = row.pop("_rate_impressions", row.get("impressions"))
    row["engagement_rate"] = _ratio(rate_eng, rate_imp, 4)
    row["cost_per_engagement"] = _ratio(row["cost_usd"], row.get("engagements"))
    row["cost_per_lead"] = _ratio(row["cost_usd"], row.get("leads"))
    return row


def _total(row: dict[str, Any], channel: str | None = None) -> dict[str, Any]:
    """A channel (or grand) total from the store's sums; a channel without posts is zeros."""
    if channel is not None:
        row = {"channel": channel, "posts": 0, "measured_posts": 0, "llm_cost_usd": 0.0,
               "api_cost_usd": 0.0, "unpriced_posts": 0, **{k: None for k in SUMMED}}  # fmt: skip
    return _derive(dict(row))


def _trend(
    store: StoreLike, tf: Timeframe, channels: list[str], daily_posts: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    days: dict[str, dict[str, Any]] = {
        d: {
            "date": d,
            "posts": 0,
            "impressions": 0,
            "engagements": 0,
            "by_channel": {c: 0 for c in channels},
            "sessions": 0,
            "key_events": 0.0,
            "leads": 0,
        }
        for d in tf.days
    }
    for r in daily_posts:  # already summed per day and channel by the store
        day = days.get(r["day"])
        if day is None:
            continue
        day["posts"] += r["posts"]
        day["impressions"] += r["impressions"]
        day["engagements"] += r["engagements"]
        day["by_channel"][r["channel"]] += r["engagements"]
    for r in store.report_daily_traffic(channels, tf.start, tf.last.isoformat()):
        if r["day"] in days:
            days[r["day"]]["sessions"] = r["sessions"] or 0
            days[r["day"]]["key_events"] = round(float(r["key_events"] or 0), 2)
    for r in store.report_daily_leads(channels, tf.start, tf.end):
        if r["day"] in days:
            days[r["day"]]["leads"] = r["leads"]
    return list(days.values())


def build_report(
    store: StoreLike,
    *,
    timeframe: str | Timeframe = "7d",
    channels: str | list[str] | None = None,
    metrics: str | list[str] | None = None,
    now: datetime | None = None,
    posts_limit: int | None = None,
    posts_offset: int = 0,
    posts_order: str = "published",
    posts_stream: bool = False,
    posts_only: bool = False,
) -> Report:
    """Compute every figure of a report from the store (no network, no LLM).

    `posts` holds every post unless `posts_limit` asks for one page (`posts_order`
    "published" or "rank": best first by the first metric); totals always count every post.
    With `posts_stream`, the posts come one at a time from the store (Report.iter_posts, once);
    with `posts_only` too, nothing but the posts is read (a CSV needs nothing else): totals and
    channels are zeros and the rankings, trend and notes empty.
    """
    now = now or datetime.now(UTC)
    tf = (
        timeframe
        if isinstance(timeframe, Timeframe)
        else parse_timeframe(timeframe, today=now.date())
    )
    chans = parse_list(
        ",".join(channels) if isinstance(channels, list) else channels, CHANNELS, "channel"
    )
    mets = parse_list(
        ",".join(metrics) if isinstance(metrics, list) else metrics, tuple(METRICS), "metric"
    )
    now_iso = now.isoformat(timespec="seconds").replace("+00:00", "Z")
    rank_by = RANK_BY[mets[0]]
    if store.exists():  # a report never creates the database
        figs = store.report_figures(
            chans, tf.start, tf.end, now_utc=now_iso, rank_by=rank_by,
            posts_limit=posts_limit, posts_offset=posts_offset, posts_order=posts_order,
            posts_stream=posts_stream, posts_only=posts_only and posts_stream,
        )  # fmt: skip
    else:
        figs = {"posts": [], "by_channel": [], "top": [], "bottom": [], "daily_posts": []}
        figs["totals"] = {"posts": 0}
    stream = figs["posts"] if posts_stream and store.exists() else None
    if stream is not None:
        figs["posts"] = []
    for rows in (figs["posts"], figs["top"], figs["bottom"]):
        for p in rows:
            p["measured"] = bool(p["measured"])
    sums = {r["channel"]: r for r in figs["by_channel"]}
    by_channel = [_total(sums[c]) if c in sums else _total({}, c) for c in chans]
    totals = _total(figs["totals"]) if figs["totals"]["posts"] else _total({}, "all")
    only = posts_only and posts_stream
    trend = _trend(store, tf, chans, figs["daily_posts"]) if store.exists() and not only else []
    notes = []
    unmeasured = totals["posts"] - (totals["measured_posts"] or 0)
    if unmeasured:
        notes.append(f"{unmeasured} post(s) have no metrics yet: run `mktd analytics fetch`.")
    if totals["unpriced_posts"]:
        notes.append(
            f"{totals['unpriced_posts']} post(s) were written by a model without a price: "
            f"their LLM cost is unknown, so the total cost is too (known part: LLM "
            f"${totals['llm_cost_known_usd']:.4f}). Set one: mktd config set llm.price.MODEL IN/OUT"
        )
    return Report(
        timeframe=tf,
        channels=chans,
        metrics=mets,
        generated_utc=now_iso,
        rank_by=rank_by,
        totals=totals,
        by_channel=by_channel,
        posts=figs["posts"],
        top=figs["top"],
        bottom=figs["bottom"],
        trend=trend,
        notes=notes,
        stream=stream,
        stream_columns=tuple(figs.get("post_columns", ())),
    )


def _measured(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for p in rows:
        p["measured"] = bool(p["measured"])
        yield p


def narrative_figures(report: Report) -> dict[str, Any]:
    """What the LLM summary sees: totals, channels, best and worst posts, the daily trend."""
    d = report.to_dict()
    return {
        k: d[k] for k in ("timeframe", "channels", "totals", "by_channel", "top", "bottom", "trend")
    }


CSV_COLUMNS = (
    "draft_id", "channel", "account", "published_utc", "topic", "approved_by", "published_by",
    "url", "segments",
    "impressions", "reach", "engagements", "engagement_rate", "link_clicks", "sessions",
    "key_events", "leads", "llm_cost_usd", "api_cost_usd", "cost_usd", "cost_per_engagement",
    "cost_per_lead", "metrics_utc",
)  # fmt: skip


def to_csv(report: Report) -> str:
    """One row per post with every shown figure (spreadsheets sum the channels themselves)."""
    import io

    buf = io.StringIO()
    write_csv(report, buf)
    return buf.getvalue()


# Rows a streamed CSV or JSON writes per batch: one C call, one write and one masking pass per
# batch; a few hundred rows keep the peak memory flat (2,048 cost ~8 MiB more at 50k posts).
_BATCH = 256


def batches(rows: Iterator[Any]) -> Iterator[list[Any]]:
    """`rows` in lists of `_BATCH` (read when called: tests make it small)."""
    while batch := list(islice(rows, _BATCH)):
        yield batch


def write_csv(report: Report, out: TextIO) -> int:
    """`to_csv` written in batches of rows to `out` (a streamed report keeps one batch in
    memory); returns the number of posts written. Streamed rows go from the cursor's tuples
    to csv's C writer through an itemgetter: no dict, no Python call per row."""
    import csv
    import io

    hidden = {f for fs in METRICS.values() for f in fs} - set(report.shown())
    cols = [c for c in CSV_COLUMNS if c not in hidden]
    rows: Iterator[Any]
    if report.stream is not None:
        pick = itemgetter(*(report.stream_columns.index(c) for c in cols))
        rows = map(pick, report.stream)
    else:
        rows = ([p.get(c) for c in cols] for p in report.posts)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")  # None is written as an empty cell
    w.writerow(cols)
    n = 0
    for batch in batches(rows):
        w.writerows(batch)
        n += len(batch)
        out.write(buf.getvalue())
        buf.seek(0)
        buf.truncate()
    out.write(buf.getvalue())
    return n
