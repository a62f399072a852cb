"""Ids and times in the store's conventions (DESIGN.md section 8), whatever the backend.

Ids are text ULIDs (sortable by creation); times are ISO-8601 UTC text with milliseconds and a
`Z`, so they sort and compare as text.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_id() -> str:
    from ulid import ULID

    return str(ULID())
