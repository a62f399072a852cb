"""`mktd test-integration P` and `mktd test-integrations`."""

from typing import Annotated

import typer

from mktdirector.cli._options import JsonOpt

app = typer.Typer()


@app.command("test-integration")
def test_integration(
    platform: Annotated[
        str, typer.Argument(help="linkedin, twitter, hubspot, google-analytics, sendgrid…")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the check's request; send nothing.")
    ] = False,
    account: Annotated[str | None, typer.Option("--account")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Check one platform's credentials with its cheapest authenticated call."""
    from mktdirector.agents.ops import checks
    from mktdirector.cli import _deps, _output
    from mktdirector.core.platforms import resolve_platform

    deps = _deps.current()
    pid = resolve_platform(platform)
    if dry_run:
        result = checks.dry_run(lambda p, **kw: deps.integration(p, account, **kw), pid)
        _output.emit_json(result) if json_out else _output.check_dry_run(result)
        return
    result = checks.check(deps.integration(pid, account))
    _output.emit_json(result) if json_out else _output.check_result(result)
    if result["status"] != "connected":
        # The exit codes of DESIGN.md section 2: 3 credentials, 4 authentication, 5 rate limit.
        codes = {"missing_credentials": 3, "auth": 4, "permission": 4, "rate_limit": 5}
        raise typer.Exit(codes.get(result["status"], codes.get(result.get("error", ""), 6)))


@app.command("test-integrations")
def test_integrations(json_out: JsonOpt = False) -> None:
    """Check every platform mktd supports; exit 6 if a configured one fails."""
    from mktdirector.agents.ops import checks
    from mktdirector.cli import _deps, _output
    from mktdirector.integrations import available

    deps = _deps.current()
    results = [checks.check(deps.integration(pid)) for pid in available()]
    if json_out:
        _output.emit_json(results)
    else:
        for r in results:
            _output.check_result(r)
    if any(r["status"] == "error" for r in results):
        raise typer.Exit(6)
