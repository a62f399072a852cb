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
    Request,
    Response,
    json_response,
    route,
)
from mktdirector.sandbox.twitter import media as x_media
from mktdirector.sandbox.twitter.common import (
    CREATE_KEYS,
    created,
    guard,
    invalid,
    problem,
    snowflake,
)

# The emulator finds a platform's error shapes on its first module (this one): re-exported.
from mktdirector.sandbox.twitter.common import error as error
from mktdirector.sandbox.twitter.common import rate_limited as rate_limited
from mktdirector.sandbox.twitter.common import unauthorized as unauthorized

if TYPE_CHECKING:
    from mktdirector.sandbox.emulator import Emulator


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
    from mktdirector.sandbox.twitter import expand

    fields, exps = expand.user_fields(req), expand.user_expansions(req)
    if isinstance(fields, Response):
        return fields
    if isinstance(exps, Response):
        return exps
    data = expand.user_view(emu, who.user, fields)
    out: dict[str, Any] = {"data": data}
    latest = expand.latest_post(emu, who.user)
    if exps & {"most_recent_tweet_id", "most_recent_post_id"} and latest is not None:
        data["most_recent_tweet_id"] = latest["id"]
        text, _ = rendered(latest)
        out["includes"] = {
            "tweets": [{"id": latest["id"], "text": text, "edit_history_tweet_ids": [latest["id"]]}]
        }
    return json_response(200, out, headers)


def _refused_text(text: str | None) -> str | None:
    """Why X refuses a text mktd would refuse too (twitter-text: U+FFFE, U+FFFF, U+FEFF,
    direction overrides U+202A-U+202E), or None. Length is checked separately (a 403)."""
    from mktdirector.core.xtext import is_valid_post, weighted_length

    if not text or weighted_length(text) > 280 or is_valid_post(text):
        return None
    from twitter_text.has_invalid_characters import has_invalid_characters

    bad = next((c for c in text if has_invalid_characters(c)), None)
    if bad is not None:
        return f"$.text: contains a character X does not accept (U+{ord(bad):04X})"
    return "$.text: is not a valid post (empty once whitespace is removed)"


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
    refused = _refused_text(text)
    if refused:
        return invalid(refused, "$.text", text)
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
