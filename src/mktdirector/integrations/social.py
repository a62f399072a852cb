"""What the social clients (LinkedIn, X) share: result dataclasses and their error types.

Publishing (agents/) builds on these: `RemotePost` is what a create returns and what read-back
lists, `MetricRow` is one snapshot of a post's numbers, and `DuplicateContentError` is the
platform saying "this exact text is already published" (publishing decides whose post that is:
agents/social/duplicates.py).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from mktdirector.core.errors import ConfigError, ConflictError


@dataclass(frozen=True)
class RemotePost:
    """A post as the platform knows it."""

    id: str  # X: numeric id; LinkedIn: urn:li:share:… / urn:li:ugcPost:…
    url: str
    text: str
    created_at: str | None = None  # ISO 8601 UTC, "…Z"
    platform: str = ""
    reply_to: str | None = None  # X: the post this one replies to

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class MetricRow:
    """One post's metrics at `fetched_at`. None means "not available", never zero."""

    platform: str
    post_id: str
    fetched_at: str
    impressions: int | None = None
    likes: int | None = None  # LinkedIn: reactions
    reposts: int | None = None
    replies: int | None = None  # LinkedIn: comments
    quotes: int | None = None
    bookmarks: int | None = None
    link_clicks: int | None = None
    profile_clicks: int | None = None
    engagements: int | None = None
    reach: int | None = None  # LinkedIn: members reached
    private: bool = False  # True when owner-only (non-public/organic) figures are included
    raw: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        # Shallow on purpose: asdict() deep-copies `raw` (the platform's whole answer for the
        # post), which was half the client time of a 5,000-post fetch (benchmarks/x_metrics.py).
        return {f.name: getattr(self, f.name) for f in fields(self)}


class DuplicateContentError(ConflictError):
    """The platform refused a create because the same content is already published.

    X answers 403 "duplicate content" (no id of the existing post); LinkedIn answers 422
    DUPLICATE_POST and names the URN in its message (`existing_id`, which may point at a
    post that no longer exists, see the reference card). Publishing adopts that post only when
    the same draft made an earlier attempt whose outcome was unknown; otherwise it refuses.
    """

    kind = "duplicate"

    def __init__(self, message: str, *, existing_id: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.existing_id = existing_id

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["existing_id"] = self.existing_id
        return d


class CapabilityError(ConfigError):
    """The app or token cannot do this at all (a product or scope LinkedIn/X must grant)."""

    kind = "capability"

    def __init__(self, message: str, *, platform: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.platform = platform


def utc_iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def now_iso() -> str:
    return utc_iso(datetime.now(UTC).timestamp())
