"""The duplicate rule, for every platform (DESIGN.md section 5, docs/reliability.md).

A platform that refuses a create as duplicate content (X 403 / `{"code": 187}`, LinkedIn 422
DUPLICATE_POST, any future `DuplicateContentError`) is saying "a post with this text exists".
That post is *this* draft's own only when this draft made an earlier attempt at the segment
whose outcome was unknown: an intent row left by a crashed run, a lost answer, a needs-check.
Then the duplicate is adopted. Otherwise some other post (another draft, or one written by
hand) already has the text, and adopting it would report a post that was never made and count
its engagement twice: the publish is refused, naming that post and its draft.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mktdirector.core import errors as E
from mktdirector.core.platforms import PLATFORMS
from mktdirector.integrations.social import DuplicateContentError
from mktdirector.store import StoreLike
from mktdirector.store.rows import AttemptOutcome, Post, PostStatus

# Outcomes that leave "did it go out?" open: a duplicate after one of these may be our own post.
_UNKNOWN = {AttemptOutcome.UNKNOWN, AttemptOutcome.NEEDS_CHECK, AttemptOutcome.NOT_FOUND}


class DuplicatePostError(E.IntegrationError):
    """The platform refused the text because another post already has it (not this draft's)."""

    exit_code = E.ExitCode.ERROR  # the platform works; the text has to change
    kind = "duplicate_refused"

    def __init__(
        self,
        message: str,
        *,
        platform: str,
        existing_id: str | None,
        existing_draft: str | None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, platform=platform, hint=hint)
        self.existing_id = existing_id
        self.existing_draft = existing_draft

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d.update(existing_id=self.existing_id, existing_draft=self.existing_draft)
        return d


def earlier_unknown(
    store: StoreLike, draft_id: str, segment: int, row: Mapping[str, Any] | None
) -> bool:
    """True when this draft already tried this segment and never learnt whether it went out."""
    if row is not None and row.get("status") in (PostStatus.INTENT, PostStatus.NEEDS_CHECK):
        return True  # an intent without an answer: a crashed or cut-off run
    return any(
        a["segment"] == segment and a["outcome"] in _UNKNOWN for a in store.attempts(draft_id)
    )


def duplicated_post(
    store: StoreLike, platform: str, draft_id: str, text: str, existing_id: str | None
) -> Post | None:
    """The post mktd published (for another draft) that the platform says has this text."""
    from mktdirector.core.xtext import normalize_for_match

    want = normalize_for_match(text)
    by_text = None
    for post in store.published_posts(platform=platform):
        if post["draft_id"] == draft_id:
            continue
        if existing_id and post["remote_id"] == existing_id:
            return post
        if by_text is None and normalize_for_match(post["text"] or "") == want:
            by_text = post
    return by_text


def refusal(
    store: StoreLike, platform: str, draft_id: str, segment: int, text: str,
    dup: DuplicateContentError,
) -> DuplicatePostError:  # fmt: skip
    """The error that says which post (and draft) already has this text."""
    info = PLATFORMS.get(platform)
    label = info.label if info else platform
    other = duplicated_post(store, platform, draft_id, text, dup.existing_id)
    part = f"Post {segment + 1} of draft {draft_id}" if segment else f"Draft {draft_id}"
    if other is not None:
        rid = other["remote_id"]
        what = f"post {rid} ({other['url']}) of draft {other['draft_id']}"
    elif dup.existing_id:
        what = f"post {dup.existing_id}, which mktd did not publish"
    else:
        what = f"an earlier post on {label} that mktd did not publish"
    return DuplicatePostError(
        f"{part} was not published: {label} refused it as a duplicate of {what}.",
        platform=platform,
        existing_id=other["remote_id"] if other else dup.existing_id,
        existing_draft=other["draft_id"] if other else None,
        hint=f"Change the text (mktd drafts edit {draft_id}) and publish again",
    )
