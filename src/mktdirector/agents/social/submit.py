"""One request in, one outcome out: the HTTP API's `POST /social/{platform}/posts` (and any
front end that cannot ask a question half-way: the request itself carries the confirmation).

The steps are the CLI's `mktd social P ... --publish --yes` / `--schedule WHEN --yes`, in the
same order and through the same posting flow: resolve WHEN before any LLM call, prepare (or
resume) the draft, then approve and publish, or approve and schedule, or just keep the draft.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mktdirector.agents.content.drafts import body_to_text
from mktdirector.agents.social import posting
from mktdirector.agents.social.posting import Next, PostingDeps, PostRequest, Prepared, Scheduled
from mktdirector.agents.social.publisher import PublishResult
from mktdirector.core.errors import UsageError


@dataclass(frozen=True)
class Submitted:
    """What became of a request: a kept draft, a scheduled one, or a publish result."""

    prepared: Prepared
    published: PublishResult | None = None
    scheduled: Scheduled | None = None

    @property
    def status(self) -> str:
        if self.published is not None:
            return self.published.status
        if self.scheduled is not None:
            return self.scheduled.status
        return str(self.prepared.view.draft["status"])

    def to_dict(self) -> dict[str, Any]:
        """The brief's result shape (id, platform, text, url, created_at, status) with the
        draft id and the thread; a draft not (yet) published has no post id or URL."""
        draft = self.prepared.view.draft
        if self.published is not None:
            out = self.published.to_dict()
        else:
            out = {
                "id": None, "post_id": None, "draft_id": self.prepared.view.id,
                "platform": draft["platform"], "text": body_to_text(draft), "url": None,
                "created_at": draft.get("created_utc"), "status": self.status,
                "thread_results": [], "message": "", "cost_usd": 0.0,
            }  # fmt: skip
        out["resumed"] = self.prepared.resumed
        out["findings"] = [f.to_dict() for f in self.prepared.view.findings]
        out["schedule"] = self.scheduled.job.to_dict() if self.scheduled is not None else None
        return out


def submit(
    deps: PostingDeps,
    request: PostRequest,
    *,
    publish: bool = False,
    schedule_at: str | None = None,
    new: bool = False,
    on_text: Callable[[str], None] | None = None,
) -> Submitted:
    """Draft (or resume), then publish or schedule when asked: the request is the confirmation.

    A rate limit while publishing queues the post and raises RateLimitError (as in the CLI).
    """
    if not request.topic and not request.text:
        raise UsageError("Give a topic or a text.", hint='{"topic": "AI ROI"}')
    if request.topic and request.text:
        raise UsageError("Give a topic or a text, not both.", hint='{"topic": "AI ROI"}')
    pid = posting.check_platform(request.platform)
    if pid != request.platform:
        request = PostRequest(**{**request.__dict__, "platform": pid})
    when = posting.when_for(deps, pid, schedule_at, publish=publish)
    prepared = posting.prepare(deps, request, publish=publish, when=when, new=new, on_text=on_text)
    if prepared.next is Next.SCHEDULE:
        return Submitted(
            prepared, scheduled=posting.approve_and_schedule(deps, prepared, confirmed=True)
        )
    if prepared.next is Next.PUBLISH:
        ticket = posting.approve_for_publishing(deps, prepared, confirmed=True)
        return Submitted(prepared, published=posting.publish(deps, ticket, confirmed=True))
    return Submitted(prepared)
