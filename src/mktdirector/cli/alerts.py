"""`mktd alerts run|test`: evaluate the alert rules and deliver them to Slack and email."""

import typer

from mktdirector.cli._options import JsonOpt

app = typer.Typer(
    help="Alert rules and where alerts go (in-tool, Slack, email).", no_args_is_help=True
)
SETUP = {
    "slack": "export SLACK_WEBHOOK_URL=https://hooks.slack.com/services/… (Slack: Apps → "
    "Incoming Webhooks)",
    "email": "mktd config set alerts.email you@example.com (or MKTD_ALERT_EMAIL), with "
    "SENDGRID_API_KEY and SENDGRID_FROM_EMAIL set",
}


@app.command("run")
def run(json_out: JsonOpt = False) -> None:
    """Check the alert rules now, raise new notifications and deliver them to Slack and email
    (the worker runs the same check)."""
    from mktdirector.agents.ops.alerts import run_alerts
    from mktdirector.cli import _deps, _output
    from mktdirector.cli.views import ops as render

    deps = _deps.current()
    if not deps.store.exists():
        return _output.info("No database yet, so nothing to check: mktd init")
    rate = deps.config.get("alerts.failure_rate")
    render.alerts_raised(run_alerts(deps.store, deps.alert_channels(), failure_rate=rate), json_out)


@app.command("test")
def test(json_out: JsonOpt = False) -> None:
    """Send a test alert to every configured channel and say, per channel, whether it arrived."""
    from mktdirector.agents.ops.alerts import send_test
    from mktdirector.cli import _deps
    from mktdirector.cli.views import ops as render

    deps = _deps.current()
    channels = deps.alert_channels()
    results = send_test(deps.store, channels)
    names = {c.name for c in channels}
    for name, hint in SETUP.items():
        if name not in names:
            results[name] = {"status": "not configured", "hint": hint}
    render.alert_test(results, json_out)
