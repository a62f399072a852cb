"""`mktd report`: one report as a terminal table, JSON, CSV or a self-contained HTML file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO, cast

from mktdirector.cli import _output

if TYPE_CHECKING:
    from rich.console import Console, JustifyMethod
    from rich.text import Text

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
    """Print the report, or write it to `output`; HTML on a terminal goes to a file. CSV and
    JSON are written row by row (a streamed report never holds every post)."""
    if fmt == "table" and output is None:
        return table(rep.to_dict())
    if fmt in ("csv", "json"):
        return _stream(rep, fmt, output)
    text = render(rep, fmt)
    if output is None and fmt == "html" and _output.is_tty():
        # A page of HTML in a terminal helps nobody: write the file and say where.
        output = f"mktd-report-{rep.timeframe.start}-{rep.timeframe.last.isoformat()}.html"
    if output is None:
        return _output.text(text)
    path = write(text, output)
    _output.success(f"Wrote {path} ({rep.totals['posts']} post(s), {rep.timeframe.label}).")


class _Redacted:
    """A text stream masked in chunks of whole lines (a secret never spans a line of CSV or
    JSON), so the masking costs one pass per chunk, not one per row."""

    CHUNK = 1 << 18

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.pending: list[str] = []
        self.size = 0

    def write(self, text: str) -> int:
        self.pending.append(text)
        self.size += len(text)
        if self.size >= self.CHUNK:
            data = "".join(self.pending)
            cut = data.rfind("\n") + 1
            self.pending, self.size = [data[cut:]], len(data) - cut
            self._emit(data[:cut])
        return len(text)

    def close(self) -> None:
        self._emit("".join(self.pending))
        self.pending, self.size = [], 0

    def _emit(self, data: str) -> None:
        from mktdirector.core.redact import redact

        if data:
            self.out.write(redact(data))


def _stream(rep: Report, fmt: str, output: str | None) -> None:
    import sys
    from pathlib import Path

    from mktdirector.agents.analytics.report import write_csv
    from mktdirector.agents.analytics.report_json import write_json
    from mktdirector.core.errors import UsageError

    writer = write_csv if fmt == "csv" else write_json
    if output is None:
        masked = _Redacted(sys.stdout)
        writer(rep, cast("TextIO", masked))
        masked.close()
        sys.stdout.flush()
        return
    path = Path(output).expanduser()
    try:
        with path.open("w", encoding="utf-8", newline="") as f:
            masked = _Redacted(f)
            n = writer(rep, cast("TextIO", masked))
            masked.close()
    except OSError as e:
        raise UsageError(
            f"Cannot write {path}: {e.strerror or e}.",
            hint="Give -o a path in a directory you can write",
        ) from None
    _output.success(f"Wrote {path} ({n} post(s), {rep.timeframe.label}).")


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
        table(rep.to_dict())
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


def table(data: dict[str, Any]) -> None:
    """The terminal report: header, tables, a daily bar chart and sparklines, notes."""
    from rich.text import Text

    from mktdirector.cli.views import report_layout as view
    from mktdirector.core.redact import redact

    c = _output.console()
    tf = data["timeframe"]
    c.print(Text(f"Report {tf['first']} to {tf['last']} (UTC)", style="bold"))
    if data.get("summary"):
        c.print(Text(redact(data["summary"])))
    for sec in view.sections(data):
        _section(c, sec)
    trend = data.get("trend") or []
    if not data["posts"]:
        _output.info(
            "No posts were published in this timeframe (mktd publish, or --timeframe 30d)."
        )
    elif trend:
        c.print(_styled(view.legend(data["channels"])))
        if len(trend) <= 31:
            for pieces in view.trend_lines(trend, data["channels"]):
                c.print(_styled(pieces), no_wrap=True, overflow="crop")
        for spark in view.sparklines(trend, width=c.width):
            c.print(Text(spark), no_wrap=True, overflow="fold")
    more = (data["totals"].get("posts") or 0) - len(data["posts"])
    if data["posts"] and more > 0:
        _output.info(f"… and {more:,} more posts; --format csv for all (--top N shows more).")
    for note in data.get("notes") or []:
        _output.warn(note)


def _section(c: Console, sec: dict[str, Any]) -> None:
    """One titled table; wider than the terminal, its figures go on in further tables under the
    same key columns (channel, or published/channel/draft/topic): never dropped, never cropped."""
    from rich.table import Table

    from mktdirector.cli.views import report_layout as view

    groups = _groups(sec, c.width)
    if view.OPTIONAL in sec["columns"]:  # who approved: shown when it costs no extra table
        without = _groups(view.without(sec, view.OPTIONAL), c.width)
        if len(without) < len(groups):
            sec, groups = view.without(sec, view.OPTIONAL), without
    cols = sec["columns"]
    heads = [view.SHORT.get(col, col) for col in cols]
    for n, (group, fitted) in enumerate(groups):
        title = sec["title"] if n == 0 else f"{sec['title']} (continued)"
        t = Table(title=title, header_style="bold", title_justify="left")
        for i, width, wrap in zip(group, fitted.widths, fitted.wrap, strict=True):
            left = cols[i] in view.TEXT_COLUMNS or cols[i] in view.LEFT_COLUMNS
            just: JustifyMethod = "left" if left else "right"
            t.add_column(heads[i], justify=just, width=width, no_wrap=not wrap, overflow="fold")
        for row in fitted.cells:
            t.add_row(*row)
        c.print(t)


def _groups(sec: dict[str, Any], width: int) -> list[tuple[list[int], Any]]:
    from mktdirector.cli import _table
    from mktdirector.cli.views import report_layout as view
    from mktdirector.core.redact import redact

    cols = sec["columns"]
    heads = [view.SHORT.get(col, col) for col in cols]
    cells = [[redact(v) for v in row] for row in sec["rows"]]
    keys = [i for i, col in enumerate(cols) if col in view.TEXT_COLUMNS]
    free = [i for i, col in enumerate(cols) if col in ("topic", view.OPTIONAL)]
    return _table.column_groups(heads, cells, keys=keys, free_text=free, width=width)


def _styled(pieces: Sequence[tuple[str, str | None]]) -> Text:
    """Text from (text, style) pieces; no style is rich's empty style."""
    from rich.text import Text

    return Text.assemble(*((text, style or "") for text, style in pieces))
