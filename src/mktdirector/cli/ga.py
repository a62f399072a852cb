"""`mktd ga traffic`: GA4 sessions and key events by source, campaign or post."""

from typing import TYPE_CHECKING, Annotated, Any

import typer

from mktdirector.cli import _options
from mktdirector.cli._options import AccountOpt, JsonOpt

if TYPE_CHECKING:
    from mktdirector.agents.analytics.ga_traffic import TrafficReport

app = typer.Typer(help="Google Analytics 4 traffic, by source, campaign and post.",
                  no_args_is_help=True)  # fmt: skip

COLUMNS = {"source": ["source", "medium"], "campaign": ["campaign"], "post": ["draft", "platform"]}
METRICS = ["sessions", "active_users", "engaged_sessions", "key_events", "total_revenue"]
HEADERS = ["sessions", "users", "engaged", "key events", "revenue"]


@app.command("traffic")
def traffic(
    since: Annotated[
        str | None, _options.since("From YYYY-MM-DD (or 7d, 4w); default 28d.")
    ] = None,
    by: Annotated[str, typer.Option("--by", help="Group by source, campaign or post.")] = "source",
    property_id: Annotated[
        str | None, typer.Option("--property", help="GA4 property id (default: the env/saved one).")
    ] = None,
    account: AccountOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Fetch GA4 traffic since a date, store it as snapshots, and show it grouped."""
    from mktdirector.agents.analytics.ga_traffic import fetch_traffic
    from mktdirector.agents.periods import parse_since
    from mktdirector.cli import _deps, _output
    from mktdirector.integrations.capabilities import as_traffic_source

    deps = _deps.current()
    client = as_traffic_source(deps.integration("google-analytics", account))
    client.require_connection()
    start = parse_since(since, default_days=28)
    with _output.progress("Fetching GA4 traffic") as tick:
        tick(0, 1)
        report = fetch_traffic(deps.store, client, since=start, by=by, property_id=property_id)
    _render(report, json_out)


def _render(report: "TrafficReport", json_out: bool) -> None:
    from mktdirector.agents.analytics.ga_traffic import quota_summary
    from mktdirector.cli import _output

    if json_out:
        return _output.emit_json(report)
    rows = [_fmt(g) for g in report.groups]
    title = f"GA4 property {report.property_id} since {report.since}, by {report.by}"
    keys, extra = COLUMNS[report.by], (["post"] if report.by == "post" else [])
    if rows:
        _output.table(rows, keys + METRICS + extra, headers=keys + HEADERS + extra, title=title)
    else:
        _output.info("No traffic from mktd posts in this period." if report.by == "post"
                     else "No traffic in this period.")  # fmt: skip
    t = report.totals
    share = f" ({t['post_sessions']:,} from mktd posts)" if t.get("post_sessions") else ""
    _output.info(
        f"{report.fetched_rows:,} row(s) fetched; {t['sessions']:,} sessions in all{share}."
    )
    for note in report.notes:
        _output.warn(note)
    _output.info(quota_summary(report.quota))


def _fmt(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    urls = row.get("post_urls") or []
    out["post"] = urls[0] + (f" (+{len(urls) - 1})" if len(urls) > 1 else "") if urls else None
    # Drafts can be named by the end of their id, like git's short hashes.
    out["draft"] = (row.get("draft_id") or "")[-8:] or None
    out["key_events"] = f"{row['key_events']:g}"
    out["total_revenue"] = f"{row['total_revenue']:,.2f}"
    return out
