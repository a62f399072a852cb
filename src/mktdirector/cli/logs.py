"""`mktd logs`: the audit log of every HTTP attempt."""

from typing import Annotated

import typer

from mktdirector.cli._options import MAX_ROWS
from mktdirector.cli._unset_options import UnsetOptionsCommand

app = typer.Typer()


@app.command("logs", cls=UnsetOptionsCommand)
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
            "--limit",
            "-n",
            min=1,
            max=MAX_ROWS,
            help="How many recent calls [default: 50; all with --draft].",
        ),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option("--source", "-s", help="What was done through cli, web, mcp or api instead."),
    ] = None,
    interval: Annotated[float, typer.Option(hidden=True)] = 1.0,
    max_polls: Annotated[int, typer.Option(hidden=True)] = 0,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Show recent API calls (method, path template, status, timing; never secrets)."""
    from mktdirector.agents.ops import audit
    from mktdirector.cli import _deps, _output
    from mktdirector.cli.views import logs as view

    store = _deps.current().store
    if source is not None:
        return _actions(source, draft, limit, json_out, follow, interval, max_polls)
    query = audit.call_query(store, platform=platform, errors_only=errors, draft=draft, limit=limit)
    if not store.exists():
        _output.info("No calls logged yet (no database). Run mktd init.")
        return
    rows = audit.calls(store, query)
    if follow and not json_out:
        view.show_lines(rows, header=True)
    else:
        view.show(rows, json_out)
    if follow:
        newer = lambda after: audit.calls(store, query, after_id=after)  # noqa: E731
        view.follow(newer, rows, json_out, interval=interval, max_polls=max_polls)
    elif not rows and not json_out:
        _output.info("No calls logged yet.")


def _actions(
    source: str,
    draft: str | None,
    limit: int | None,
    json_out: bool,
    follow: bool,
    interval: float,
    max_polls: int,
) -> None:
    """`--source mcp`: the actions log (every MCP tool call: arguments, outcome, draft)."""
    from mktdirector.agents.ops import actions
    from mktdirector.cli import _deps, _output
    from mktdirector.cli.views import actions as view
    from mktdirector.store.rows import ActionRow

    store = _deps.current().store
    draft_id = store.get_draft(draft)["id"] if draft and store.exists() else None
    rows = actions.recent(store, source=source, draft_id=draft_id, limit=limit or 50)
    view.show(rows, json_out)
    if follow:

        def newer(after: str | None) -> list[ActionRow]:
            return actions.recent(store, source=source, draft_id=draft_id, after_id=after)

        view.follow(newer, rows, json_out, interval=interval, max_polls=max_polls)
    elif not rows and not json_out:
        _output.info(f"No {source} actions logged yet.")
