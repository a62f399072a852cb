"""`mktd test-integration P` and `mktd test-integrations`."""

from typing import TYPE_CHECKING, Annotated

import typer

from mktdirector.cli._options import AccountOpt, JsonOpt

if TYPE_CHECKING:
    from mktdirector.wiring import Deps

app = typer.Typer()


@app.command("test-integration")
def test_integration(
    platform: Annotated[
        str, typer.Argument(help="linkedin, twitter, hubspot, google-analytics, sendgrid…")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the check's request; send nothing.")
    ] = False,
    account: AccountOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Check one platform's credentials with its cheapest authenticated call."""
    from mktdirector.agents.ops import checks
    from mktdirector.cli import _deps
    from mktdirector.cli.views import checks as view
    from mktdirector.core.platforms import resolve_platform
    from mktdirector.integrations import available

    deps = _deps.current()
    pid = resolve_platform(platform, among=[*available(), "openai"])
    if pid == "openai":  # the LLM: checked through its SDK, not a platform client
        return _check_llm(deps, dry_run=dry_run, json_out=json_out)
    if dry_run:
        result = checks.dry_run(lambda p, **kw: deps.integration(p, account, **kw), pid)
        view.dry_run(result, json_out)
        raise typer.Exit(checks.dry_run_exit_code(result))
    result = checks.check(deps.integration(pid, account))
    view.checked(result, json_out)
    if code := checks.exit_code(result):
        raise typer.Exit(code)


@app.command("test-integrations")
def test_integrations(json_out: JsonOpt = False) -> None:
    """Check every platform mktd supports; exit 6 if a configured one fails."""
    from mktdirector.agents.ops.account_checks import check_all
    from mktdirector.cli import _deps
    from mktdirector.cli.views import checks as view
    from mktdirector.integrations import available

    deps = _deps.current()
    from mktdirector.agents.ops.llm_check import check_llm

    results = check_all(deps.credentials, deps.integration, available())
    results.append(check_llm(deps.llm))
    view.checked_all(results, json_out)
    if any(r["status"] == "error" for r in results):
        raise typer.Exit(6)


def _check_llm(deps: "Deps", *, dry_run: bool, json_out: bool) -> None:
    from mktdirector.agents.ops import checks, llm_check
    from mktdirector.cli.views import checks as view

    if dry_run:
        result = llm_check.dry_run_llm(deps.llm)
        view.dry_run(result, json_out)
        raise typer.Exit(checks.dry_run_exit_code(result))
    result = llm_check.check_llm(deps.llm)
    view.checked(result, json_out)
    if code := checks.exit_code(result):
        raise typer.Exit(code)
