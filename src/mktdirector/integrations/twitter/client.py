"""X (Twitter) API v2 client: identity, posts, threads' building block, media, metrics.

Facts from ../shared/reference/api-social.md §2 and the official OpenAPI document. Everything
goes through the HTTP choke point; a create is never retried blindly (`idempotent=False`), so a
timeout after send surfaces as an unknown outcome for publishing to reconcile with
`recent_posts`. Error bodies are classified in twitter/errors.py (through twitter/policy.py), media in
twitter/media.py.
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import httpx

from mktdirector.core import errors as E
from mktdirector.core.policy import PlatformPolicy
from mktdirector.core.ratelimit import Limit, per_day, per_window
from mktdirector.core.urls import extract_urls
from mktdirector.integrations.base import ConfigGetter, ConnectionCheck
from mktdirector.integrations.capabilities import AccountIdentity
from mktdirector.integrations.oauth.app import config_value
from mktdirector.integrations.oauth.tokens import OAuthIntegration
from mktdirector.integrations.social import MetricRow, RemotePost, now_iso, utc_iso
from mktdirector.integrations.twitter import errors as twitter_errors
from mktdirector.integrations.twitter.policy import TwitterPolicy

POST, GET, DELETE = frozenset({"POST"}), frozenset({"GET"}), frozenset({"DELETE"})
TWEPOCH_MS = 1288834974657  # X snowflake epoch
PRIVATE_METRICS_DAYS = 30
BATCH = 100
POST_COST = 0.015
POST_WITH_URL_COST = 0.20
PUBLIC_FIELDS = "public_metrics,created_at"
PRIVATE_FIELDS = "public_metrics,non_public_metrics,organic_metrics,created_at"
READ_FIELDS = "created_at,entities,referenced_tweets,conversation_id"
MEDIA_CREATE = ("/2/media/upload/initialize", "/2/media/upload/{id}/append",
                "/2/media/upload/{id}/finalize")  # fmt: skip


def _lim(name: str, calls: int, methods: frozenset[str], *paths: str, app: bool = False,
         day: bool = False) -> Limit:  # fmt: skip
    scope = "app" if app else "user"
    if day:
        return per_day(name, calls, methods=methods, paths=paths, scope=scope)
    return per_window(name, calls, 15, methods=methods, paths=paths, scope=scope)


# The current pay-per-use table (rate-limits.mdx, 2026-08-22); 15-minute windows unless daily.
RATE_LIMITS: tuple[Limit, ...] = (
    _lim("tweets-create-user", 100, POST, "/2/tweets"),
    _lim("tweets-create-app", 10_000, POST, "/2/tweets", app=True, day=True),
    _lim("tweets-delete-user", 50, DELETE, "/2/tweets/{id}"),
    _lim("tweets-lookup-user", 5_000, GET, "/2/tweets"),
    _lim("tweets-lookup-app", 3_500, GET, "/2/tweets", app=True),
    _lim("tweet-get-user", 900, GET, "/2/tweets/{id}"),
    _lim("tweet-get-app", 450, GET, "/2/tweets/{id}", app=True),
    _lim("users-me-user", 75, GET, "/2/users/me"),
    _lim("user-tweets-user", 900, GET, "/2/users/{id}/tweets"),
    _lim("user-tweets-app", 10_000, GET, "/2/users/{id}/tweets", app=True),
    _lim("media-upload-user", 500, POST, "/2/media/upload"),
    _lim("media-upload-app", 50_000, POST, "/2/media/upload", app=True, day=True),
    _lim("media-status-user", 1_000, GET, "/2/media/upload"),
    _lim("media-status-app", 100_000, GET, "/2/media/upload", app=True, day=True),
    _lim("media-chunked-user", 1_875, POST, *MEDIA_CREATE),
    _lim("media-chunked-app", 180_000, POST, *MEDIA_CREATE, app=True, day=True),
)


@dataclass(frozen=True)
class XUser:
    """The authenticated account (`GET /2/users/me`)."""

    id: str
    username: str
    name: str = ""


def snowflake_time(post_id: str) -> float:
    """Creation time (epoch s) encoded in an X id."""
    return ((int(post_id) >> 22) + TWEPOCH_MS) / 1000.0


def post_cost(text: str, config: ConfigGetter | None = None) -> float:
    """Pay-per-use price of creating `text`: $0.015, or $0.20 when it contains a URL."""
    if extract_urls(text):
        return float(config_value(config, "twitter.cost_post_url", POST_WITH_URL_COST))
    return float(config_value(config, "twitter.cost_post", POST_COST))


def create_post_body(
    text: str, *, reply_to: str | None = None, media_ids: Sequence[str] | None = None
) -> dict[str, Any]:
    """The `POST /2/tweets` JSON (CreatePostsRequest in the OpenAPI document)."""
    body: dict[str, Any] = {"text": text}
    if reply_to:
        body["reply"] = {"in_reply_to_tweet_id": str(reply_to)}
    if media_ids:
        body["media"] = {"media_ids": [str(m) for m in media_ids]}
    return body


class TwitterClient(OAuthIntegration):
    """X API v2 with an OAuth 2.0 user token."""

    name: ClassVar[str] = "twitter"
    default_base_url: ClassVar[str] = "https://api.x.com"
    rate_limits: ClassVar[tuple[Limit, ...]] = RATE_LIMITS

    # identity ------------------------------------------------------------------------------
    def identify(self) -> AccountIdentity:
        """The account behind the token (`mktd authorize twitter`)."""
        who = self.me()
        return AccountIdentity(who.id, who.username, who.username)

    def me(self) -> XUser:
        """`GET /2/users/me`: the account the token belongs to."""
        data = self.json(self.send("GET", "/2/users/me"), "data.id", "data.username")["data"]
        return XUser(str(data["id"]), str(data["username"]), str(data.get("name") or ""))

    def post_url(self, post_id: str) -> str:
        username = (self.connection.extra.get("username") if self.connection else None) or "i/web"
        return f"https://x.com/{username}/status/{post_id}"

    # posts ---------------------------------------------------------------------------------
    def create_post_request(
        self, text: str, *, reply_to: str | None = None, media_ids: Sequence[str] | None = None
    ) -> httpx.Request:
        """The exact request create_post would send (for --dry-run; auth header applied)."""
        body = create_post_body(text, reply_to=reply_to, media_ids=media_ids)
        return self.http.auth_headers(self.http.build_request("POST", "/2/tweets", json=body))

    def create_post(
        self, text: str, *, reply_to: str | None = None, media_ids: Sequence[str] | None = None
    ) -> RemotePost:
        """`POST /2/tweets`; never retried once it may have reached X."""
        body = create_post_body(text, reply_to=reply_to, media_ids=media_ids)
        resp = self.send("POST", "/2/tweets", idempotent=False, json=body)
        data = self.json(resp, "data.id")["data"]
        post_id = str(data["id"])
        return RemotePost(
            id=post_id,
            url=self.post_url(post_id),
            text=html.unescape(str(data.get("text", text))),
            created_at=utc_iso(snowflake_time(post_id)),
            platform=self.name,
            reply_to=str(reply_to) if reply_to else None,
        )

    def delete_post(self, post_id: str) -> bool:
        """`DELETE /2/tweets/{id}`; False when it was already gone."""
        try:
            resp = self.send("DELETE", "/2/tweets/{id}", path_params={"id": post_id})
        except E.NotFoundError:
            return False
        return bool(self.json(resp, "data").get("data", {}).get("deleted"))

    def recent_posts(
        self,
        user_id: str | None = None,
        *,
        since: datetime | float | None = None,
        max_results: int = 100,
    ) -> list[RemotePost]:
        """The account's newest posts (replies included), for read-back reconciliation.

        Text comes back with t.co links expanded and HTML entities decoded, so it can be
        compared with what was sent after normalization.
        """
        uid = user_id or (self.connection.user_id if self.connection else None) or self.me().id
        params: dict[str, Any] = {
            "max_results": min(max(max_results, 5), 100),
            "tweet.fields": READ_FIELDS,
        }
        if since is not None:
            ts = since.timestamp() if isinstance(since, datetime) else float(since)
            params["start_time"] = utc_iso(ts)
        resp = self.send("GET", "/2/users/{id}/tweets", path_params={"id": uid}, params=params)
        return [self._read_post(t) for t in self.json(resp).get("data") or []]

    def _read_post(self, tweet: dict[str, Any]) -> RemotePost:
        text = str(tweet.get("text") or "")
        for u in (tweet.get("entities") or {}).get("urls") or []:
            if u.get("url") and u.get("expanded_url"):
                text = text.replace(u["url"], u["expanded_url"])
        # The OpenAPI document names it `referenced_posts`; answers and the prose, `referenced_tweets`.
        refs = [*(tweet.get("referenced_tweets") or []), *(tweet.get("referenced_posts") or [])]
        reply_to = next(
            (str(r["id"]) for r in refs
             if isinstance(r, dict) and r.get("type") == "replied_to" and r.get("id")),
            None,
        )  # fmt: skip
        post_id = str(tweet["id"])
        return RemotePost(
            id=post_id,
            url=self.post_url(post_id),
            text=html.unescape(text),
            created_at=tweet.get("created_at") or utc_iso(snowflake_time(post_id)),
            platform=self.name,
            reply_to=reply_to,
        )

    # media ---------------------------------------------------------------------------------
    def upload_media(self, data: bytes, media_type: str) -> str:
        """Upload an image (or GIF/video) and return its media id."""
        from mktdirector.integrations.twitter import media as twitter_media

        return twitter_media.upload(self, data, media_type, sleep=self.http.clock.sleep)

    def upload_image(self, path: str | Path) -> str:
        """Upload a local image file and return its media id."""
        from mktdirector.integrations.twitter import media as twitter_media

        data, media_type = twitter_media.read_media(path)
        return self.upload_media(data, media_type)

    # metrics -------------------------------------------------------------------------------
    def get_metrics(self, ids: Iterable[str], *, now: float | None = None) -> list[MetricRow]:
        """Metrics for posts, ≤100 ids per call; owner-only figures for own posts < 30 days.

        Posts X no longer returns (deleted, protected) are left out of the result.
        """
        now = time.time() if now is None else now
        wanted = list(dict.fromkeys(str(i) for i in ids if str(i).isdigit()))
        cutoff = now - PRIVATE_METRICS_DAYS * 86400 + 3600  # an hour of slack for clocks
        recent = [i for i in wanted if snowflake_time(i) > cutoff]
        older = [i for i in wanted if snowflake_time(i) <= cutoff]
        rows: dict[str, MetricRow] = {}
        fallback: list[str] = []
        for batch in _batches(recent):
            found, refused = self._lookup(batch, PRIVATE_FIELDS, private=True)
            rows.update(found)
            fallback += refused
        for batch in _batches(older + fallback):
            rows.update(self._lookup(batch, PUBLIC_FIELDS, private=False)[0])
        return [rows[i] for i in wanted if i in rows]

    def _lookup(
        self, ids: list[str], fields: str, *, private: bool
    ) -> tuple[dict[str, MetricRow], list[str]]:
        # Sends `tweet.fields` as every prose example does (spec 2.167 says post.fields).
        resp = self.send("GET", "/2/tweets", params={"ids": ",".join(ids), "tweet.fields": fields})
        payload = self.json(resp)
        fetched = now_iso()
        rows = {
            str(t["id"]): _metric_row(t, fetched, private)
            for t in payload.get("data") or []
            if isinstance(t, dict) and "id" in t
        }
        # Owner-only fields refused for a post (not ours, or too old): when X left the post
        # out altogether it is read again with public fields; when it sent the public part
        # the row is kept as it is.
        field_errors = [
            e
            for e in payload.get("errors") or []
            if isinstance(e, dict) and twitter_errors.problem_kind(e) in twitter_errors.FIELD_KINDS
        ]
        refused = [str(e.get("resource_id") or e.get("value")) for e in field_errors
                   if e.get("resource_id") or e.get("value")]  # fmt: skip
        if any(not (e.get("resource_id") or e.get("value")) for e in field_errors):
            # A refusal that names no post (the spec's FieldUnauthorizedProblem has no
            # resource_id): every post left out may be one of them, so read those again.
            refused += ids
        return rows, [i for i in dict.fromkeys(refused) if i not in rows]

    def policy(self) -> PlatformPolicy:
        return TwitterPolicy()

    # health --------------------------------------------------------------------------------
    def test_connection(self) -> ConnectionCheck:
        """`GET /2/users/me` with the stored token, in the brief's shape."""
        if self.connection is None or not self.connection.secret():
            return ConnectionCheck("missing_credentials", self.name,
                                   detail="mktd authorize twitter (or set TWITTER_ACCESS_TOKEN)")  # fmt: skip
        dead = self.expired_for_good()
        if dead:
            return ConnectionCheck("error", self.name, detail=dead)
        try:
            # Straight to the choke point: a 401 refreshes through the auth flow, and a dry run's
            # capturing transport stops the request before any token endpoint is called.
            resp = self.http.request("GET", "/2/users/me")
            data = self.json(resp, "data.id")["data"]
        except E.MktdError as e:
            return ConnectionCheck("error", self.name, detail=e.message, error=e.kind, hint=e.hint)
        reset = resp.headers.get("x-rate-limit-reset")
        remaining = resp.headers.get("x-rate-limit-remaining")
        return ConnectionCheck(
            "connected",
            self.name,
            user_id=str(data["id"]),
            rate_limit={
                "rate_limit_remaining": int(remaining)
                if remaining and remaining.isdigit()
                else None,
                "rate_limit_reset": utc_iso(float(reset)) if reset and reset.isdigit() else None,
            },
            detail=f"@{data.get('username', '')}",
            name=f"@{data['username']}" if data.get("username") else None,
        )


