"""The posting flow's requests, answers and refusals (the flow itself is agents/social/posting.py).

Kept apart so the flow module stays one use case; front ends import these names through
`posting` as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from mktdirector.agents.content import compose
from mktdirector.agents.content.brand import Brand
from mktdirector.agents.content.drafts import DraftView
from mktdirector.core.config import Config
from mktdirector.core.errors import ConfigError, UsageError
from mktdirector.store.protocols import StoreLike
from mktdirector.store.rows import DraftStatus

if TYPE_CHECKING:  # annotations only: a `--text` dry run loads no HTTP client (issue 17),
    # no LLM and no schedule parsing (~3 ms)
    from mktdirector.agents.social import schedule as sched
    from mktdirector.integrations.base import Integration
    from mktdirector.llm import LLM


class PostingDeps(Protocol):
    """What the posting flow needs (mktdirector.wiring.Deps provides it)."""

    @property
    def store(self) -> StoreLike: ...
    @property
    def config(self) -> Config: ...
    def brand(self) -> Brand: ...
    def llm(self) -> LLM: ...
    def integration(self, platform: str, account: str | None = None) -> Integration: ...


@dataclass(frozen=True)
class PostRequest:
    """What a user asked for: a topic for the LLM, or their own text (typed or from a file)."""

    platform: str
    topic: str | None = None
    text: str | None = None
    from_file: bool = False
    style: str = "professional"
    include_cta: bool = True
    thread_length: int | None = None
    campaign: str | None = None
    account: str | None = None
    no_brand: bool = False  # publish generated text although the brand voice is not set

    @property
    def source(self) -> str:
        return "llm" if self.topic is not None else ("file" if self.from_file else "text")

    @property
    def key(self) -> str:
        """The same request gives the same key, so a re-run finds the draft it made."""
        return compose.input_key(
            self.platform,
            topic=self.topic,
            text=self.text,
            style=self.style,
            thread_length=self.thread_length,
            include_cta=self.include_cta,
            account=self.account,
        )


class Next(StrEnum):
    """What the front end does with a prepared draft."""

    SHOW = "show"  # nothing more to do: show it (a new or unapproved one with the next step)
    PUBLISH = "publish"  # ask, then approve_for_publishing() and publish()
    SCHEDULE = "schedule"  # ask, then approve_and_schedule()


@dataclass(frozen=True)
class Prepared:
    """A draft ready for its next step; `resumed` is the status of an earlier run's draft."""

    view: DraftView
    next: Next
    when: sched.When | None = None
    resumed: str | None = None
    brand_warning: str | None = None  # generated without the user's brand voice: say so loudly

    @property
    def already_published(self) -> bool:
        return self.resumed == DraftStatus.PUBLISHED

    @property
    def needs_approval(self) -> bool:
        """A fresh draft is approved by the same confirmation that publishes it."""
        return str(self.view.draft["status"]) == DraftStatus.DRAFT


@dataclass(frozen=True)
class DryRun:
    """A composed draft that was not saved, and (when publishing) the requests it would send."""

    request: PostRequest
    composed: compose.Composed
    requests: dict[str, Any] | None = None
    when: sched.When | None = None
    brand_warning: str | None = None

    @property
    def draft(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": None,
            "platform": self.request.platform,
            "kind": self.composed.kind,
            "body": self.composed.body,
            "status": "dry run",
            "topic": self.request.topic,
            "saved": False,
        }
        if self.requests is not None:
            data["publish"] = self.requests
        if self.brand_warning:
            data["brand_warning"] = self.brand_warning
        return data

    def to_dict(self) -> dict[str, Any]:
        return {**self.draft, "findings": [f.to_dict() for f in self.composed.findings]}


@dataclass(frozen=True)
class PublishTicket:
    """An approved social draft, its client, and a warning to show before sending."""

    draft_id: str
    client: Integration
    warning: str | None

    @property
    def label(self) -> str:
        return self.client.label


@dataclass(frozen=True)
class Scheduled:
    """A draft approved and queued for the worker."""

    view: DraftView
    status: str
    job: sched.QueuedJob

    def to_dict(self) -> dict[str, Any]:
        return {**self.view.to_dict(), "status": self.status, "schedule": self.job.to_dict()}


class AlreadyPublished(UsageError):
    """The same request was published before: publishing again needs a new draft."""

    def __init__(self, draft_id: str, url: str | None) -> None:
        super().__init__(
            f"This was already published (draft {draft_id}: {url or 'no URL'}).",
            hint="Add --new to publish it again as a new post",
        )
        self.draft_id = draft_id
        self.url = url


class BrandVoiceNotSet(ConfigError):
    """Publishing or scheduling LLM text written without the user's brand voice, unasked."""

    kind = "brand_not_set"

    def __init__(self, problem: str) -> None:
        super().__init__(
            f"{problem} Not publishing it.",
            hint="mktd brand edit (or, to publish without a brand voice: --no-brand --yes)",
        )
