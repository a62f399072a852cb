"""PostLedger.outcome_batch: what a create's answer settles is one commit on every backend."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mktdirector.store.protocols import StoreLike
from mktdirector.store.rows import AttemptOutcome, Draft, DraftStatus, PostStatus

NOW = 1_800_000_000.0
ME = "this-host:100:aaaa"


def claimed_intent(store: StoreLike, add_draft: Callable[..., Draft]) -> tuple[str, str]:
    d = add_draft(approved=True)
    store.claim_draft(d["id"], ME, now=NOW, lease_s=60)
    pid = store.write_intent(d["id"], 0, platform="twitter", account=None, text="t", reply_to=None)
    return d["id"], pid


@pytest.mark.parametrize("durable", [True, False])
def test_the_attempt_the_post_id_and_the_drafts_end_commit_together(
    store: StoreLike, add_draft: Callable[..., Draft], durable: bool
) -> None:
    did, pid = claimed_intent(store, add_draft)
    with store.outcome_batch(durable=durable):
        store.record_attempt(did, 0, AttemptOutcome.CREATED, detail="190")
        store.mark_post(pid, PostStatus.PUBLISHED, remote_id="190", url="https://x.com/i/190")
        store.finish_draft(did, ME, DraftStatus.PUBLISHED)
    assert [a["outcome"] for a in store.attempts(did)] == [AttemptOutcome.CREATED]
    assert [(p["status"], p["remote_id"]) for p in store.draft_posts(did)] == [
        (PostStatus.PUBLISHED, "190")
    ]
    assert store.get_draft(did)["status"] == DraftStatus.PUBLISHED


def test_a_batch_that_fails_leaves_the_intent_row_and_nothing_else(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    did, pid = claimed_intent(store, add_draft)
    with pytest.raises(RuntimeError), store.outcome_batch(durable=False):
        store.record_attempt(did, 0, AttemptOutcome.CREATED, detail="190")
        store.mark_post(pid, PostStatus.PUBLISHED, remote_id="190")
        store.finish_draft(did, ME, DraftStatus.PUBLISHED)
        raise RuntimeError("the disk filled up")
    assert store.attempts(did) == []
    assert [p["status"] for p in store.draft_posts(did)] == [PostStatus.INTENT]
    assert store.get_draft(did)["status"] == DraftStatus.PUBLISHING
