"""LinkedIn client: identity (OIDC userinfo), Posts API, Images API, member post analytics.

Facts from ../shared/reference/api-social.md §1. Every `/rest` call carries `LinkedIn-Version`
(config `linkedin.version`, YYYYMM; versions sunset after about a year) and
`X-Restli-Protocol-Version: 2.0.0`. Commentary is escaped as "little text": unescaped reserved
characters make LinkedIn silently truncate a post while answering 201.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote, unquote

import httpx

from mktdirector.core import errors as E
from mktdirector.core.linkedin_text import (
    LINKEDIN_MAX_CHARS,
    LinkedInTextTooLongError,
    check_linkedin_length,
    escape_commentary,
)
from mktdirector.core.policy import PlatformPolicy
from mktdirector.core.ratelimit import Limit, per_day
from mktdirector.integrations.base import ConnectionCheck
from mktdirector.integrations.capabilities import AccountIdentity
from mktdirector.integrations.linkedin.policy import DOCS, LinkedInPolicy
from mktdirector.integrations.oauth.app import LINKEDIN_ANALYTICS_SCOPE, config_value
from mktdirector.integrations.oauth.tokens import OAuthIntegration
from mktdirector.integrations.social import (
    CapabilityError,
    MetricRow,
    RemotePost,
    now_iso,
)

DEFAULT_VERSION = "202610"
VISIBILITIES = ("PUBLIC", "CONNECTIONS", "LOGGED_IN")
METRICS = ("IMPRESSION", "MEMBERS_REACHED", "RESHARE", "REACTION", "COMMENT")
NO_ANALYTICS = (
    f"this LinkedIn app cannot read analytics (needs {LINKEDIN_ANALYTICS_SCOPE}, granted only "
    "to apps LinkedIn approves)"
)


@dataclass(frozen=True)
class LinkedInMember:
    """The authenticated member (`GET /v2/userinfo`)."""

    sub: str
    name: str = ""
    email: str | None = None

    @property
    def urn(self) -> str:
        return f"urn:li:person:{self.sub}"


def post_url(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}/"


def _entity(urn: str) -> str:
    # Rest.li 2.0 finder syntax: the URN inside is encoded, the parentheses are not.
    kind = "ugc" if ":ugcPost:" in urn else "share"
    return f"({kind}:{quote(urn, safe='')})"


class LinkedInClient(OAuthIntegration):
    """LinkedIn REST API with a member's OAuth 2.0 token."""

    name: ClassVar[str] = "linkedin"
    default_base_url: ClassVar[str] = "https://api.linkedin.com"
    # Share on LinkedIn: 150 member calls and 100,000 app calls per day (reset 00:00 UTC).
    rate_limits: ClassVar[tuple[Limit, ...]] = (
        per_day("posts-create-member", 150, methods=frozenset({"POST"}), paths=("/rest/posts",)),
        per_day("app-daily", 100_000, scope="app"),
    )

    def version(self) -> str:
        return str(config_value(self.config, "linkedin.version", DEFAULT_VERSION))

    def default_headers(self) -> dict[str, str]:
        return {"LinkedIn-Version": self.version(), "X-Restli-Protocol-Version": "2.0.0"}

    # identity ------------------------------------------------------------------------------
    def identify(self) -> AccountIdentity:
        """The member behind the token (`mktd authorize linkedin`)."""
        who = self.me()
        return AccountIdentity(who.urn, who.name, who.sub)

    def me(self) -> LinkedInMember:
        """`GET /v2/userinfo` (OIDC; `/v2/me` fails without the closed profile scopes)."""
        data = self.json(self.send("GET", "/v2/userinfo"), "sub")
        return LinkedInMember(str(data["sub"]), str(data.get("name") or ""), data.get("email"))

    def author_urn(self) -> str:
        """`urn:li:person:{sub}` of the connection, asking LinkedIn only if it is not stored."""
        stored = self.connection.user_id if self.connection else None
        if stored and stored.startswith("urn:li:person:"):
            return stored
        return self.me().urn

    # posts ---------------------------------------------------------------------------------
    def create_post_body(
        self,
        commentary: str,
        *,
        author: str,
        visibility: str | None = None,
        image_urn: str | None = None,
        image_alt: str | None = None,
    ) -> dict[str, Any]:
        """The `POST /rest/posts` JSON, commentary escaped; refuses text over 3,000 chars.

        Visibility: the argument, else `linkedin.visibility` (PUBLIC unless configured).
        """
        visibility = visibility or self.config("linkedin.visibility") or "PUBLIC"
        if visibility not in VISIBILITIES:
            raise E.UsageError(
                f"Unknown LinkedIn visibility {visibility!r}.",
                hint=f"Use {', '.join(VISIBILITIES)}",
            )
        try:
            check_linkedin_length(commentary)
        except LinkedInTextTooLongError as e:
            raise E.UsageError(
                f"The LinkedIn post is {e.length} characters; the limit is {LINKEDIN_MAX_CHARS}.",
                hint="Shorten it (mktd drafts edit ID)",
            ) from None
        body: dict[str, Any] = {
            "author": author,
            "commentary": escape_commentary(commentary),
            "visibility": visibility,
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if image_urn:
            media: dict[str, Any] = {"id": image_urn}
            if image_alt:
                media["altText"] = image_alt
            body["content"] = {"media": media}
        return body

    def create_post_request(self, commentary: str, *, author: str, **kw: Any) -> httpx.Request:
        """The exact request create_post would send (for --dry-run; auth header applied)."""
        body = self.create_post_body(commentary, author=author, **kw)
        return self.http.auth_headers(self.http.build_request("POST", "/rest/posts", json=body))

    def create_post(
        self,
        commentary: str,
        *,
        author: str | None = None,
        visibility: str | None = None,
        image_urn: str | None = None,
        image_alt: str | None = None,
    ) -> RemotePost:
        """`POST /rest/posts`; the new URN comes from the `x-restli-id` header."""
        author = author or self.author_urn()
        body = self.create_post_body(
            commentary, author=author, visibility=visibility, image_urn=image_urn,
            image_alt=image_alt,
        )  # fmt: skip
        resp = self.send("POST", "/rest/posts", idempotent=False, json=body)
        urn = resp.headers.get("x-restli-id") or unquote(
            resp.headers.get("location", "").rstrip("/").rsplit("/", 1)[-1]
        )
        if not urn.startswith("urn:li:"):
            raise E.ApiResponseError(
                f"LinkedIn answered {resp.status_code} to the post without its id "
                "(no x-restli-id header).",
                platform=self.name,
                hint="The post was probably created: check your LinkedIn activity before "
                "publishing again",
            )
        return RemotePost(urn, post_url(urn), commentary, now_iso(), platform=self.name)

    def delete_post(self, urn: str) -> bool:
        """`DELETE /rest/posts/{urn}` (idempotent on LinkedIn's side); False if not found."""
        try:
            self.send("DELETE", "/rest/posts/{urn}", path_params={"urn": urn})
        except E.NotFoundError:
            return False
        return True

    # images --------------------------------------------------------------------------------
    def upload_image(
        self,
        image: bytes | str | Path,
        *,
        media_type: str = "image/png",
        owner: str | None = None,
        wait: bool = True,
    ) -> str:
        """initializeUpload → PUT the bytes → `urn:li:image:…` for `create_post(image_urn=)`."""
        if not isinstance(image, bytes):
            import mimetypes

            path = Path(image)
            media_type = mimetypes.guess_type(path.name)[0] or media_type
            from mktdirector.core import inputs

            # LinkedIn's documented image limit is in pixels (36 MP); 100 MiB bounds the read.
            image = inputs.read_bytes(path, cap=100 * inputs.MIB, hint="Check the image's path")
        owner = owner or self.author_urn()
        resp = self.send(
            "POST", "/rest/images", params={"action": "initializeUpload"}, idempotent=True,
            json={"initializeUploadRequest": {"owner": owner}},
        )  # fmt: skip
        value = self.json(resp, "value.uploadUrl", "value.image")["value"]
        upload_url = str(value["uploadUrl"]).replace("{", "{{").replace("}", "}}")
        self.send("PUT", upload_url, content=image, headers={"Content-Type": media_type})
        urn = str(value["image"])
        if wait:
            self._wait_image(urn)
        return urn

    def _wait_image(self, urn: str, attempts: int = 10) -> None:
        for _ in range(attempts):
            try:
                resp = self.send("GET", "/rest/images/{urn}", path_params={"urn": urn})
            except E.NotFoundError:
                return  # not visible yet on every version: the post will still reference it
            status = str(self.json(resp).get("status") or "AVAILABLE")
            if status == "AVAILABLE":
                return
            if status in ("PROCESSING_FAILED", "FAILED"):
                raise E.ApiResponseError(
                    "LinkedIn could not process the image.",
                    platform=self.name,
                    hint="Use a JPG, PNG or GIF under 5 MB",
                )
            self.http.clock.sleep(1.0)

    # analytics -----------------------------------------------------------------------------
    def get_metrics(self, urns: list[str]) -> list[MetricRow]:
        """Per-post totals from memberCreatorPostAnalytics (needs r_member_postAnalytics).

        Raises CapabilityError once, before any call, when the stored scopes show the app
        lacks the grant, or on the first 403 when the scopes are unknown.
        """
        conn = self.require_connection()
        if conn.scopes and LINKEDIN_ANALYTICS_SCOPE not in conn.scopes:
            raise CapabilityError(NO_ANALYTICS, platform=self.name, hint=f"See {DOCS}")
        rows = []
        for urn in dict.fromkeys(urns):
            counts: dict[str, int | None] = {}
            for metric in METRICS:
                path = (
                    f"/rest/memberCreatorPostAnalytics?q=entity&entity={_entity(urn)}"
                    f"&queryType={metric}&aggregation=TOTAL"
                )
                try:
                    data = self.json(self.send("GET", path), "elements")
                except E.PermissionDeniedError:
                    raise CapabilityError(
                        NO_ANALYTICS, platform=self.name, hint=f"See {DOCS}"
                    ) from None
                elements = data["elements"] or [{}]
                first: dict[str, Any] = elements[0] if isinstance(elements[0], dict) else {}
                count = first.get("count")
                counts[metric] = int(count) if isinstance(count, int | float) else None
            rows.append(
                MetricRow(
                    platform=self.name,
                    post_id=urn,
                    fetched_at=now_iso(),
                    impressions=counts["IMPRESSION"],
                    reach=counts["MEMBERS_REACHED"],
                    reposts=counts["RESHARE"],
                    likes=counts["REACTION"],
                    replies=counts["COMMENT"],
                    private=True,
                    raw=dict(counts),
                )  # fmt: skip
            )
        return rows

    def policy(self) -> PlatformPolicy:
        return LinkedInPolicy(version=self.version)

    # health --------------------------------------------------------------------------------
    def test_connection(self) -> ConnectionCheck:
        """`GET /v2/userinfo` with the stored token, in the brief's shape."""
        if self.connection is None or not self.connection.secret():
            return ConnectionCheck("missing_credentials", self.name,
                                   detail="mktd authorize linkedin (or set LINKEDIN_ACCESS_TOKEN)")  # fmt: skip
        dead = self.expired_for_good()
        if dead:
            return ConnectionCheck("error", self.name, detail=dead)
        try:
            # Straight to the choke point, so a dry run's capturing transport sees it first.
            data = self.json(self.http.request("GET", "/v2/userinfo"), "sub")
        except E.MktdError as e:
            return ConnectionCheck("error", self.name, detail=e.message, error=e.kind, hint=e.hint)
        member = LinkedInMember(str(data["sub"]), str(data.get("name") or ""))
        midnight = (self.http.clock.now() // 86400 + 1) * 86400
        reset = datetime.fromtimestamp(midnight, UTC).isoformat().replace("+00:00", "Z")
        return ConnectionCheck(
            "connected",
            self.name,
            user_id=member.urn,
            rate_limit={"rate_limit_remaining": None, "rate_limit_reset": reset},
            detail=self.expiry_warning() or member.name,
            name=member.name or None,
        )
