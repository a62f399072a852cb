"""`mktd drafts list|show|edit|approve|reject`."""

from typing import Annotated

import typer

from mktdirector.cli import _options
from mktdirector.cli._options import JsonOpt

app = typer.Typer(help="Review, edit, approve and reject drafts.", no_args_is_help=True)


@app.command("list")
def list_(
    status: Annotated[
        str | None, typer.Option("--status", help="draft, approved, published, ...")
    ] = None,
    platform: Annotated[str | None, _options.platform()] = None,
    limit: Annotated[int, _options.limit()] = 50,
    json_out: JsonOpt = False,
) -> None:
    """List drafts, newest first."""
    from mktdirector.agents.content.drafts import STATUSES, public
    from mktdirector.cli import _deps, _output
    from mktdirector.core.errors import UsageError
    from mktdirector.core.platforms import resolve_platform

    if status and status not in STATUSES:
        raise UsageError(f"Unknown status {status!r}.", hint=f"Use one of: {', '.join(STATUSES)}")
    pid = None if platform in (None, "email") else resolve_platform(platform)  # type: ignore[arg-type]
    rows = _deps.current().store.list_drafts(status=status, platform=pid or platform, limit=limit)
    if json_out:
        _output.emit_json([public(r) for r in rows])
        return
    for r in rows:
        body = r["body"]
        first = body.get("subject", "") if isinstance(body, dict) else (body[0] if body else "")
        r["preview"] = first.replace("\n", " ")[:50]
        r["err"] = sum(1 for f in r["lint"] if f["severity"] == "error")
        r["what"] = f"{r['platform']} {r['kind']}"
    cols = ["id", "status", "what", "err", "preview"]
    _output.table(rows, cols, no_wrap=cols[:-1], truncate=["preview"])


@app.command("show")
def show(
    draft_id: Annotated[str, typer.Argument(help="Draft id (or its last characters).")],
    provenance: Annotated[
        bool, typer.Option("--provenance", help="Model, prompt, brand version, tokens, cost.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Show a draft, its lint findings and (with --provenance) how it was generated."""
    from mktdirector.agents.content.drafts import findings_of, public
    from mktdirector.cli import _deps, _output

    store = _deps.current().store
    d = store.get_draft(draft_id)
    gens = store.generations_for_draft(d["id"]) if provenance else []
    if json_out:
        out = {**public(d), "findings": [f.to_dict() for f in findings_of(d)]}
        if provenance:
            out["provenance"] = gens
        _output.emit_json(out)
        return
    _output.draft(d, findings_of(d))
    if provenance:
        if not gens:
            _output.line(f"Provenance: written by hand ({d['source']}); brand {d['brand_hash']}.")
        for g in gens:
            _output.key_values(
                [
                    ("model", f"{g['model']} @ {g['endpoint_host']}"),
                    ("prompt", f"{g['template']} v{g['template_version']}"),
                    ("brand", g["brand_hash"]),
                    ("tokens", f"{g['input_tokens']} in / {g['output_tokens']} out"),
                    (
                        "cost",
                        "unknown (no price for this model)"
                        if g["cost_usd"] is None
                        else f"${g['cost_usd']:.6f}",
                    ),
                    (
                        "time",
                        f"{g['duration_ms']} ms, {g['attempts']} attempt(s), {g['created_utc']}",
                    ),
                    ("system prompt", g["system_prompt"]),
                    ("user prompt", g["user_prompt"]),
                ]
            )


@app.command("edit")
def edit(draft_id: str, json_out: JsonOpt = False) -> None:
    """Edit a draft in $EDITOR (thread posts separated by --- lines); re-lints it."""
    from mktdirector.agents.content.drafts import body_to_text, edit_draft
    from mktdirector.cli import _deps, _editor, _output

    deps = _deps.current()
    d = deps.store.get_draft(draft_id)
    new_text = _editor.edit_text(body_to_text(d), suffix=".md")
    view = edit_draft(deps.store, deps.brand(), d["id"], new_text)
    if json_out:
        _output.emit_json(view.to_dict())
        return
    _output.draft(view.draft, view.findings)
    if view.draft["content_hash"] == d["content_hash"]:
        _output.info("No changes.")
    elif d["status"] in {"approved", "scheduled"}:
        _output.warn(
            f"Edited after approval: the draft is back to 'draft'. Approve it again: mktd drafts approve {d['id']}"
        )


@app.command("approve")
def approve(
    draft_id: str,
    yes: Annotated[bool, _options.yes("Approve without asking.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Approve despite lint errors.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Approve a draft (a human act: asks on a TTY, or needs --yes)."""
    from mktdirector.agents.content import drafts
    from mktdirector.cli import _deps, _output
    from mktdirector.core.errors import UsageError

    store = _deps.current().store
    d = store.get_draft(draft_id)
    if not json_out:
        _output.draft(d, drafts.findings_of(d))
    if not _output.confirm(f"Approve draft {d['id']}?", assume_yes=yes):
        raise UsageError(
            "Not approved: approval needs a confirmation.",
            hint=f"Run it in a terminal, or: mktd drafts approve {d['id']} --yes",
        )
    view = drafts.approve(store, d["id"], force=force)
    if json_out:
        _output.emit_json(view.to_dict())
    else:
        _output.success(f"Approved {view.id} (content {view.draft['approved_hash'][:12]}).")


@app.command("reject")
def reject(
    draft_id: str,
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why (kept with the draft).")],
    json_out: JsonOpt = False,
) -> None:
    """Reject a draft with a reason."""
    from mktdirector.agents.content import drafts
    from mktdirector.cli import _deps, _output

    view = drafts.reject(_deps.current().store, draft_id, reason)
    if json_out:
        _output.emit_json(view.to_dict())
    else:
        _output.info(f"Rejected {view.id}: {reason}")
