"""Published posts a page at a time, newest first (the dashboard's posts page, `GET /posts`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mktdirector.agents.content.inbox import MAX_PAGE, make_cursor, read_cursor
from mktdirector.core.errors import UsageError
from mktdirector.core.platforms import resolve_platform
from mktdirector.store.protocols import StoreLike


def published(
    store: StoreLike,
    *,
    platform: str | None = None,
    since: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of published post segments and the next page's cursor (None at the end)."""
    if since:
        try:
            datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError:
            raise UsageError(
                f"since={since!r} is not an ISO date or time.", hint="since=2026-12-01"
            ) from None
    pid = resolve_platform(platform) if platform else None
    # Newest first by (published_utc, id), after the cursor's row: a post published while
    # someone pages does not shift the next page, and a deep page costs what the first does.
    limit = max(1, min(limit, MAX_PAGE))
    rows = store.published_page(limit=limit + 1, before=read_cursor(cursor), platform=pid,
                                since_utc=since)  # fmt: skip
    chunk = [dict(r) for r in rows[:limit]]
    more = len(rows) > limit
    return chunk, (make_cursor(*_key(chunk[-1])) if more and chunk else None)


def _key(row: Any) -> tuple[str, str]:
    return str(row.get("published_utc") or ""), str(row.get("id"))
