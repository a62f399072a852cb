"""`mktd drafts`: the draft list, one draft with its provenance, edits and approvals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mktdirector.cli import _draft_output, _output
from mktdirector.store.rows import DraftStatus

if TYPE_CHECKING:
    from mktdirector.agents.content.drafts import DraftView
    from mktdirector.agents.content.review import DraftDetail


def listing(rows: Sequence[Mapping[str, Any]], json_out: bool) -> None:
    """One line per draft: id, status, what, lint errors and the start of the text."""
    from mktdirector.agents.content.drafts import public

    if json_out:
        return _output.emit_json([public(r) for r in rows])
    shown: list[dict[str, Any]] = [dict(r) for r in rows]  # with the table's own columns
    for r in shown:
        body = r["body"]
        first = body.get("subject", "") if isinstance(body, dict) else (body[0] if body else "")
        r["preview"] = first.replace("\n", " ")[:50]
        r["err"] = sum(1 for f in r["lint"] if f["severity"] == "error")
        r["what"] = f"{r['platform']} {r['kind']}"
    cols = ["id", "status", "what", "err", "preview"]
    _output.table(shown, cols, no_wrap=cols[:-1], truncate=["preview"])


def detail(found: DraftDetail, *, provenance: bool, json_out: bool) -> None:
    if json_out:
        return _output.emit_json(found.to_dict(provenance=provenance))
    d = found.draft
    _draft_output.draft(d, found.findings)
    if provenance and not found.generations:
        _output.line(f"Provenance: written by hand ({d['source']}); brand {d['brand_hash']}.")
    for g in found.generations:
        _output.key_values(_provenance(g))


def _provenance(g: Mapping[str, Any]) -> list[tuple[str, Any]]:
    cost = "unknown (no price for this model)" if g["cost_usd"] is None else f"${g['cost_usd']:.6f}"
    return [
        ("model", f"{g['model']} @ {g['endpoint_host']}"),
        ("prompt", f"{g['template']} v{g['template_version']}"),
        ("brand", g["brand_hash"]),
        ("tokens", f"{g['input_tokens']} in / {g['output_tokens']} out"),
        ("cost", cost),
        ("time", f"{g['duration_ms']} ms, {g['attempts']} attempt(s), {g['created_utc']}"),
        ("system prompt", g["system_prompt"]),
        ("user prompt", g["user_prompt"]),
    ]


def edited(view: DraftView, before: Mapping[str, Any], json_out: bool) -> None:
    """The edited draft; an approval the edit undid is said out loud."""
    if json_out:
        return _output.emit_json(view.to_dict())
    _draft_output.draft(view.draft, view.findings)
    if view.draft["content_hash"] == before["content_hash"]:
        _output.info("No changes.")
    elif before["status"] in {DraftStatus.APPROVED, DraftStatus.SCHEDULED}:
        _output.warn(
            "Edited after approval: the draft is back to 'draft'. "
            f"Approve it again: mktd drafts approve {before['id']}"
        )


def approved(view: DraftView, json_out: bool) -> None:
    if json_out:
        return _output.emit_json(view.to_dict())
    _output.success(f"Approved {view.id} (content {(view.draft['approved_hash'] or '')[:12]}).")


def rejected(view: DraftView, reason: str, json_out: bool) -> None:
    if json_out:
        return _output.emit_json(view.to_dict())
    _output.info(f"Rejected {view.id}: {reason}")
