"""Publishing and scheduling asked for by an AI assistant (the MCP tools): no tool approves.

A draft goes out only when a person approved exactly its current text (the approval records the
content hash; an edit clears it). Otherwise the request is refused with `ApprovalRequired`, which
names how a person approves it, before any platform client is even built. A user who wants an
autonomous assistant opts in per platform (`mcp.autonomy = ["twitter"]`): there the assistant's
request approves the draft, and the actions log says the assistant approved it.

Publishing again is idempotent: a published draft answers with its posts and sends nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mktdirector.agents.content import drafts
from mktdirector.agents.ops import actions
from mktdirector.agents.social import posting
from mktdirector.agents.social import schedule as sched
from mktdirector.agents.social.publisher import PublishResult
from mktdirector.agents.social.publishing import check_publishable
from mktdirector.core import paths
from mktdirector.core.config import find_key
from mktdirector.core.errors import ConfigError, UsageError
from mktdirector.store.rows import Draft, DraftStatus

# Statuses in which a recorded approval still stands (scheduled and failed keep theirs).
_APPROVAL_KEPT = frozenset(
    {DraftStatus.APPROVED, DraftStatus.SCHEDULED, DraftStatus.FAILED, DraftStatus.PUBLISHING}
)


class ApprovalRequired(UsageError):
    """The draft has no human approval of its current text: a person must approve it first."""

    kind = "approval_required"

    def __init__(self, draft: Draft, reason: str, dashboard_url: str | None) -> None:
        did = draft["id"]
        how = f"A person approves it with: mktd drafts approve {did}"
        page = f"{dashboard_url}/ui/drafts/{did}" if dashboard_url else None
        if page:
            how += f" (or in the dashboard: {page})"
        super().__init__(f"Draft {did} {reason}; an assistant cannot approve it.", hint=how)
        self.draft_id = did
        self.reason = reason
        self.approve_command = f"mktd drafts approve {did}"
        self.dashboard_url = page

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "draft_id": self.draft_id,
            "approve_command": self.approve_command,
            "dashboard_url": self.dashboard_url,
        }


def dashboard_url(get: Callable[[str], Any], home: Path) -> str | None:
    """`mcp.dashboard_url` when set, else the URL the running `mktd serve` recorded."""
    from mktdirector.core import served

    configured = get("mcp.dashboard_url")
    if configured:
        return str(configured).rstrip("/")
    return served.running_url(home)


@dataclass(frozen=True)
class Approval:
    """Who stands behind a publish: `human`, or `assistant` on an opted-in platform."""

    by: str
    note: str | None = None


@dataclass(frozen=True)
class AssistantPublish:
    result: PublishResult
    approval: Approval
    already_published: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.result.to_dict(),
            "approved_by": self.approval.by,
            "already_published": self.already_published,
        }


def autonomous_platforms(deps: posting.PostingDeps) -> list[str]:
    """`mcp.autonomy`: a list in config.toml, or `twitter,linkedin` from `mktd config set`/env."""
    value = deps.config.get("mcp.autonomy") or []
    if isinstance(value, str):
        value = [value]
    try:
        return list(find_key("mcp.autonomy").parse(",".join(str(v) for v in value)))
    except ValueError as e:  # a list written by hand in config.toml is checked only here
        raise ConfigError(
            f"Invalid value for mcp.autonomy: {e}.", hint="mktd config set mcp.autonomy twitter"
        ) from None


def human_approved(draft: Draft) -> bool:
    """A recorded approval of exactly the current content, in a status that keeps it."""
    ahash = draft.get("approved_hash")
    return bool(ahash) and ahash == draft["content_hash"] and draft["status"] in _APPROVAL_KEPT


def publish(deps: posting.PostingDeps, draft_id: str) -> AssistantPublish:
    """Publish an approved draft exactly once; refuse one no person approved."""
    draft = deps.store.get_draft(draft_id)
    check_publishable(draft)
    if draft["status"] == DraftStatus.PUBLISHED:
        return AssistantPublish(_published(deps, draft), Approval("human"), already_published=True)
    approval = _approval(deps, draft)
    ticket = posting.ready_to_publish(deps, draft["id"])
    # The confirmation is the person's approval of this text (or their autonomy opt-in).
    result = posting.publish(deps, ticket, confirmed=True)
    return AssistantPublish(result, approval)


def schedule(
    deps: posting.PostingDeps, draft_id: str, when: str, *, tz: str | None = None
) -> tuple[sched.QueuedJob, Approval]:
    """Queue an approved draft for the worker at WHEN; refuse one no person approved."""
    draft = deps.store.get_draft(draft_id)
    check_publishable(draft)
    if draft["status"] == DraftStatus.PUBLISHED:
        raise UsageError(f"Draft {draft['id']} is already published.",
                         hint=f"mktd drafts show {draft['id']}")  # fmt: skip
    approval = _approval(deps, draft)
    return posting.schedule_draft(deps, draft["id"], when, tz=tz), approval


def _approval(deps: posting.PostingDeps, draft: Draft) -> Approval:
    """The human approval that stands, or the assistant's on an opted-in platform, or refuse."""
    if human_approved(draft):
        return Approval("human")
    _refuse_settled(draft)
    reason = (
        "changed since a person approved it"
        if draft.get("approved_hash") and draft["approved_hash"] != draft["content_hash"]
        else f"is {draft['status']}, not approved by a person"
    )
    if draft["platform"] not in autonomous_platforms(deps) or draft["status"] not in {
        DraftStatus.DRAFT,
        DraftStatus.FAILED,
    }:
        raise ApprovalRequired(
            draft,
            reason,
            dashboard_url(deps.config.get, getattr(deps, "home", None) or paths.home()),
        )
    drafts.approve(deps.store, draft["id"])  # lint errors still refuse: no --force here
    note = f"approved by the assistant: mcp.autonomy includes {draft['platform']}"
    actions.record(
        deps.store,
        source="mcp",
        actor=actions.ASSISTANT,
        action="approve",
        outcome="ok",
        detail=note,
        draft_id=draft["id"],
    )
    return Approval(actions.ASSISTANT, note)


def _refuse_settled(draft: Draft) -> None:
    """A draft that approval would not help: a person must look first, or it was rejected."""
    did = draft["id"]
    if draft["status"] == DraftStatus.NEEDS_CHECK:
        raise UsageError(
            f"Draft {did} needs a person to check whether it was posted; nothing is sent until then.",
            hint=f"Look for the post, then: mktd publish {did} --resolve posted|not-posted",
        )
    if draft["status"] == DraftStatus.REJECTED:
        reason = draft.get("rejected_reason") or "no reason given"
        raise UsageError(f"Draft {did} was rejected ({reason}).", hint=f"mktd drafts show {did}")


def _published(deps: posting.PostingDeps, draft: Draft) -> PublishResult:
    rows = deps.store.draft_posts(draft["id"])
    posts = [
        {"segment": r["segment"], "id": r["remote_id"], "url": r["url"], "text": r["text"],
         "created_at": r["published_utc"], "status": r["status"]}
        for r in rows
    ]  # fmt: skip
    cost = sum(r["cost_usd"] or 0.0 for r in rows)
    return PublishResult(
        draft["id"], draft["platform"], DraftStatus.PUBLISHED, posts,
        "Already published: nothing was sent again.", cost,
    )  # fmt: skip
