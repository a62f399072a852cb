"""`mktd publish ID`: publish an approved draft exactly once (or show the requests)."""

from typing import Annotated, Any

import typer

app = typer.Typer()


@app.command("publish")
def publish(
    draft_id: Annotated[str, typer.Argument(help="An approved draft.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the exact HTTP requests; send nothing.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Publish without asking.")] = False,
    image: Annotated[
        str | None, typer.Option("--image", help="Attach an image to the (first) post.")
    ] = None,
    resolve: Annotated[
        str | None, typer.Option("--resolve", help="Settle a needs-check: posted | not-posted.")
    ] = None,
    url: Annotated[
        str | None, typer.Option("--url", help="With --resolve posted: the post's URL or id.")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Output JSON.")] = False,
) -> None:
    """Publish an approved draft; a re-run resumes a thread and never posts twice."""
    from mktdirector.cli import _deps

    deps = _deps.current()
    d = deps.store.get_draft(draft_id)
    if resolve is not None:
        return _resolve(deps, d, resolve, url, json_out)
    run(deps, d["id"], yes=yes, dry_run=dry_run, image=image, json_out=json_out)


def run(
    deps: Any, draft_id: str, *, yes: bool, dry_run: bool, image: str | None, json_out: bool
) -> None:
    """Shared by `mktd publish` and `mktd social ... --publish`."""
    from mktdirector.agents.social import publishing
    from mktdirector.cli import _output
    from mktdirector.core.errors import UsageError
    from mktdirector.store.rows import DraftStatus

    d = deps.store.get_draft(draft_id)
    publishing.check_publishable(d)
    client = deps.integration(d["platform"], d.get("account"))
    if dry_run:
        plan = publishing.dry_run(deps.store, client, d["id"])
        if json_out:
            _output.emit_json(plan)
            return
        _output.requests(plan)
        if not plan["approved"]:
            _output.warn(f"The draft is not approved: mktd drafts approve {d['id']}")
        return
    warning = publishing.token_warning(client)
    if warning:
        _output.warn(warning)
    if not _output.confirm(f"Publish draft {d['id']} to {client.label} now?", assume_yes=yes):
        raise UsageError(
            "Not published: publishing needs a confirmation.",
            hint=f"Run it in a terminal, or: mktd publish {d['id']} --yes",
        )
    result = publishing.publish_or_queue(deps.store, client, d["id"], image=image)
    if json_out:
        _output.emit_json(result.to_dict())
    elif result.status == DraftStatus.PUBLISHED:
        for p in result.posts:
            _output.line(f"{p['segment'] + 1}/{len(result.posts)}  {p['url']}")
        _output.success(f"Published {d['id']} to {client.label}.")
    else:
        _output.warn(result.message)
    if result.status != DraftStatus.PUBLISHED:
        raise typer.Exit(1)


def _resolve(deps: Any, d: dict[str, Any], how: str, url: str | None, json_out: bool) -> None:
    from mktdirector.agents.social.publishing import resolve_needs_check
    from mktdirector.cli import _output
    from mktdirector.core.errors import UsageError
    from mktdirector.store.rows import DraftStatus

    if how not in {"posted", "not-posted"}:
        raise UsageError("--resolve takes posted or not-posted.", hint="--resolve posted --url URL")
    row = resolve_needs_check(deps.store, d["platform"], d["id"], posted=how == "posted", url=url)
    if json_out:
        _output.emit_json({"id": row["id"], "status": row["status"]})
    elif row["status"] == DraftStatus.FAILED:
        _output.info(f"Noted. Resume with: mktd publish {row['id']}")
    else:
        _output.success(f"Noted: {row['id']} is published.")
