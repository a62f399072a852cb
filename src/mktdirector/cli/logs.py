"""`mktd logs`: the audit log of every HTTP attempt."""

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import typer

app = typer.Typer()

ALL_OF_A_DRAFT = 100_000

COLUMNS = [
    "time_utc",
    "platform",
    "method",
    "path",
    "status",
    "duration_ms",
    "attempt",
    "error_kind",
]


@app.command("logs")
def logs(
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing new calls.")
    ] = False,
    errors: Annotated[bool, typer.Option("--errors", help="Only failed calls.")] = False,
    platform: Annotated[
        str | None, typer.Option("--platform", "-p", help="Only this platform.")
    ] = None,
    draft: Annotated[
        str | None,
        typer.Option("--draft", "-d", help="Every call made while publishing this draft."),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit", "-n", min=1, help="How many recent calls [default: 50; all with --draft]."
        ),
    ] = None,
    interval: Annotated[float, typer.Option(hidden=True)] = 1.0,
    max_polls: Annotated[int, typer.Option(hidden=True)] = 0,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Show recent API calls (method, path template, status, timing; never secrets)."""
    import time

    from mktdirector.cli import _deps, _output
    from mktdirector.core.platforms import resolve_platform

    deps = _deps.current()
    pid = resolve_platform(platform) if platform else None
    if not deps.store.exists():
        _output.info("No calls logged yet (no database). Run mktd init.")
        return
    # A draft's calls are few and all of them matter (every segment, upload and read-back).
    correlation = deps.store.get_draft(draft)["id"] if draft else None
    limit = limit or (ALL_OF_A_DRAFT if draft else 50)
    rows = deps.store.calls(
        platform=pid, errors_only=errors, correlation_id=correlation, limit=limit
    )

    def show(batch: Sequence[Mapping[str, Any]]) -> None:
        if json_out:
            for r in batch:
                _output.emit_json_line(r)
        elif batch:
            _output.table(
                batch,
                COLUMNS,
                headers=["time", "platform", "method", "path", "status", "ms", "try", "error"],
            )

    show(rows)
    if not follow:
        if not rows and not json_out:
            _output.info("No calls logged yet.")
        return
    last = rows[-1]["id"] if rows else None
    polls = 0
    while max_polls == 0 or polls < max_polls:
        time.sleep(interval)
        polls += 1
        new = deps.store.calls(
            platform=pid, errors_only=errors, correlation_id=correlation, after_id=last, limit=1000
        )
        if new:
            last = new[-1]["id"]
            show(new)
