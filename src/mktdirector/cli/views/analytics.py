"""`mktd analytics fetch|show`: what was fetched per platform, and a draft's latest metrics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mktdirector.cli import _output

if TYPE_CHECKING:
    from mktdirector.agents.analytics.social import FetchResult


def fetched(results: list[FetchResult], json_out: bool) -> None:
    if json_out:
        return _output.emit_json([r.to_dict() for r in results])
    for r in results:
        if r.skipped:
            _output.warn(f"{r.name}: {r.skipped}")
        else:
            _output.info(f"{r.name}: {r.snapshots} snapshot(s) for {r.posts} post(s)")
        for e in r.errors:
            _output.warn(f"{r.name}: {e}")
    if not results:
        _output.info("No published posts yet.")


def snapshots(rows: Sequence[Mapping[str, Any]], json_out: bool) -> None:
    if json_out:
        return _output.emit_json(rows)
    cols = ["remote_id", "taken_utc", "impressions", "likes", "reposts", "replies", "link_clicks"]
    _output.table(rows, cols)
