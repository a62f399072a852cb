"""`user.fields` and `expansions`, honoured and checked as X does (issue 12 item 9).

Values outside X's lists are a 400 naming the parameter and the value (as for `tweet.fields`).
Both the names of the 2.167 spec (`pinned_post_id`, `referenced_posts`) and the older ones
tweepy and most clients send (`pinned_tweet_id`, `referenced_tweets.id`) are accepted. An
expansion fills `includes`: `author_id` -> `includes.users`, `referenced_tweets.id` -> the
replied-to posts in `includes.tweets`, `most_recent_tweet_id` -> the user's latest post.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mktdirector.sandbox.base import Request, Response, iso
from mktdirector.sandbox.env import X_USER
from mktdirector.sandbox.twitter.common import invalid

if TYPE_CHECKING:
    from mktdirector.sandbox.emulator import Emulator

USER_FIELDS = frozenset({
    "affiliation", "confirmed_email", "connection_status", "created_at", "description",
    "entities", "id", "is_identity_verified", "location", "most_recent_tweet_id", "name",
    "parody", "pinned_tweet_id", "profile_banner_url", "profile_image_url", "protected",
    "public_metrics", "receives_your_dm", "subscribes_to_you", "subscription",
    "subscription_type", "url", "username", "verified", "verified_followers_count",
    "verified_type", "withheld",
})  # fmt: skip
USER_EXPANSIONS = frozenset({
    "affiliation", "most_recent_post_id", "most_recent_tweet_id", "pinned_post_id",
    "pinned_tweet_id",
})  # fmt: skip
POST_EXPANSIONS = frozenset({
    "article.cover_media", "article.media_entities", "attachments.media_keys",
    "attachments.media_source_tweet", "attachments.poll_ids", "author_id",
    "edit_history_post_ids", "edit_history_tweet_ids", "entities.mentions.username",
    "geo.place_id", "in_reply_to_user_id", "referenced_posts", "referenced_tweets.id",
    "referenced_tweets.id.author_id", "username",
})  # fmt: skip
CREATED = 1_600_000_000.0  # the sandbox account's creation time


def _listed(req: Request, param: str, allowed: frozenset[str]) -> set[str] | Response:
    values = {v for v in (req.arg(param) or "").split(",") if v}
    bad = sorted(values - allowed)
    if bad:
        return invalid(
            f"The `{param}` query parameter value [{bad[0]}] is not one of "
            f"[{','.join(sorted(allowed))}]",
            param,
            bad[0],
        )
    return values


def user_fields(req: Request) -> set[str] | Response:
    return _listed(req, "user.fields", USER_FIELDS)


def user_expansions(req: Request) -> set[str] | Response:
    return _listed(req, "expansions", USER_EXPANSIONS)


def post_expansions(req: Request) -> set[str] | Response:
    return _listed(req, "expansions", POST_EXPANSIONS)


def latest_post(emu: Emulator, uid: str) -> dict[str, Any] | None:
    posts = [p for p in emu.state.find("x.post", owner=uid) if not p.get("deleted_at")]
    return max(posts, key=lambda p: p["created_at"], default=None)


def user_view(emu: Emulator, uid: str, fields: set[str]) -> dict[str, Any]:
    """The user as X shows it: id, name, username, plus the fields asked for."""
    out: dict[str, Any] = dict(X_USER, id=uid)
    posts = [p for p in emu.state.find("x.post", owner=uid) if not p.get("deleted_at")]
    known: dict[str, Any] = {
        "created_at": iso(CREATED),
        "description": "The mktd sandbox's X account.",
        "location": "127.0.0.1",
        "url": "",
        "protected": False,
        "verified": False,
        "verified_type": "none",
        "profile_image_url": "https://pbs.twimg.com/profile_images/0/sandbox_normal.png",
        "public_metrics": {
            "followers_count": 1200,
            "following_count": 180,
            "tweet_count": len(posts),
            "listed_count": 7,
            "like_count": 0,
            "media_count": sum(1 for p in posts if p.get("media_ids")),
        },
    }
    if "most_recent_tweet_id" in fields and posts:
        out["most_recent_tweet_id"] = max(posts, key=lambda p: p["created_at"])["id"]
    out.update({k: v for k, v in known.items() if k in fields})
    return out


Show = Callable[[dict[str, Any]], dict[str, Any] | None]


def post_includes(
    emu: Emulator, posts: list[dict[str, Any]], exps: set[str], ufields: set[str], show: Show
) -> dict[str, Any]:
    """`includes` for posts: their authors and the posts they reply to, as asked."""
    out: dict[str, Any] = {}
    if exps & {"author_id", "referenced_tweets.id.author_id"}:
        authors = dict.fromkeys(p["author_id"] for p in posts)
        out["users"] = [user_view(emu, uid, ufields) for uid in authors]
    if exps & {"referenced_tweets.id", "referenced_posts"}:
        parents = [emu.state.get("x.post", p["reply_to"]) for p in posts if p.get("reply_to")]
        shown = [show(p) for p in parents if p and not p.get("deleted_at")]
        if shown := [s for s in shown if s is not None]:
            out["tweets"] = shown
    return out
