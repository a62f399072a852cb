"""`mktd analytics fetch|show`: engagement of published posts."""

from typing import TYPE_CHECKING, Annotated

import typer

from mktdirector.cli import _options
from mktdirector.cli._options import JsonOpt

if TYPE_CHECKING:
    from mktdirector.agents.analytics.social import FetchResult
    from mktdirector.wiring import Deps

app = typer.Typer(help="Pull and show engagement of published posts.", no_args_is_help=True)


@app.command("fetch")
def fetch(
    platform: Annotated[str | None, _options.platform("linkedin or twitter.")] = None,
    since: Annotated[
        str | None, _options.since("Only posts published since YYYY-MM-DD, 7d or 2w.")
    ] = None,
    account: _options.AccountOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Fetch metrics for published posts and store them as snapshots."""
    from mktdirector.cli import _deps
    from mktdirector.cli.views import analytics as render
    from mktdirector.core.errors import UsageError
    from mktdirector.core.platforms import resolve_platform, spoken_list, with_post_metrics

    deps = _deps.current()
    covered = with_post_metrics()
    platforms = [resolve_platform(platform, among=covered)] if platform else covered
    if any(p not in covered for p in platforms):
        raise UsageError(
            f"analytics fetch covers {spoken_list(covered, 'and')}.",
            hint=f"--platform {covered[-1]}",
        )
    results = _fetch(deps, platforms, _since(since), account)
    render.fetched(results, json_out)
    failed = next((r.exit_code for r in results if r.exit_code), 0)
    if failed:
        raise typer.Exit(failed)  # each failure was shown above, with its platform


def _fetch(
    deps: "Deps", platforms: list[str], since_utc: str | None, account: str | None
) -> "list[FetchResult]":
    """Each platform account with a connection or published posts, with a progress bar."""
    from mktdirector.agents.analytics.social import fetch_all
    from mktdirector.cli import _output

    return fetch_all(deps.store, deps.integration, platforms, since_utc=since_utc,
                     account=account, progress=_output.progress)  # fmt: skip


@app.command("show")
def show(draft_id: str, json_out: JsonOpt = False) -> None:
    """The latest metrics of every post of a draft."""
    from mktdirector.cli import _deps
    from mktdirector.cli.views import analytics as render

    store = _deps.current().store
    render.snapshots(store.latest_snapshots(draft_id=store.get_draft(draft_id)["id"]), json_out)


def _since(text: str | None) -> str | None:
    from mktdirector.agents.periods import iso_start, parse_since

    return iso_start(parse_since(text, default_days=None))
