"""Approving what was reviewed: a front end that shows a draft and later sends "approve" (the
dashboard, the HTTP API with If-Match) passes the content hash it showed, and approval is
refused when the draft changed in between, so exactly the reviewed text is approved.
"""

from __future__ import annotations

from mktdirector.agents.content import drafts
from mktdirector.agents.content.drafts import DraftView
from mktdirector.core.errors import UsageError
from mktdirector.store.errors import Refusal, StateRefusedError
from mktdirector.store.protocols import StoreLike


class ContentChangedError(UsageError):
    """The draft's content is no longer the content the reviewer saw; nothing was approved."""

    kind = "content_changed"

    def __init__(self, draft_id: str, seen: str, current: str) -> None:
        super().__init__(
            f"Draft {draft_id} changed since you reviewed it; it was not approved.",
            hint="Reload the draft, review it again, then approve",
        )
        self.draft_id = draft_id
        self.seen = seen
        self.current = current


def approve_reviewed(
    store: StoreLike, draft_id: str, seen_hash: str, *, force: bool = False
) -> DraftView:
    """Approve `draft_id` only if its content hash is still `seen_hash`."""
    draft = store.get_draft(draft_id)
    current = str(draft["content_hash"])
    if seen_hash.strip().strip('"') != current:
        raise ContentChangedError(str(draft["id"]), seen_hash, current)
    try:
        return drafts.approve(store, str(draft["id"]), force=force)
    except StateRefusedError as err:
        # An edit landed between the read above and the store's conditional approval.
        if err.reason != Refusal.CHANGED_SINCE_APPROVAL:
            raise
        now = str(store.get_draft(str(draft["id"]))["content_hash"])
        raise ContentChangedError(str(draft["id"]), seen_hash, now) from None
