"""What publishing needs from each social platform, behind one small interface.

X can be read back (the account's recent posts), so an unknown outcome is settled by looking;
LinkedIn member posts cannot be read back, so an unknown outcome becomes `needs-check`.

Which adapter a client gets follows its platform's spec (core/platforms.py): a platform that
declares the social capability and writes threads publishes as X does, one that writes
commentary as LinkedIn does; the client itself must implement `SocialPublisher`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from mktdirector.core.errors import UsageError
from mktdirector.core.platforms import (
    PLATFORMS,
    Capability,
    spoken_list,
    with_capability,
)
from mktdirector.integrations.capabilities import SocialPublisher
from mktdirector.integrations.social import RemotePost

if TYPE_CHECKING:  # annotations only: a `--text` dry run loads no HTTP client (issue 17)
    import httpx

    from mktdirector.integrations.base import Integration
    from mktdirector.integrations.linkedin.client import LinkedInClient
    from mktdirector.integrations.twitter.client import TwitterClient


class Target(Protocol):
    platform: str
    can_read_back: bool

    def create(self, text: str, *, reply_to: str | None, media: str | None) -> RemotePost: ...
    def find(self, text: str, *, reply_to: str | None, since: float) -> RemotePost | None: ...
    def upload(self, path: str) -> str: ...
    def dry_run_request(self, text: str, *, reply_to: str | None) -> httpx.Request: ...
    def cost(self, text: str) -> float: ...
    def where_to_look(self, text: str) -> str: ...


@dataclass
class XTarget:
    client: TwitterClient
    platform: str  # the client's platform id: what the ledger rows of its posts are keyed by
    can_read_back: bool = True

    def create(self, text: str, *, reply_to: str | None, media: str | None) -> RemotePost:
        return self.client.create_post(
            text, reply_to=reply_to, media_ids=[media] if media else None
        )

    def find(self, text: str, *, reply_to: str | None, since: float) -> RemotePost | None:
        from mktdirector.core.xtext import URL_PLACEHOLDER, normalize_for_match

        want = normalize_for_match(text)
        for post in self.client.recent_posts(since=since):
            got = normalize_for_match(post.text)
            # X appends a t.co link for attached media: allow one extra trailing link.
            same_text = got == want or got.removesuffix(URL_PLACEHOLDER).rstrip() == want
            if same_text and post.reply_to == reply_to:
                return post
        return None

    def upload(self, path: str) -> str:
        return str(self.client.upload_image(path))

    def dry_run_request(self, text: str, *, reply_to: str | None) -> httpx.Request:
        return self.client.create_post_request(text, reply_to=reply_to)

    def cost(self, text: str) -> float:
        from mktdirector.integrations.twitter.client import post_cost

        return post_cost(text, self.client.config)

    def where_to_look(self, text: str) -> str:
        return f"your X profile's posts for one starting {text[:60]!r}"


@dataclass
class LinkedInTarget:
    client: LinkedInClient
    platform: str
    can_read_back: bool = False
    _author: str | None = None

    def author(self) -> str:
        if self._author is None:
            self._author = self.client.author_urn()
        return self._author

    def create(self, text: str, *, reply_to: str | None, media: str | None) -> RemotePost:
        return self.client.create_post(text, author=self.author(), image_urn=media)

    def find(self, text: str, *, reply_to: str | None, since: float) -> RemotePost | None:
        return None  # member posts cannot be read back without the closed r_member_social

    def upload(self, path: str) -> str:
        return str(self.client.upload_image(path, owner=self.author()))

    def dry_run_request(self, text: str, *, reply_to: str | None) -> httpx.Request:
        conn = self.client.connection
        author = conn.user_id if conn and conn.user_id else "urn:li:person:{your-member-id}"
        return self.client.create_post_request(text, author=author)

    def cost(self, text: str) -> float:
        return 0.0

    def where_to_look(self, text: str) -> str:
        return (
            f"https://www.linkedin.com/in/me/recent-activity/all/ for a post starting {text[:60]!r}"
        )


# The adapter of each platform, chosen by id and never by text format: an adapter carries the
# exactly-once rules (X's posts can be read back before any resend; LinkedIn's cannot, so a lost
# answer is needs-check), and guessing them for a new platform could post twice.
_ADAPTERS: dict[str, Callable[[Any, str], Target]] = {
    "twitter": XTarget,
    "linkedin": LinkedInTarget,
}


def target_for(client: Integration) -> Target:
    spec = PLATFORMS.get(client.name)
    adapter = _ADAPTERS.get(client.name) if spec and spec.can(Capability.SOCIAL) else None
    if adapter is None or not isinstance(client, SocialPublisher):
        raise UsageError(
            f"Publishing to {client.name} is not supported.",
            hint=f"Use {spoken_list(with_capability(Capability.SOCIAL))}",
        )
    return adapter(client, client.name)
