"""`mktd notifications [--all] [--json]` and `mktd notifications ack [ID]`: in-tool alerts.

`unread_notice` is what the root callback runs for every command: one COUNT query on the
database file (store/sqlite/glance.py), so it costs a few milliseconds and opens no store; on a
team's PostgreSQL database (database.url) the same count goes through the store.
"""

from typing import Annotated, Any

import typer

from mktdirector.cli._options import MAX_ROWS, JsonOpt

app = typer.Typer(help="In-tool alerts: list them and mark them read.")
# Commands that show no unread line: this one lists them, and the unattended ones (a cron job
# would mail the line on every run).
QUIET_COMMANDS = {"notifications", "worker", "alerts", "status"}  # status shows the count


@app.callback(invoke_without_command=True)
def notifications(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", "-a", help="Include read notifications.")] = False,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=MAX_ROWS, help="At most this many.")
    ] = 50,
    json_out: JsonOpt = False,
) -> None:
    """List unread notifications (newest first); --all shows read ones too."""
    if ctx.invoked_subcommand is not None:
        return
    from mktdirector.agents.ops.notifications import to_show
    from mktdirector.cli import _deps
    from mktdirector.cli.views import notifications as view

    rows = to_show(_deps.current().store, include_read=all_, limit=limit)
    view.listed(rows, include_read=all_, json_out=json_out)


@app.command("ack")
def ack(
    notification_id: Annotated[
        str | None, typer.Argument(help="The notification (default: all unread).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Mark one notification, or every unread one, as read."""
    from mktdirector.agents.ops.notifications import acknowledge
    from mktdirector.cli import _deps
    from mktdirector.cli.views import notifications as view

    view.acknowledged(acknowledge(_deps.current().store, notification_id), json_out)


def unread_notice(home: Any, argv: list[str]) -> None:
    """Show `mktd: N unread notifications` on stderr when there are any (see module doc)."""
    words = [a for a in argv if not a.startswith("-")]
    if not words or words[0] in QUIET_COMMANDS or {"--help", "-h"} & set(argv):
        return
    from mktdirector.cli import _deps

    deps = _deps.current()
    if deps.config.get("database.url"):
        # A team's PostgreSQL database: no file to glance at, so ask the store.
        from mktdirector.agents.ops.notifications import unread_for_notice

        count = unread_for_notice(deps.store)
    else:
        from mktdirector.core.paths import db_path
        from mktdirector.store.sqlite.glance import unread_count

        count = unread_count(db_path(home))
    if count:
        from mktdirector.cli import _output

        _output.unread_notice(count)
