"""`mktd test-integrations`: every connected account of every platform, not one per platform.

With two X accounts connected, checking "the" X client would stop at "which account?"; each
stored account is checked by name, and the environment's token (or the missing credential)
once as the platform's unnamed connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from mktdirector.agents.ops.checks import check
from mktdirector.core.credentials import CredentialStore
from mktdirector.core.errors import MktdError
from mktdirector.integrations.base import Integration


def check_all(
    credentials: CredentialStore,
    client_for: Callable[[str, str | None], Integration],
    platforms: Iterable[str],
) -> list[dict[str, Any]]:
    """One check result per platform account (`account` None: env token or not connected)."""
    results: list[dict[str, Any]] = []
    for pid in platforms:
        names = credentials.known_accounts(pid)
        unnamed = credentials.from_env(pid) is not None or not names
        for account in ([None] if unnamed else []) + names:
            try:
                result = check(client_for(pid, account))
            except MktdError as e:
                result = {"status": "error", "platform": pid, "detail": e.message,
                          "hint": e.hint, "error": e.kind}  # fmt: skip
            results.append({**result, "account": account})
    return results
