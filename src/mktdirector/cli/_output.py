"""The only module that prints. Rich is imported on first use, never at `--help` time.

- data goes to stdout (a table on a TTY, or JSON with --json);
- messages, errors and progress go to stderr so pipes get clean data;
- NO_COLOR is honoured (rich reads it), and nothing here ever prints an unredacted secret.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mktdirector.cli import _plain
from mktdirector.core.redact import redact

if TYPE_CHECKING:
    from rich.console import Console

_consoles: dict[str, Console] = {}
# Console settings that print strings as typed (and skip rich's emoji table, ~1 ms to load).
_AS_TYPED: dict[str, Any] = {"markup": False, "emoji": False}


def console(stderr: bool = False) -> Console:
    key = "err" if stderr else "out"
    if key not in _consoles:
        from rich.console import Console

        # Messages on stderr never wrap: an error is one line, whatever the terminal width.
        # No markup, no emoji codes: every string printed holds user or platform text, which
        # must show as typed ("[red]" and ":rocket:" in a draft are not styles or emoji).
        _consoles[key] = Console(stderr=stderr, highlight=False, soft_wrap=stderr, **_AS_TYPED)
    return _consoles[key]


def reset() -> None:
    """Forget consoles (tests swap sys.stdout between invocations)."""
    _consoles.clear()


def _default(o: Any) -> Any:
    if hasattr(o, "to_dict"):
        return o.to_dict()
    if hasattr(o, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(o)
    return str(o)


def emit_json(data: Any) -> None:
    sys.stdout.write(
        redact(json.dumps(data, indent=2, default=_default, ensure_ascii=False)) + "\n"
    )
    sys.stdout.flush()


def emit_json_line(data: Any) -> None:
    sys.stdout.write(redact(json.dumps(data, default=_default, ensure_ascii=False)) + "\n")
    sys.stdout.flush()


def line(
    text: str = "", *, err: bool = False, style: str | None = None, soft_wrap: bool = False
) -> None:
    """One line of text; `soft_wrap` keeps it whole (shell lines meant for eval, URLs)."""
    if err:
        return _print_err(redact(text), style)  # the stderr console never wraps anyway
    shown = redact(text)
    width = _plain_width()
    if width is not None and _plain.write_line(shown, width):
        return
    console().print(shown, style=style, markup=False, soft_wrap=soft_wrap or None)


def _print_err(text: str, style: str | None) -> None:
    if not _plain.write_err(text):  # rich not needed when stderr is no terminal
        console(stderr=True).print(text, style=style, markup=False)


def _plain_width() -> int | None:
    """stdout's width when it may be written without rich (cli/_plain.py), else None."""
    return None if "out" in _consoles else _plain.stdout_width()  # a console may capture


def info(text: str) -> None:
    line(text, err=True)


def success(text: str) -> None:
    line(text, err=True, style="green")


def warn(text: str) -> None:
    line(text, err=True, style="yellow")


def table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    title: str | None = None,
    headers: Sequence[str] | None = None,
    no_wrap: Sequence[str] = (),
    truncate: Sequence[str] = (),
) -> None:
    """Rows as a table that fits the terminal with every column (cli/_table.py).

    `no_wrap` columns (ids, times, statuses) keep their width; the others are free text that
    wraps when the terminal is narrow (`truncate` is kept for callers: such text wraps too).
    When even that does not fit, each row is shown as a block of `column: value` lines.
    """
    from mktdirector.cli import _table

    heads = list(headers or columns)
    cells = [[redact("" if r.get(c) is None else str(r.get(c))) for c in columns] for r in rows]
    free = [i for i, c in enumerate(columns) if c not in no_wrap]
    plain = _plain_width()
    fitted = _table.plan(heads, cells, free_text=free, width=plain or console().width)
    if fitted is None:
        return _stacked(heads, cells, title=title)
    if (
        plain
        and title is None
        and _plain.write_table(heads, fitted.widths, fitted.wrap, fitted.cells)
    ):
        return
    from rich.table import Table

    t = Table(title=title, header_style="bold", show_lines=False)
    for h, width, wrap in zip(heads, fitted.widths, fitted.wrap, strict=True):
        t.add_column(h, width=width, no_wrap=not wrap, overflow="fold")
    for row in fitted.cells:
        t.add_row(*row)
    console().print(t)


