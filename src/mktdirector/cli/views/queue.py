"""`mktd queue list`: the scheduled jobs as a table (or --json)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mktdirector.cli import _output

if TYPE_CHECKING:
    from mktdirector.agents.social.schedule import QueuedJob


def jobs(items: Sequence[QueuedJob], json_out: bool) -> None:
    if json_out:
        return _output.emit_json([j.to_dict() for j in items])
    if not items:
        return _output.info("Nothing scheduled. Schedule a draft with: mktd schedule ID --at WHEN")
    rows: list[dict[str, Any]] = [
        {
            **j.to_dict(),
            "draft": j.draft_id or "",
            "when": j.short_when,
            "what": j.platform if j.kind == "publish" else f"{j.kind} {j.platform or ''}".strip(),
            "preview": j.preview.replace("\n", " ")[:60],
            "note": j.note,
        }
        for j in items
    ]
    cols = ["draft", "when", "what", "status", "preview"]
    if any(r["note"] for r in rows):
        cols.append("note")
    _output.table(rows, cols, no_wrap=cols[:4], truncate=["preview", "note"])
