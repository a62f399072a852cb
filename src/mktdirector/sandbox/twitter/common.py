"""What every X route of the sandbox shares: limits, scopes, X's problem bodies and the request guard.

Kept apart from the routes so the media routes and the post routes can both use it without
importing each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mktdirector.sandbox.base import (
    AuthFailure,
    Principal,
    Request,
    Response,
    json_response,
)

if TYPE_CHECKING:
    from mktdirector.sandbox.emulator import Emulator

PLATFORM = "x"
TWEPOCH_MS = 1288834974657
PRIVATE_DAYS = 30
PROBLEMS = "https://api.x.com/2/problems/"
# fmt: off
CREATE_KEYS = frozenset({
    "text", "reply", "media", "poll", "quote_tweet_id", "reply_settings", "community_id",
    "share_with_followers", "for_super_followers_only", "nullcast", "geo", "card_uri",
    "made_with_ai", "paid_partnership", "edit_options", "direct_message_deep_link",
})
POST_FIELDS = frozenset({
    "id", "text", "created_at", "author_id", "public_metrics", "non_public_metrics",
    "organic_metrics", "promoted_metrics", "entities", "referenced_tweets", "conversation_id",
    "edit_history_tweet_ids", "attachments", "lang", "source", "in_reply_to_user_id",
    "possibly_sensitive", "reply_settings", "edit_controls", "context_annotations", "geo",
    "withheld", "note_tweet", "article",
})
# fmt: on
PRIVATE_FIELDS = ("non_public_metrics", "organic_metrics", "promoted_metrics")
# route -> (user-window limit, app-window limit) names in limits.DEFAULT_LIMITS
WINDOWS = {
    "me": ("x.me.user", None),
    "create": ("x.create.user", None),
    "delete": ("x.delete.user", None),
    "lookup": ("x.lookup.user", "x.lookup.app"),
    "get": ("x.get.user", "x.get.app"),
    "timeline": ("x.timeline.user", "x.timeline.app"),
    "media": ("x.media.user", "x.media.app"),
}
USER_ONLY = {"me", "create", "delete", "media"}
SCOPES = {
    "me": {"users.read", "tweet.read"},
    "create": {"tweet.read", "tweet.write", "users.read"},
    "delete": {"tweet.read", "tweet.write", "users.read"},
    "media": {"media.write"},
    "lookup": {"tweet.read", "users.read"},
    "get": {"tweet.read", "users.read"},
    "timeline": {"tweet.read", "users.read"},
}


# error shapes ----------------------------------------------------------------------------------
def problem(
    status: int,
    title: str,
    detail: str,
    kind: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "title": title,
        "detail": detail,
        "status": status,
        "type": PROBLEMS + kind if kind else "about:blank",
    }
    body.update(extra)
    return json_response(status, body, headers)


def invalid(message: str, parameter: str, value: Any = None) -> Response:
    """400 invalid-request, the shape X sends for schema violations."""
    return json_response(
        400,
        {
            "errors": [
                {
                    "parameters": {parameter: [value if value is not None else ""]},
                    "message": message,
                }
            ],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": PROBLEMS + "invalid-request",
        },
    )


def error(emu: Emulator, status: int, message: str | None, platform: str = "x") -> Response:
    titles = {
        404: "Not Found Error",
        405: "Method Not Allowed",
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
    }
    title = titles.get(status, "Error")
    return problem(status, title, message or title, "internal-error" if status >= 500 else None)


def unauthorized(emu: Emulator, reason: str, platform: str = "x") -> Response:
    return problem(401, "Unauthorized", "Unauthorized")


def rate_limited(emu: Emulator, reset: float | None, platform: str = "x") -> Response:
    headers = {}
    if reset is not None:
        at = str(int(emu.now() + reset))
        headers = {
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": at,
        }
    return problem(429, "Too Many Requests", "Too Many Requests", headers=headers)


# plumbing ----------------------------------------------------------------------------------------
def guard(emu: Emulator, req: Request, op: str) -> tuple[Principal, dict[str, str]] | Response:
    """Auth, scopes and the endpoint's windows; the rate headers to send back."""
    who = emu.authenticate(req, PLATFORM)
    if isinstance(who, AuthFailure):
        return unauthorized(emu, who.reason)
    if who.kind == "app" and op in USER_ONLY:
        return problem(
            403,
            "Unsupported Authentication",
            "Authenticating with OAuth 2.0 Application-Only is forbidden for this "
            "endpoint.  Supported authentication types are [OAuth 1.0a User Context, "
            "OAuth 2.0 User Context].",
            "unsupported-authentication",
        )
    missing = sorted(SCOPES.get(op, set()) - who.scopes) if who.kind == "user" else []
    if missing:
        return problem(
            403, "Forbidden", f"Missing required OAuth 2.0 scope(s): {', '.join(missing)}."
        )
    user_limit, app_limit = WINDOWS[op]
    name = user_limit if who.kind == "user" or app_limit is None else app_limit
    q = emu.limits.take(name, who.user or "app")
    headers = {
        "x-rate-limit-limit": str(q.limit),
        "x-rate-limit-remaining": str(q.remaining),
        "x-rate-limit-reset": str(int(q.reset)),
    }
    if op == "create" and q.ok:
        day_app = emu.limits.take("x.create.app", "app")
        day_user = emu.limits.take("x.create.user24h", who.user)
        for prefix, d in (("x-app-limit-24hour", day_app), ("x-user-limit-24hour", day_user)):
            headers.update(
                {
                    f"{prefix}-limit": str(d.limit),
                    f"{prefix}-remaining": str(d.remaining),
                    f"{prefix}-reset": str(int(d.reset)),
                }
            )
        if not (day_app.ok and day_user.ok):
            return problem(429, "Too Many Requests", "Too Many Requests", headers=headers)
    if not q.ok:
        return problem(429, "Too Many Requests", "Too Many Requests", headers=headers)
    return who, headers


def snowflake(emu: Emulator) -> str:
    """An X id whose top bits are the creation time in ms since X's epoch."""
    ms = int(emu.now() * 1000)
    seq = emu.state.incr("x.sequence") & 0x3FFFFF
    return str(((ms - TWEPOCH_MS) << 22) | seq)


def created(post_id: str) -> float:
    return ((int(post_id) >> 22) + TWEPOCH_MS) / 1000.0
