"""`mktd plan`: a plan's dated steps, and the list of stored plans."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mktdirector.cli import _output

if TYPE_CHECKING:
    from mktdirector.agents.content.planning import Planned
    from mktdirector.agents.content.strategy import Topic


def topics(found: list[Topic], json_out: bool) -> None:
    if json_out:
        return _output.emit_json([t.to_dict() for t in found])
    _output.table(
        [t.to_dict() for t in found],
        ["title", "angle", "audience", "why_now", "suggested_platform"],
        headers=["title", "angle", "audience", "why now", "platform"],
    )
    _output.info('Draft one: mktd social linkedin --topic "<title>"')


def plans(rows: list[dict[str, Any]], json_out: bool) -> None:
    if json_out:
        return _output.emit_json(rows)
    _output.table(rows, ["id", "created_utc", "objective", "timeframe", "slug"])


def drafting_progress(done: int, total: int) -> None:
    _output.info(f"drafted step {done}/{total}")


def plan(planned: Planned, json_out: bool, *, offered_drafts: bool) -> None:
    """The steps as a table, then the next step: the drafts to review, or how to make them."""
    if json_out:
        return _output.emit_json(planned.to_dict())
    p = planned.plan
    _output.info(
        f"Plan {p.id} · {p.objective} · {p.timeframe} from {p.start_date} · campaign {p.slug}"
    )
    _output.table([s.to_dict() for s in p.steps], ["day", "channel", "kind", "topic", "angle"])
    if p.draft_ids:
        _output.info(f"{len(p.draft_ids)} drafts: mktd drafts list --status draft")
    elif offered_drafts:
        _output.info(f"Draft every step: mktd plan --show {p.id} --create-drafts")
