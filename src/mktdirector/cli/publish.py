"""`mktd publish ID`: publish an approved draft exactly once (or show the requests)."""

from typing import Annotated

import typer

from mktdirector.cli import _options

app = typer.Typer()


@app.command("publish")
def publish(
    draft_id: Annotated[str, typer.Argument(help="An approved draft.")],
    dry_run: Annotated[
        bool, _options.dry_run("Print the exact HTTP requests; send nothing.")
    ] = False,
    yes: Annotated[bool, _options.yes("Publish without asking.")] = False,
    image: Annotated[
        str | None, typer.Option("--image", help="Attach an image to the (first) post.")
    ] = None,
    resolve: Annotated[
        str | None, typer.Option("--resolve", help="Settle a needs-check: posted | not-posted.")
    ] = None,
    url: Annotated[
        str | None, typer.Option("--url", help="With --resolve posted: the post's URL or id.")
    ] = None,
    account: _options.AccountOpt = None,
    json_out: _options.JsonOpt = False,
) -> None:
    """Publish an approved draft; a re-run resumes a thread and never posts twice."""
    from mktdirector.agents.social import posting
    from mktdirector.cli import _deps, _output
    from mktdirector.cli.views import posting as render

    deps = _deps.current()
    if resolve is not None:
        return render.resolved(posting.resolve_needs_check(deps, draft_id, resolve, url), json_out)
    if dry_run:
        preview = posting.preview_publish(deps, draft_id, account=account)
        return render.publish_preview(preview, json_out)
    ticket = posting.ready_to_publish(deps, draft_id, account=account)
    render.token_warning(ticket)
    ok = _output.confirm(
        f"Publish draft {ticket.draft_id} to {ticket.label} now?",
        assume_yes=yes,
        declined="Not published.",
    )
    result = posting.publish(deps, ticket, confirmed=ok, image=image)
    render.published(result, ticket.label, json_out)
