"""`mktd report`: one report as a terminal table, JSON, CSV or a self-contained HTML file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mktdirector.cli import _output

if TYPE_CHECKING:
    from mktdirector.agents.analytics.report import Report

FORMATS = ("table", "json", "csv", "html")


def check_format(fmt: str, *, json_out: bool) -> str:
    """The format asked for (--json wins), checked before any figure is computed."""
    from mktdirector.core.errors import UsageError

    fmt = "json" if json_out else fmt.strip().lower()
    if fmt not in FORMATS:
        raise UsageError(
            f"--format {fmt!r} is not one of {', '.join(FORMATS)}.", hint="--format html"
        )
    return fmt


def deliver(rep: Report, fmt: str, output: str | None) -> None:
    """Print the report, or write it to `output`; HTML on a terminal goes to a file."""
    if fmt == "table" and output is None:
        return _output.report(rep.to_dict())
    text = render(rep, fmt)
    if output is None and fmt == "html" and _output.is_tty():
        # A page of HTML in a terminal helps nobody: write the file and say where.
        output = f"mktd-report-{rep.timeframe.start}-{rep.timeframe.last.isoformat()}.html"
    if output is None:
        return _output.text(text)
    path = write(text, output)
    _output.success(f"Wrote {path} ({len(rep.posts)} post(s), {rep.timeframe.label}).")


def render(rep: Report, fmt: str) -> str:
    if fmt == "json":
        import json

        return json.dumps(rep.to_dict(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        from mktdirector.agents.analytics.report import to_csv

        return to_csv(rep)
    if fmt == "html":
        from mktdirector.agents.analytics.report_html import render_html

        return render_html(rep)
    with _output.capture() as buf:
        _output.report(rep.to_dict())
    return str(buf.getvalue())


def write(text: str, output: str) -> str:
    """Write the (redacted) report; an unwritable path is one clean error."""
    from pathlib import Path

    from mktdirector.core.errors import UsageError
    from mktdirector.core.redact import redact

    path = Path(output).expanduser()
    try:
        path.write_text(redact(text), encoding="utf-8")
    except OSError as e:
        raise UsageError(
            f"Cannot write {path}: {e.strerror or e}.",
            hint="Give -o a path in a directory you can write",
        ) from None
    return str(path)
