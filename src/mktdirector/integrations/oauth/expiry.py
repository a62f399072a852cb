"""When a stored OAuth token that cannot be refreshed needs the user: the warning text.

Apart from tokens.py (the refresh machinery, which sends requests) so that `mktd auth status`
can warn from the connection index without loading httpx (issue 17).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from mktdirector.core.credentials import Connection
from mktdirector.integrations.oauth.app import PROVIDERS

WARN_BEFORE_S = 7 * 86400  # LinkedIn: warn a week before a non-refreshable token expires


def day(epoch: float) -> str:
    """The UTC date of `epoch`, as the warnings print it."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d")


def expiry_warning(conn: Connection, *, now: float | None = None) -> str | None:
    """A one-line warning when a token that cannot be refreshed expires within 7 days."""
    if conn.expires_at is None or conn.refresh_token or conn.source == "env":
        return None
    left = conn.expires_at - (time.time() if now is None else now)
    label = PROVIDERS[conn.platform].label if conn.platform in PROVIDERS else conn.platform
    if left <= 0:
        return (
            f"The {label} token for {conn.account} expired on {day(conn.expires_at)}: "
            f"run mktd authorize {conn.platform}."
        )
    if left <= WARN_BEFORE_S:
        days = max(int(left // 86400), 0)
        when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
        return (
            f"The {label} token for {conn.account} expires {when} ({day(conn.expires_at)}) "
            f"and cannot be refreshed: run mktd authorize {conn.platform} before then."
        )
    return None
