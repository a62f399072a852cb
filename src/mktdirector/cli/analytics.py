"""`mktd analytics fetch|show`: engagement of published posts."""

from typing import Annotated

import typer

from mktdirector.cli import _options
from mktdirector.cli._options import JsonOpt

app = typer.Typer(help="Pull and show engagement of published posts.", no_args_is_help=True)


@app.command("fetch")
def fetch(
    platform: Annotated[str | None, _options.platform("linkedin or twitter.")] = None,
    since: Annotated[
        str | None, _options.since("Only posts published since YYYY-MM-DD, 7d or 2w.")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Fetch metrics for published posts and store them as snapshots."""
    from mktdirector.agents.analytics.social import fetch_metrics
    from mktdirector.cli import _deps, _output
    from mktdirector.core.errors import UsageError
    from mktdirector.core.platforms import resolve_platform

    deps = _deps.current()
    platforms = [resolve_platform(platform)] if platform else ["linkedin", "twitter"]
    if any(p not in {"linkedin", "twitter"} for p in platforms):
        raise UsageError("analytics fetch covers linkedin and twitter.", hint="--platform twitter")
    since_utc = _since(since)
    results = []
    for pid in platforms:
        client = deps.integration(pid)
        if client.connection is None and not deps.store.published_posts(platform=pid):
            continue
        with _output.progress(f"{client.label} metrics") as tick:
            results.append(fetch_metrics(deps.store, client, since_utc=since_utc, progress=tick))
    if json_out:
        _output.emit_json([r.to_dict() for r in results])
        return
    for r in results:
        if r.skipped:
            _output.warn(f"{r.platform}: {r.skipped}")
        else:
            _output.info(f"{r.platform}: {r.snapshots} snapshot(s) for {r.posts} post(s)")
        for e in r.errors:
            _output.warn(f"{r.platform}: {e}")
    if not results:
        _output.info("No published posts yet.")


@app.command("show")
def show(draft_id: str, json_out: JsonOpt = False) -> None:
    """The latest metrics of every post of a draft."""
    from mktdirector.cli import _deps, _output

    store = _deps.current().store
    d = store.get_draft(draft_id)
    rows = store.latest_snapshots(draft_id=d["id"])
    if json_out:
        _output.emit_json(rows)
        return
    cols = ["remote_id", "taken_utc", "impressions", "likes", "reposts", "replies", "link_clicks"]
    _output.table(rows, cols)


def _since(text: str | None) -> str | None:
    from mktdirector.agents.periods import iso_start, parse_since

    return iso_start(parse_since(text, default_days=None))
