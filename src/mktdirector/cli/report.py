"""`mktd report`: what the posts did, per channel and per post, over a timeframe."""

from typing import TYPE_CHECKING, Annotated

import typer

from mktdirector.cli._unset_options import UnsetOptionsCommand

if TYPE_CHECKING:
    from mktdirector.agents.analytics.report import Report
    from mktdirector.wiring import Deps

app = typer.Typer()


@app.command("report", cls=UnsetOptionsCommand)
def report(
    timeframe: Annotated[
        str, typer.Option("--timeframe", "-t", help="7d, 30d or YYYY-MM-DD..YYYY-MM-DD (UTC days).")
    ] = "7d",
    channels: Annotated[
        str | None, typer.Option("--channels", "-c", help="linkedin,twitter,email (default: all).")
    ] = None,
    metrics: Annotated[
        str | None,
        typer.Option(
            "--metrics",
            "-m",
            help="engagement,reach,clicks,leads (default: all); the first ranks top/bottom posts.",
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json, csv or html.")] = "table",
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write the report to this file.")
    ] = None,
    summary: Annotated[
        bool, typer.Option("--summary", help="Add a written summary and recommendations (LLM).")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    top: Annotated[
        int,
        typer.Option("--top", min=1, max=10_000, help="Posts the table shows, best first."),
    ] = 20,
) -> None:
    """Posts, reach, engagement, clicks, GA4 sessions, CRM leads (HubSpot, Salesforce) and cost, per channel and
    per post; top and bottom posts; the daily trend. HTML is one self-contained file."""
    from mktdirector.agents.analytics.report import build_report
    from mktdirector.cli import _deps
    from mktdirector.cli.views import report as render

    fmt = render.check_format(fmt, json_out=json_out)
    deps = _deps.current()
    # The table shows the best `top` posts; CSV and JSON stream every post from the store;
    # totals are always over every post of the timeframe (a CSV has none: it reads only posts).
    as_table = fmt == "table"
    rep = build_report(
        deps.store, timeframe=timeframe, channels=channels, metrics=metrics,
        posts_limit=top if as_table else None, posts_order="rank" if as_table else "published",
        posts_stream=fmt in ("csv", "json"), posts_only=fmt == "csv" and not summary,
    )  # fmt: skip
    if summary:
        _add_summary(deps, rep)
    render.deliver(rep, fmt, output)


def _add_summary(deps: "Deps", rep: "Report") -> None:
    """A written summary with recommendations (LLM), from the report's own figures."""
    from mktdirector.agents.analytics.narrative import narrative
    from mktdirector.agents.analytics.report import narrative_figures
    from mktdirector.cli import _output

    with _output.progress("Writing the summary"):
        rep.summary, _ = narrative(
            deps.llm(), deps.brand(), deps.store,
            figures=narrative_figures(rep), timeframe=rep.timeframe.label,
        )  # fmt: skip
