"""X reads: post lookup with metrics (`GET /2/tweets?ids=`, `/2/tweets/:id`) and the user timeline.

Metrics come from engagement.py, growing with the post's age. Owner-only fields
(`non_public_metrics`, `organic_metrics`) are shown for the author's own posts under 30 days
old; otherwise the post is left out of `data` and `errors[]` carries a
`not-authorized-for-field` problem per field, which is how mktd's client expects X to refuse.
The metric is `retweet_count` when asked with `tweet.fields` (prose docs) and `repost_count`
with `post.fields` (spec 2.167).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mktdirector.sandbox import engagement as eng
from mktdirector.sandbox.base import Principal, Request, Response, iso, json_response, route
from mktdirector.sandbox.twitter.api import rendered
from mktdirector.sandbox.twitter.common import (
    POST_FIELDS,
    PRIVATE_DAYS,
    PRIVATE_FIELDS,
    PROBLEMS,
    guard,
    invalid,
)

if TYPE_CHECKING:
    from mktdirector.sandbox.emulator import Emulator


def fields_of(req: Request) -> tuple[set[str], str] | Response:
    """Requested post fields (`tweet.fields`, or `post.fields` as spec 2.167 names it)."""
    param = "post.fields" if req.arg("post.fields") is not None else "tweet.fields"
    raw = req.arg(param) or ""
    fields = {f for f in raw.split(",") if f}
    bad = sorted(fields - POST_FIELDS)
    if bad:
        return invalid(
            f"The `{param}` query parameter value [{bad[0]}] is not one of "
            f"[{','.join(sorted(POST_FIELDS))}]",
            param,
            bad[0],
        )
    return fields, param


def view(
    emu: Emulator, post: dict[str, Any], fields: set[str], param: str, who: Principal
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """One post as X shows it to `who`, or the field errors that keep it back."""
    text, urls = rendered(post)
    out: dict[str, Any] = {"id": post["id"], "text": text, "edit_history_tweet_ids": [post["id"]]}
    age = emu.now() - post["created_at"]
    c = eng.counts(eng.profile(emu.seed, post["id"], has_link=bool(urls)), age)
    repost = "repost_count" if param == "post.fields" else "retweet_count"
    if "public_metrics" in fields:
        out["public_metrics"] = {
            repost: c["repost"],
            "reply_count": c["reply"],
            "like_count": c["like"],
            "quote_count": c["quote"],
            "bookmark_count": c["bookmark"],
            "impression_count": c["impressions"],
        }
    private = [f for f in PRIVATE_FIELDS if f in fields]
    own = who.kind == "user" and post["author_id"] == who.user and age < PRIVATE_DAYS * 86400
    if private and (not own or "promoted_metrics" in private):
        errs = [
            {
                "value": post["id"],
                "detail": f"Sorry, you are not authorized to access "
                f"'{f}' on the Tweet with id {post['id']}.",
                "field": f,
                "parameter": param,
                "resource_id": post["id"],
                "resource_type": "tweet",
                "section": "data",
                "title": "Field Authorization Error",
                "type": PROBLEMS + "not-authorized-for-field",
            }
            for f in private
            if not own or f == "promoted_metrics"
        ]
        return None, errs
    if "non_public_metrics" in fields:
        out["non_public_metrics"] = {
            "impression_count": c["impressions"],
            "url_link_clicks": c["clicks"],
            "user_profile_clicks": c["profile"],
            "engagements": c["engagements"],
        }
    if "organic_metrics" in fields:
        out["organic_metrics"] = {
            "impression_count": c["impressions"],
            "like_count": c["like"],
            "reply_count": c["reply"],
            repost: c["repost"],
            "url_link_clicks": c["clicks"],
            "user_profile_clicks": c["profile"],
        }
    if "created_at" in fields:
        out["created_at"] = iso(post["created_at"])
    if "author_id" in fields:
        out["author_id"] = post["author_id"]
    if "conversation_id" in fields:
        out["conversation_id"] = post.get("conversation_id", post["id"])
    if "referenced_tweets" in fields and post.get("reply_to"):
        out["referenced_tweets"] = [{"type": "replied_to", "id": post["reply_to"]}]
    if "entities" in fields and urls:
        out["entities"] = {"urls": urls}
    return out, []


def lookup(emu: Emulator, req: Request) -> Response:
    g = guard(emu, req, "lookup")
    if isinstance(g, Response):
        return g
    who, headers = g
    ids = [i for i in (req.arg("ids") or "").split(",") if i]
    if not 1 <= len(ids) <= 100 or not all(i.isdigit() and len(i) <= 19 for i in ids):
        return invalid(
            "The `ids` query parameter value must be 1 to 100 comma-separated post ids.",
            "ids",
            req.arg("ids"),
        )
    f = fields_of(req)
    if isinstance(f, Response):
        return f
    extra = _expansions(req)
    if isinstance(extra, Response):
        return extra
    data, errors, found = [], [], []
    for i in dict.fromkeys(ids):
        post = emu.state.get("x.post", i)
        if post is None or post.get("deleted_at"):
            errors.append(
                {
                    "value": i,
                    "detail": f"Could not find tweet with ids: [{i}].",
                    "title": "Not Found Error",
                    "resource_type": "tweet",
                    "parameter": "ids",
                    "resource_id": i,
                    "type": PROBLEMS + "resource-not-found",
                }
            )
            continue
        shown, errs = view(emu, post, *f, who)
        errors += errs
        if shown is not None:
            data.append(shown)
            found.append(post)
    out: dict[str, Any] = {"data": data} if data else {}
    _include(emu, out, found, extra, lambda p: view(emu, p, *f, who)[0])
    if errors:
        out["errors"] = errors
    return json_response(200, out, headers)


def get_one(emu: Emulator, req: Request, id: str) -> Response:  # noqa: A002
    g = guard(emu, req, "get")
    if isinstance(g, Response):
        return g
    who, headers = g
    f = fields_of(req)
    if isinstance(f, Response):
        return f
    extra = _expansions(req)
    if isinstance(extra, Response):
        return extra
    post = emu.state.get("x.post", id)
    if post is None or post.get("deleted_at"):
        return json_response(
            200,
            {
                "errors": [
                    {
                        "value": id,
                        "detail": f"Could not find tweet with id: [{id}].",
                        "title": "Not Found Error",
                        "resource_type": "tweet",
                        "parameter": "id",
                        "resource_id": id,
                        "type": PROBLEMS + "resource-not-found",
                    }
                ]
            },
            headers,
        )
    shown, errs = view(emu, post, *f, who)
    if not shown:
        return json_response(200, {"errors": errs}, headers)
    out: dict[str, Any] = {"data": shown}
    _include(emu, out, [post], extra, lambda p: view(emu, p, *f, who)[0])
    return json_response(200, out, headers)


def _expansions(req: Request) -> tuple[set[str], set[str]] | Response:
    """(`expansions`, `user.fields`) of a post read, or the 400 for a value X does not know."""
    from mktdirector.sandbox.twitter import expand

    exps, ufields = expand.post_expansions(req), expand.user_fields(req)
    if isinstance(exps, Response):
        return exps
    if isinstance(ufields, Response):
        return ufields
    return exps, ufields


def _include(
    emu: Emulator,
    out: dict[str, Any],
    posts: list[dict[str, Any]],
    extra: tuple[set[str], set[str]],
    show: Any,
) -> None:
    from mktdirector.sandbox.twitter import expand

    includes = expand.post_includes(emu, posts, *extra, show)
    if includes:
        out["includes"] = includes


def timeline(emu: Emulator, req: Request, uid: str) -> Response:
    g = guard(emu, req, "timeline")
    if isinstance(g, Response):
        return g
    who, headers = g
    f = fields_of(req)
    if isinstance(f, Response):
        return f
    try:
        size = int(req.arg("max_results") or 10)
    except ValueError:
        size = 0
    if not 5 <= size <= 100:
        return invalid(
            "The `max_results` query parameter value must be between 5 and 100",
            "max_results",
            req.arg("max_results"),
        )
    since = req.arg("start_time")
    since_ts = _parse_time(since) if since else None
    posts = [p for p in emu.state.find("x.post", owner=uid) if not p.get("deleted_at")]
    if since_ts is not None:
        posts = [p for p in posts if p["created_at"] >= since_ts]
    if req.arg("since_id"):
        posts = [p for p in posts if int(p["id"]) > int(req.arg("since_id") or 0)]
    posts.sort(key=lambda p: int(p["id"]), reverse=True)
    start = (
        int(req.arg("pagination_token") or 0)
        if (req.arg("pagination_token") or "0").isdigit()
        else 0
    )
    page = posts[start : start + size]
    data = [v for v in (view(emu, p, *f, who)[0] for p in page) if v is not None]
    meta: dict[str, Any] = {"result_count": len(data)}
    if data:
        meta.update(newest_id=data[0]["id"], oldest_id=data[-1]["id"])
    if start + size < len(posts):
        meta["next_token"] = str(start + size)
    return json_response(200, {"data": data, "meta": meta} if data else {"meta": meta}, headers)


def _parse_time(text: str) -> float | None:
    from datetime import datetime

    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def snapshot(emu: Emulator, out: dict[str, Any]) -> None:
    out["posts"]["x"] = [
        {
            "id": p["id"],
            "text": p["text"],
            "author_id": p["author_id"],
            "reply_to": p.get("reply_to"),
            "created_at": iso(p["created_at"]),
            "deleted": bool(p.get("deleted_at")),
            "media_ids": p.get("media_ids") or [],
        }
        for p in emu.state.find("x.post")
    ]


ROUTES = [
    route("GET", r"/2/tweets", "x.lookup", lookup),
    route("GET", r"/2/tweets/(?P<id>\d+)", "x.get", get_one),
    route("GET", r"/2/users/(?P<uid>\d+)/tweets", "x.timeline", timeline),
]
