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
    from mktdirector.cli import _deps, _output

    deps = _deps.current()
    data = gather_status(deps.home, deps.store, deps.credentials, deps.config.get("secrets.store"))
    if json_out:
        _output.emit_json(data)
        return
    _output.key_values(
        [
            (
                "home",
                data["home"] + ("" if data["initialized"] else "  (not initialized: mktd init)"),
            ),
            ("database", data["database"]["path"]),
            ("secret store", data["secret_store"]),
            ("notifications", data.get("notifications_unread", 0)),
        ]
    )
    _output.table(
        data["platforms"],
        ["label", "credentials", "calls_24h", "errors_24h", "last_ok", "last_error"],
        headers=["platform", "credentials", "calls 24h", "errors 24h", "last ok", "last error"],
    )
    if "monitoring" in data:
        _output.monitoring(data["monitoring"])