def _stacked(heads: Sequence[str], cells: list[list[str]], *, title: str | None) -> None:
    """One block per row: for terminals too narrow for the table's columns side by side."""
    from rich.rule import Rule

    out = console()
    if title:
        out.print(title, style="bold")
    for row in cells:
        out.print(Rule(style="dim"))
        key_values(zip(heads, row, strict=True))


def key_values(pairs: Iterable[tuple[str, Any]]) -> None:
    rows = [(str(k), redact("" if v is None else str(v))) for k, v in pairs]
    width = _plain_width()
    if width is not None and _plain.write_key_values(rows, width):
        return
    from rich.table import Table

    t = Table(show_header=False, box=None, pad_edge=False)
    t.add_column(style="bold", no_wrap=True)
    t.add_column(overflow="fold")  # a long value wraps; it is never cut off
    for k, v in rows:
        t.add_row(k, v)
    console().print(t)


def error(exc: Exception) -> None:
    """One line of what happened, one line of the command that fixes it."""
    message = getattr(exc, "message", None) or str(exc)
    hint = getattr(exc, "hint", None)
    _print_err(f"Error: {redact(message)}", "bold red")
    if hint:
        _print_err(f"Hint: {redact(hint)}", "yellow")


def error_json(exc: Exception) -> None:
    data = exc.to_dict() if hasattr(exc, "to_dict") else {"error": "error", "message": str(exc)}
    sys.stderr.write(redact(json.dumps(data, default=_default)) + "\n")


def is_tty() -> bool:
    return sys.stdout.isatty()


def stream_chunk(text: str) -> None:
    """Streamed LLM text, shown on stderr so stdout stays clean for data."""
    sys.stderr.write(text)
    sys.stderr.flush()


def findings(items: Sequence[Any]) -> None:
    styles = {"error": "red", "warning": "yellow", "info": "cyan"}
    for f in items:
        d = f.to_dict() if hasattr(f, "to_dict") else f
        seg = f"post {d['segment']}, " if d.get("segment") else ""
        where = f"{seg}line {d.get('line', 1)}:{d.get('column', 1)}"
        line(
            f"  {d['severity']:<7} {where:<18} {d['rule']}: {d['message']}",
            style=styles.get(d["severity"]),
        )


def confirm(question: str, *, assume_yes: bool, declined: str = "Not done.") -> bool:
    """Ask on a TTY; without one, only --yes counts as a yes (False: the caller says how).

    "No" on a TTY is an answer, not an error to fix: it ends the command with `declined`
    (exit 1) instead of a hint to "run it in a terminal". End of input (Ctrl-D) is a no.
    """
    from mktdirector.core.errors import MktdError

    if assume_yes:
        return True
    if not sys.stdin.isatty():
        return False
    try:
        # markup=False: rich would read "[y/N]" as a style tag and swallow it.
        answer = console(stderr=True).input(f"{question} [y/N] ", markup=False)
    except EOFError:
        answer = ""
    if answer.strip().lower() in {"y", "yes"}:
        return True
    raise MktdError(declined)


def requests(plan: dict[str, Any]) -> None:
    """A dry run's HTTP requests, exactly as they would go out (secrets masked)."""
    info(f"Dry run: {len(plan['requests'])} request(s) would be sent; none was.")
    for r in plan["requests"]:
        # soft_wrap: long URLs and JSON strings stay whole, so the dump can be copied as is.
        line(f"{r['method']} {r['url']}", style="bold", soft_wrap=True)
        for k, v in r["headers"].items():
            line(f"  {k}: {v}", soft_wrap=True)
        line(json.dumps(r["body"], indent=2, ensure_ascii=False), soft_wrap=True)
    if plan.get("credentials_missing"):
        warn(plan["credentials_missing"])


