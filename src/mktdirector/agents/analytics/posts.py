"""Fresh metrics of one post, or of every post of a draft: what an assistant asks after a publish.

The reference is a draft id (or its last characters: every published segment of it) or a
platform's post id (one segment). Metrics are fetched now, through the platform's client, and
stored as snapshots like `mktd analytics fetch` does.
"""

from __future__ import annotations

from typing import Any, Protocol

from mktdirector.agents.analytics.social import post_analytics
from mktdirector.core.errors import UsageError
from mktdirector.integrations.base import Integration
from mktdirector.integrations.capabilities import as_post_metrics_source
from mktdirector.store import StoreLike
from mktdirector.store.errors import RecordNotFoundError
from mktdirector.store.rows import Post, PostStatus


class MetricsDeps(Protocol):
    @property
    def store(self) -> StoreLike: ...
    def integration(self, platform: str, account: str | None = None) -> Integration: ...


def published_posts_of(store: StoreLike, ref: str) -> tuple[str | None, list[Post]]:
    """(the draft id, its published posts) for a draft id, or for one platform post id."""
    ref = ref.strip()
    try:
        draft = store.get_draft(ref)
    except RecordNotFoundError:
        draft = None
    if draft is not None:
        posts = [p for p in store.draft_posts(draft["id"]) if _is_live(p)]
        if not posts:
            raise UsageError(
                f"Draft {draft['id']} is {draft['status']}: it has no published post yet.",
                hint=f"mktd publish {draft['id']} (once a person approved it)",
            )
        return draft["id"], posts
    posts = [p for p in store.published_posts() if p["remote_id"] == ref]
    if not posts:
        raise UsageError(
            f"No draft or published post {ref!r}.",
            hint="mktd drafts list --status published shows the drafts and their posts",
        )
    return posts[0]["draft_id"], posts[:1]


def metrics_of(deps: MetricsDeps, ref: str) -> dict[str, Any]:
    """Each post's metrics, fetched now (and stored as a snapshot)."""
    draft_id, posts = published_posts_of(deps.store, ref)
    first = posts[0]
    # The client the draft was published with: the draft's account (None: the default one).
    account = deps.store.get_draft(draft_id)["account"] if draft_id else None
    source = as_post_metrics_source(deps.integration(first["platform"], account))
    out = []
    for post in posts:
        remote = str(post["remote_id"])
        metrics = post_analytics(deps.store, source, remote)
        out.append({"segment": post["segment"], "url": post["url"], **metrics})
    return {"draft_id": draft_id, "platform": first["platform"], "posts": out}


def _is_live(post: Post) -> bool:
    return post["status"] == PostStatus.PUBLISHED and bool(post["remote_id"])
