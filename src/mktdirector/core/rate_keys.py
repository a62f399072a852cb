"""The state keys of the shared rate limits: one row per declared limit of an account (or of
the app), and one per counter a server reports, for the endpoint (method and path) or wider.

Computed twice per request at the choke point, for the same few endpoints: cached.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache


def limit_key(platform: str, account: str | None, name: str, scope: str) -> str:
    who = "app" if scope == "app" else (account or "default")
    return f"{platform}|{who}|{name}"


def _endpoint(method: str | None, path: str) -> str:
    # An endpoint is method AND path: X's POST /2/tweets and GET /2/tweets are two limits.
    return f"{method.upper()} {path}" if method else path


@lru_cache(maxsize=1024)  # per request twice, for the same few endpoints: computed once each
def server_keys(
    platform: str,
    account: str | None,
    method: str | None,
    path: str,
    per_endpoint: frozenset[str] = frozenset({"endpoint"}),
) -> Mapping[str, str]:  # fmt: skip  (cached: read only)
    """The state key of each server-reported scope for one call.

    A scope in `per_endpoint` (the platform's policy says which) counts for the endpoint that
    reported it: X's 24-hour caps are the creation endpoint's, HubSpot's daily cap the app's.
    """
    who = account or "default"
    ep = _endpoint(method, path)

    def key(owner: str, scope: str) -> str:
        if scope == "endpoint":
            return f"{platform}|{owner}|server:{ep}"
        return f"{platform}|{owner}|server:{scope}" + (f"@{ep}" if scope in per_endpoint else "")

    return {"endpoint": key(who, "endpoint"), "user-day": key(who, "user-day"),
            "app-day": key("app", "app-day"), "all": key(who, "all")}  # fmt: skip


@lru_cache(maxsize=1024)
def keys_to_check(platform: str, account: str | None, method: str, path: str) -> tuple[str, ...]:
    """Every key that may hold a block for this call: its endpoint's, the platform-wide ones,
    and a path-only one (recorded from an answer whose request method was not known)."""
    wide = server_keys(platform, account, method, path, frozenset())
    scoped = server_keys(platform, account, method, path, frozenset(_SCOPES))
    legacy = server_keys(platform, account, None, path)["endpoint"]
    return tuple(dict.fromkeys([*wide.values(), *scoped.values(), legacy]))


_SCOPES = ("endpoint", "user-day", "app-day", "all")