class _Progress:
    def __init__(self, label: str) -> None:
        self.label = label
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Any:
        # A bar on a TTY; nothing at all in pipes and logs.
        if sys.stderr.isatty():
            from rich.progress import Progress

            self._bar = Progress(console=console(stderr=True), transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=None)

        def tick(done: int, total: int) -> None:
            if self._bar is not None:
                self._bar.update(self._task, completed=done, total=total)

        return tick

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def progress(label: str) -> _Progress:
    return _Progress(label)


def check_result(r: dict[str, Any]) -> None:
    mark = {"connected": "✓", "missing_credentials": "–", "error": "✗"}.get(r["status"], "?")
    style = {"connected": "green", "missing_credentials": "yellow", "error": "red"}.get(r["status"])
    who = f" as {r.get('name') or r['user_id']}" if r.get("name") or r.get("user_id") else ""
    rl = r.get("rate_limit") or {}
    quota = ""
    if rl.get("rate_limit_remaining") is not None:
        quota = f" · {rl['rate_limit_remaining']} calls left"
    detail = f" · {r['detail']}" if r.get("detail") and r["status"] != "connected" else ""
    line(f"{mark} {r['platform']:<17} {r['status']}{who}{quota}{detail}", style=style)
    if r["status"] == "error" and r.get("hint"):
        line(f"  hint: {r['hint']}")


def check_dry_run(r: dict[str, Any]) -> None:
    info(f"Dry run for {r['platform']} ({r['base_url']}): nothing was sent.")
    line(f"credentials: {r['credentials']}", style="yellow" if r.get("hint") else None)
    req = r.get("request")
    if req:
        line(f"{req['method']} {req['url']}", style="bold")
        for k, v in req["headers"].items():
            line(f"  {k}: {v}")
    elif r.get("detail"):
        line(f"would not send: {r['detail']}")


# --- report, monitoring, notifications (issue 6) ---------------------------------------------


def text(data: str) -> None:
    """Rendered output (CSV, HTML, JSON text) to stdout as it is, secrets masked."""
    sys.stdout.write(redact(data))
    sys.stdout.flush()


class capture:  # noqa: N801 - used as `with _output.capture() as buf`
    """Send what would go to stdout's console into a string (a table report written to a file)."""

    def __init__(self, width: int = 140) -> None:
        import io

        self.buf = io.StringIO()
        self.width = width
        self._saved: Console | None = None

    def __enter__(self) -> Any:
        from rich.console import Console

        self._saved = _consoles.get("out")
        _consoles["out"] = Console(file=self.buf, width=self.width, color_system=None, **_AS_TYPED)
        return self.buf

    def __exit__(self, *exc: object) -> None:
        if self._saved is None:
            _consoles.pop("out", None)
        else:
            _consoles["out"] = self._saved


def notification_list(rows: Sequence[Mapping[str, Any]]) -> None:
    if not rows:
        info("No notifications.")
        return
    styles = {"error": "red", "warning": "yellow"}
    for n in rows:
        mark = " " if n.get("read_utc") else "•"
        head = f"{mark} {n['id']}  {n['created_utc'][:16].replace('T', ' ')}  {n['subject']}"
        line(head, style=styles.get(n.get("severity") or ""))
        line(f"    {n['message']}")
        if n.get("hint"):
            line(f"    fix: {n['hint']}")


def unread_notice(count: int) -> None:
    """The one line every command shows while notifications are unread (plain: it is cheap)."""
    s = "s" if count != 1 else ""
    sys.stderr.write(f"mktd: {count} unread notification{s}: mktd notifications\n")


def alert_deliveries(results: dict[str, dict[str, Any]]) -> None:
    marks = {"sent": ("✓", "green"), "error": ("✗", "red")}
    for name, r in results.items():
        mark, style = marks.get(r["status"], ("–", None))
        detail = r.get("receipt") or r.get("error") or ""
        line(f"{mark} {name:<9} {r['status']}" + (f" · {detail}" if detail else ""), style=style)
        if r.get("hint") and r["status"] == "error":
            line(f"  hint: {r['hint']}")
