"""`mktd report`: what the posts did, per channel and per post, over a timeframe."""

from typing import Annotated

import typer

app = typer.Typer()
FORMATS = ("table", "json", "csv", "html")


@app.command("report")
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
) -> None:
    """Posts, reach, engagement, clicks, GA4 sessions, HubSpot leads and cost, per channel and
    per post; top and bottom posts; the daily trend. HTML is one self-contained file."""
    from mktdirector.agents.analytics.report import build_report
    from mktdirector.cli import _deps, _output
    from mktdirector.core.errors import UsageError

    fmt = "json" if json_out else fmt.strip().lower()
    if fmt not in FORMATS:
        raise UsageError(
            f"--format {fmt!r} is not one of {', '.join(FORMATS)}.", hint="--format html"
        )
    deps = _deps.current()
    rep = build_report(deps.store, timeframe=timeframe, channels=channels, metrics=metrics)
    if summary:
        from mktdirector.agents.analytics.narrative import narrative
        from mktdirector.agents.analytics.report import narrative_figures

        with _output.progress("Writing the summary"):
            rep.summary, _ = narrative(
                deps.llm(), deps.brand(), deps.store,
                figures=narrative_figures(rep), timeframe=rep.timeframe.label,
            )  # fmt: skip
    if fmt == "table" and output is None:
        _output.report(rep.to_dict())
        return
    text = _render(rep, fmt)
    if output is None and fmt == "html" and _output.is_tty():
        # A page of HTML in a terminal helps nobody: write the file and say where.
        output = f"mktd-report-{rep.timeframe.start}-{rep.timeframe.last.isoformat()}.html"
    if output is None:
        _output.text(text)
        return
    from pathlib import Path

    from mktdirector.core.errors import UsageError
    from mktdirector.core.redact import redact

    path = Path(output).expanduser()
    try:
        path.write_text(redact(text), encoding="utf-8")
    except OSError as e:
        raise UsageError(f"Cannot write {path}: {e.strerror or e}.",
                         hint="Give -o a path in a directory you can write") from None  # fmt: skip
    _output.success(f"Wrote {path} ({len(rep.posts)} post(s), {rep.timeframe.label}).")


def _render(rep, fmt: str) -> str:  # type: ignore[no-untyped-def]
    if fmt == "json":
        import json

        return json.dumps(rep.to_dict(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        from mktdirector.agents.analytics.report import to_csv

        return to_csv(rep)
    if fmt == "html":
        from mktdirector.agents.analytics.report_html import render_html

        return render_html(rep)
    from mktdirector.cli import _output

    with _output.capture() as buf:
        _output.report(rep.to_dict())
    return buf.getvalue()
