"""`mktd status`: where things are, what is connected, and how the APIs are doing."""

import typer

from mktdirector.cli._options import JsonOpt

app = typer.Typer()


@app.command("status")
def status(json_out: JsonOpt = False) -> None:
    """Show the home, database, secret store and, per platform and account, calls, success rate,
    failures, latency, rate limits and token health (24 h / 7 d); the queue, the worker and
    unread notifications."""
    from mktdirector.agents.ops.status import gather_status
    from mktdirector.cli import _deps
    from mktdirector.cli.views import ops as render

    deps = _deps.current()
    data = gather_status(
        deps.home,
        deps.store,
        deps.credentials,
        deps.config.get("secrets.store"),
        llm_base_url=deps.config.get("llm.base_url"),  # a keyless local LLM is not "missing"
    )
    render.status(data, json_out)
    if data["database"].get("error"):
        from mktdirector.cli import _output
        from mktdirector.core.errors import StoreError

        if not json_out:
            _output.error(
                StoreError(
                    "The database is unreadable; the figures above may be incomplete.",
                    hint="mktd db check shows the damage; mktd db recover saves what is readable",
                )
            )
        raise typer.Exit(1)
