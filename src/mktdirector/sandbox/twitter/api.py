"""X API v2 as mktd uses it: users/me, create/delete posts, lookup with metrics, user timeline.

Rules from the reference card §2 and the OpenAPI document: user-context tokens only for
writes (an app-only bearer gets 403 Unsupported Authentication), `additionalProperties: false`
bodies, the twitter-text weighted 280 limit, duplicate content refused with X's exact 403,
replies only to posts that exist, owner-only metrics for the author's posts under 30 days,
`x-rate-limit-*` headers on every answer plus the 24-hour ones on POST /2/tweets. Ids are real
snowflakes (the creation time is in the id, as clients assume). Text comes back the way X
rewrites it: links as t.co, `&`, `<`, `>` as entities.
"""

from __future__ import annotations

import hashlib
import html
import unicodedata
from typing import TYPE_CHECKING, Any

from mktdirector.sandbox import engagement as eng
from mktdirector.sandbox.base import (
    AuthFailure,
    Principal,
    Request,
    Response,
    json_response,
    route,
)
from mktdirector.sandbox.env import X_USER
from mktdirector.sandbox.twitter import media as x_media

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


def norm(text: str) -> str:
    return hashlib.sha256(unicodedata.normalize("NFC", text).strip().encode()).hexdigest()


def tco(url: str) -> str:
    digest = hashlib.sha256(url.encode()).hexdigest()
    return "https://t.co/" + "".join(c for c in digest if c.isalnum())[:10]


def rendered(post: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The text as X returns it (t.co links, entities escaped) and its `entities.urls`."""
    text, urls = post["text"], []
    for link in eng.links(post["text"]):
        text = text.replace(link["url"], tco(link["url"]), 1)
        urls.append(
            {
                "url": tco(link["url"]),
                "expanded_url": link["url"],
                "display_url": link["url"].split("://", 1)[-1][:26],
            }
        )
    if post.get("media_ids"):
        text += " " + tco("media:" + post["media_ids"][0])
    for u in urls:
        start = text.find(u["url"])
        u.update(start=start, end=start + len(u["url"]))
    return html.escape(text, quote=False), urls


# handlers ------------------------------------------------------------------------------------------
def me(emu: Emulator, req: Request) -> Response:
    g = guard(emu, req, "me")
    if isinstance(g, Response):
        return g
    who, headers = g
    return json_response(200, {"data": dict(X_USER, id=who.user)}, headers)


def create(emu: Emulator, req: Request) -> Response:
    g = guard(emu, req, "create")
    if isinstance(g, Response):
        return g
    who, headers = g
    try:
        body = req.json()
    except ValueError:
        return invalid("Request body is not valid JSON.", "body")
    if not isinstance(body, dict):
        return invalid("$: object expected", "body")
    extra = sorted(set(body) - CREATE_KEYS)
    if extra:
        return invalid(
            f"$.{extra[0]}: is not defined in the schema and the schema does not "
            "allow additional properties",
            f"$.{extra[0]}",
        )
    text = body.get("text")
    if text is not None and not isinstance(text, str):
        return invalid("$.text: string found, expected", "$.text", text)
    reply = body.get("reply")
    reply_to = None
    if reply is not None:
        if not isinstance(reply, dict) or not reply.get("in_reply_to_tweet_id"):
            return invalid(
                "$.reply.in_reply_to_tweet_id: is missing but it is required", "$.reply", "{}"
            )
        reply_to = str(reply["in_reply_to_tweet_id"])
        if not reply_to.isdigit():
            return invalid(
                "$.reply.in_reply_to_tweet_id: does not match the regex pattern ^[0-9]{1,19}$",
                "$.reply.in_reply_to_tweet_id",
                reply_to,
            )
    media_ids = x_media.check_attach(emu, who, body.get("media"))
    if isinstance(media_ids, Response):
        return media_ids
    if not text and not media_ids:
        return invalid("$.text: is missing but it is required", "$.text")
    from mktdirector.core.xtext import weighted_length

    if text and weighted_length(text) > 280:
        return problem(
            403,
            "Forbidden",
            "Your Tweet text is too long. For more information on how "
            "X determines text length see https://github.com/twitter/twitter-text.",
            headers=headers,
        )
    parent = emu.state.get("x.post", reply_to) if reply_to else None
    if reply_to and (parent is None or parent.get("deleted_at")):
        return problem(
            403,
            "Forbidden",
            "You attempted to reply to a Tweet that is deleted or not visible to you.",
            headers=headers,
        )
    key = norm(text or "")
    if text and any(
        not p.get("deleted_at") for p in emu.state.find("x.post", owner=who.user, key=key)
    ):
        return problem(
            403,
            "Forbidden",
            "You are not allowed to create a Tweet with duplicate content.",
            headers=headers,
        )
    post_id = snowflake(emu)
    at = created(post_id)
    post = {
        "id": post_id,
        "text": text or "",
        "author_id": who.user,
        "created_at": at,
        "reply_to": reply_to,
        "media_ids": media_ids,
        "conversation_id": parent.get("conversation_id", parent["id"]) if parent else post_id,
    }
    emu.state.put("x.post", post_id, post, owner=who.user, key=key, created=at)
    out_text, _ = rendered(post)
    data = {"id": post_id, "text": out_text, "edit_history_post_ids": [post_id]}
    return json_response(201, {"data": data}, headers)


def delete(emu: Emulator, req: Request, id: str) -> Response:  # noqa: A002 - path param name
    g = guard(emu, req, "delete")
    if isinstance(g, Response):
        return g
    who, headers = g
    post = emu.state.get("x.post", id)
    if post is None or post.get("deleted_at"):
        return problem(
            404,
            "Not Found Error",
            f"Could not find tweet with id: [{id}].",
            "resource-not-found",
            headers,
            resource_type="tweet",
            resource_id=id,
        )
    if post["author_id"] != who.user:
        return problem(
            403,
            "Forbidden",
            "You are not allowed to delete a Tweet that is not yours.",
            headers=headers,
        )
    post["deleted_at"] = emu.now()
    emu.state.put("x.post", id, post, owner=who.user, key=None)
    return json_response(200, {"data": {"deleted": True}}, headers)


ROUTES = [
    route("GET", r"/2/users/me", "x.me", me),
    route("POST", r"/2/tweets", "x.create", create),
    route("DELETE", r"/2/tweets/(?P<id>\d+)", "x.delete", delete),
]
