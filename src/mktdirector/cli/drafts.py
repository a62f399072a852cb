"""`mktd drafts list|show|edit|approve|reject`."""

from typing import Annotated

import typer

from mktdirector.cli import _options
from mktdirector.cli._options import JsonOpt
from mktdirector.cli._unset_options import UnsetOptionsCommand

app = typer.Typer(help="Review, edit, approve and reject drafts.", no_args_is_help=True)


@app.command("list", cls=UnsetOptionsCommand)
def list_(
    status: Annotated[
        str | None, typer.Option("--status", help="draft, approved, published, ...")
    ] = None,
    platform: Annotated[str | None, _options.platform()] = None,
    limit: Annotated[int, _options.limit()] = 50,
    json_out: JsonOpt = False,
) -> None:
    """List drafts, newest first."""
    from mktdirector.agents.content import review
    from mktdirector.cli import _deps
    from mktdirector.cli.views import drafts as render

    store = _deps.current().store
    render.listing(review.find(store, status=status, platform=platform, limit=limit), json_out)


@app.command("show")
def show(
    draft_id: Annotated[str, typer.Argument(help="Draft id (or its last characters).")],
    provenance: Annotated[
        bool, typer.Option("--provenance", help="Model, prompt, brand version, tokens, cost.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Show a draft, its lint findings and (with --provenance) how it was generated."""
    from mktdirector.agents.content import review
    from mktdirector.cli import _deps
    from mktdirector.cli.views import drafts as render

    found = review.detail(_deps.current().store, draft_id, provenance=provenance)
    render.detail(found, provenance=provenance, json_out=json_out)


@app.command("edit")
def edit(draft_id: str, json_out: JsonOpt = False) -> None:
    """Edit a draft in $EDITOR (thread posts separated by --- lines); re-lints it."""
    from mktdirector.agents.content.drafts import body_to_text, edit_draft
    from mktdirector.cli import _deps, _editor
    from mktdirector.cli.views import drafts as render

    deps = _deps.current()
    before = deps.store.get_draft(draft_id)
    new_text = _editor.edit_text(body_to_text(before), suffix=".md")
    render.edited(edit_draft(deps.store, deps.brand(), before["id"], new_text), before, json_out)


@app.command("approve")
def approve(
    draft_id: str,
    yes: Annotated[bool, _options.yes("Approve without asking.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Approve despite lint errors.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Approve a draft (a human act: asks on a TTY, or needs --yes)."""
    from mktdirector.agents.content import review
    from mktdirector.agents.content.drafts import findings_of
    from mktdirector.cli import _deps, _draft_output, _output
    from mktdirector.cli.views import drafts as render

    store = _deps.current().store
    d = review.approvable(store, draft_id, force=force)  # lint errors refuse before asking
    if not json_out:
        _draft_output.draft(d, findings_of(d))
    ok = _output.confirm(f"Approve draft {d['id']}?", assume_yes=yes, declined="Not approved.")
    render.approved(review.approve(store, d["id"], confirmed=ok, force=force), json_out)


@app.command("reject")
def reject(
    draft_id: str,
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why (kept with the draft).")],
    json_out: JsonOpt = False,
) -> None:
    """Reject a draft with a reason."""
    from mktdirector.agents.content import drafts
    from mktdirector.cli import _deps
    from mktdirector.cli.views import drafts as render

    render.rejected(drafts.reject(_deps.current().store, draft_id, reason), reason, json_out)
