"""Deleting a published post on its platform: `mktd posts delete ID`.

The ledger never forgets a post: its rows stay, marked `deleted` with `deleted_utc`, so the
report and metrics stop counting it while `drafts show` still says it was published. Each
segment of a thread is deleted newest first (the replies before what they answer).

Exactly-once thinking: a DELETE whose answer was lost is re-checked by asking again. Both
platforms answer 404 for a post that is gone (the clients return False), so the second answer
settles it either way; only when that one is lost too does the post stay `published`, with an
attempt row saying the outcome is unknown, and the command is safe to run again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from mktdirector.core import errors as E
from mktdirector.core.correlation import correlated
from mktdirector.store.protocols import StoreLike
from mktdirector.store.rows import AttemptOutcome, Draft, Post, PostStatus
from mktdirector.store.stamps import now_utc

# Errors after which the DELETE may have reached the platform: ask again to know.
LOST_ANSWER = (E.ApiTimeoutError, E.ApiConnectionError, E.ServerError)


@runtime_checkable
class DeletesPosts(Protocol):
    name: str
    label: str

    def delete_post(self, remote_id: str, /) -> bool: ...


class DeleteDeps(Protocol):
    @property
    def store(self) -> StoreLike: ...
    def integration(self, platform: str, account: str | None = None) -> Any: ...


@dataclass(frozen=True)
class DeletePlan:
    """What `posts delete` will remove (shown before asking)."""

    draft: Draft
    posts: list[Post]

    @property
    def platform(self) -> str:
        return str(self.draft["platform"])

    @property
    def account(self) -> str | None:
        return self.posts[0].get("account") or self.draft.get("account")

    def to_dict(self) -> dict[str, Any]:
        return {
            "draft_id": self.draft["id"],
            "platform": self.platform,
            "account": self.account,
            "posts": [
                {"segment": p["segment"], "remote_id": p["remote_id"], "url": p["url"],
                 "text": p["text"]}
                for p in self.posts
            ],
        }  # fmt: skip


@dataclass
class DeleteResult:
    draft_id: str
    platform: str
    deleted: list[str] = field(default_factory=list)  # remote ids now gone
    already_gone: list[str] = field(default_factory=list)  # gone before we asked

    def to_dict(self) -> dict[str, Any]:
        return {"draft_id": self.draft_id, "platform": self.platform, "status": "deleted",
                "deleted": self.deleted, "already_gone": self.already_gone}  # fmt: skip


def plan_delete(store: StoreLike, draft_id: str) -> DeletePlan:
    """The draft's published segments, or a refusal naming why there is nothing to delete."""
    draft = store.get_draft(draft_id)
    posts = [p for p in store.draft_posts(draft["id"]) if p["status"] == PostStatus.PUBLISHED]
    if not posts or not all(p.get("remote_id") for p in posts):
        deleted = any(p["status"] == PostStatus.DELETED for p in store.draft_posts(draft["id"]))
        raise E.UsageError(
            f"Draft {draft['id']} has no published post to delete"
            + (" (it was deleted already)." if deleted else f" (it is {draft['status']})."),
            hint="mktd drafts list --status published",
        )
    return DeletePlan(draft, posts)


def delete(deps: DeleteDeps, plan: DeletePlan, *, confirmed: bool) -> DeleteResult:
    """Delete every published segment on the platform and mark it deleted in the ledger."""
    did = plan.draft["id"]
    if not confirmed:
        raise E.MktdError("Not deleted.", hint=f"mktd posts delete {did} --yes")
    # The account the draft asked for (None: the default), as publishing chose its client.
    client = deps.integration(plan.platform, plan.draft.get("account"))
    if not isinstance(client, DeletesPosts):
        raise E.UsageError(f"mktd cannot delete posts on {plan.platform}.")
    result = DeleteResult(did, plan.platform)
    with correlated(did):  # the DELETE calls are listed by `mktd logs --draft ID`
        for post in sorted(plan.posts, key=lambda p: p["segment"], reverse=True):
            _delete_one(deps.store, client, post, result)
    return result


def _delete_one(store: StoreLike, client: DeletesPosts, post: Post, result: DeleteResult) -> None:
    remote = str(post["remote_id"])
    try:
        existed = _ask_twice(client, remote)
    except LOST_ANSWER as e:
        store.record_attempt(post["draft_id"], post["segment"], AttemptOutcome.DELETE_UNKNOWN,
                             error_kind=e.kind, detail=f"delete {remote}: {e.message}")  # fmt: skip
        raise E.IntegrationError(
            f"Could not learn whether post {remote} was deleted: {e.message}",
            platform=client.name,
            hint=f"Run mktd posts delete {post['draft_id']} again (deleting twice is safe)",
        ) from None
    store.mark_post(post["id"], PostStatus.DELETED, deleted_utc=now_utc())
    store.record_attempt(post["draft_id"], post["segment"], AttemptOutcome.DELETED,
                         detail=f"deleted {remote}" if existed else f"{remote} was gone already")  # fmt: skip
    (result.deleted if existed else result.already_gone).append(remote)


def _ask_twice(client: DeletesPosts, remote: str) -> bool:
    """True: deleted now; False: it was gone. A lost answer is settled by asking again."""
    try:
        return client.delete_post(remote)
    except LOST_ANSWER:
        client.delete_post(remote)  # either answer means gone; a 404 now is our first DELETE
        return True
