"""In-tool notifications: the ones to show, and marking them read.

Front ends (`mktd notifications`, the web dashboard next) call these and only render. Without a
database there is nothing to show or mark, and no file is created just to say so.
"""

from __future__ import annotations

from mktdirector.core.errors import UsageError
from mktdirector.store import StoreLike
from mktdirector.store.rows import Notification


def to_show(store: StoreLike, *, include_read: bool, limit: int) -> list[Notification]:
    """Unread notifications, newest first (with `include_read`, read ones too)."""
    if not store.exists():
        return []
    return store.notifications(unread_only=not include_read, limit=limit)


def page(
    store: StoreLike, *, include_read: bool, limit: int, cursor: str | None = None
) -> tuple[list[Notification], str | None]:
    """One page of `to_show`'s list and the next page's cursor (a keyset, as the inbox's)."""
    from mktdirector.agents.content.inbox import make_cursor, read_cursor

    after = read_cursor(cursor)
    if not store.exists():
        return [], None
    rows = store.notifications(unread_only=not include_read, limit=limit + 1, after=after)
    chunk = rows[:limit]
    more = len(rows) > limit and chunk
    return chunk, (make_cursor(chunk[-1]["created_utc"], chunk[-1]["id"]) if more else None)


def acknowledge(store: StoreLike, notification_id: str | None = None) -> int:
    """Mark one notification (its id, or a unique start of it), or every unread one, as read.

    Returns how many were marked; an id that names no notification, or a start that more than
    one id shares, is a usage error (nothing is marked).
    """
    if not store.exists():
        return 0
    if not notification_id:
        return store.ack()
    found = store.find_notifications(notification_id)
    if not found:
        raise UsageError(f"No notification {notification_id!r}.", hint="mktd notifications --all")
    if len(found) > 1:
        raise UsageError(
            f"{notification_id!r} starts more than one notification; give more of its id.",
            hint="mktd notifications --all",
        )
    return store.ack(found[0]["id"])


def unread_for_notice(store: StoreLike) -> int | None:
    """Unread notifications for the line every command shows, through the store (any backend).

    None when the database has no tables yet (a read never creates them) or cannot be read right
    now: the notice is a convenience, never an error; the command itself reports a dead server.
    """
    try:
        if not store.exists():
            return None
        return store.unread_count()
    except Exception:  # noqa: BLE001 - see above: the command, not the notice, reports it
        return None
