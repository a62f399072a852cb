"""Reading the audit log (`mktd logs`): which calls to show, and the ones that came after."""

from __future__ import annotations

from dataclasses import dataclass

from mktdirector.core.platforms import resolve_platform
from mktdirector.store.protocols import StoreLike
from mktdirector.store.rows import AuditRow

RECENT = 50
ALL_OF_A_DRAFT = 100_000  # a draft's calls are few and all of them matter
FOLLOW_BATCH = 1000


@dataclass(frozen=True)
class CallQuery:
    platform: str | None = None
    errors_only: bool = False
    correlation_id: str | None = None  # the draft's full id, when one was asked for
    limit: int = RECENT


def call_query(
    store: StoreLike,
    *,
    platform: str | None = None,
    errors_only: bool = False,
    draft: str | None = None,
    limit: int | None = None,
) -> CallQuery:
    """The filters as the store knows them: a platform alias resolved, a short draft id found.

    Reads nothing from a store that does not exist yet (looking at logs creates no database).
    """
    pid = resolve_platform(platform) if platform else None
    correlation = store.get_draft(draft)["id"] if draft and store.exists() else None
    return CallQuery(pid, errors_only, correlation, limit or (ALL_OF_A_DRAFT if draft else RECENT))


def calls(store: StoreLike, query: CallQuery, *, after_id: str | None = None) -> list[AuditRow]:
    """The newest matching calls (oldest first), or, with `after_id`, those logged since."""
    return store.calls(
        platform=query.platform,
        errors_only=query.errors_only,
        correlation_id=query.correlation_id,
        after_id=after_id,
        limit=FOLLOW_BATCH if after_id else query.limit,
    )
