"""The dashboard's recent API calls: newest first, each with the draft it was made for (when
its correlation id is a draft's, as every publish's calls are)."""

from __future__ import annotations

from typing import Any

from mktdirector.store.protocols import StoreLike


def recent_calls(store: StoreLike, limit: int = 30) -> list[dict[str, Any]]:
    rows = [dict(r) for r in store.calls(limit=limit)]
    rows.reverse()  # the store lists the newest `limit` oldest first
    ids = {str(r["correlation_id"]) for r in rows if r.get("correlation_id")}
    drafts = store.known_draft_ids(sorted(ids)) if ids else set()
    for r in rows:
        r["draft"] = r.get("correlation_id") in drafts
    return rows