def _batches(ids: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(ids), BATCH):
        yield ids[i : i + BATCH]


def _first(*values: Any) -> int | None:
    for v in values:
        if isinstance(v, int | float):
            return int(v)
    return None


def _metric_row(tweet: dict[str, Any], fetched: str, private: bool) -> MetricRow:
    pub = tweet.get("public_metrics") or {}
    non = tweet.get("non_public_metrics") or {}
    org = tweet.get("organic_metrics") or {}
    has_private = bool(non or org)
    return MetricRow(
        platform="twitter",
        post_id=str(tweet["id"]),
        fetched_at=fetched,
        impressions=_first(
            non.get("impression_count"), org.get("impression_count"), pub.get("impression_count")
        ),  # fmt: skip
        likes=_first(pub.get("like_count"), org.get("like_count")),
        reposts=_first(
            pub.get("repost_count"),
            pub.get("retweet_count"),
            org.get("repost_count"),
            org.get("retweet_count"),
        ),  # fmt: skip
        replies=_first(pub.get("reply_count"), org.get("reply_count")),
        quotes=_first(pub.get("quote_count")),
        bookmarks=_first(pub.get("bookmark_count")),
        link_clicks=_first(non.get("url_link_clicks"), org.get("url_link_clicks")),
        profile_clicks=_first(non.get("user_profile_clicks"), org.get("user_profile_clicks")),
        engagements=_first(non.get("engagements")),
        private=private and has_private,
        raw={
            "public_metrics": pub,
            "non_public_metrics": non,
            "organic_metrics": org,
            "created_at": tweet.get("created_at"),
        },  # fmt: skip
    )


def created_at_of(post_id: str) -> datetime:
    """The creation time of an X post from its id (no API call)."""
    return datetime.fromtimestamp(snowflake_time(post_id), UTC)
