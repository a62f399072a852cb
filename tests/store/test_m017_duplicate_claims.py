"""m017: posts that an earlier mktd adopted from another draft's duplicate are un-claimed, so
reports and `analytics fetch` count each platform post once (issue 11 item 1)."""

from __future__ import annotations

from mktdirector.store.rows import DraftStatus, PostStatus
from mktdirector.store.sqlite.migrations import m017_unclaim_duplicate_posts


def _draft_with_post(store, remote: str, *, segment_text: str = "Same words twice") -> str:  # type: ignore[no-untyped-def]
    from mktdirector.agents.content import drafts
    from mktdirector.agents.content.brand import Brand

    did = drafts.create_draft(store, Brand(), platform="linkedin", kind="post",
                              body=[segment_text], utm=False).id  # fmt: skip
    pid = store.write_intent(did, 0, platform="linkedin", account=None, text=segment_text,
                             reply_to=None)  # fmt: skip
    store.mark_post(pid, PostStatus.PUBLISHED, remote_id=remote, url=f"https://li/{remote}")
    store.update_draft(did, None, status=DraftStatus.PUBLISHED)
    return did


def test_later_claims_of_one_post_are_unclaimed_and_the_first_kept(store) -> None:  # type: ignore[no-untyped-def]
    first = _draft_with_post(store, "urn:li:share:1")
    second = _draft_with_post(store, "urn:li:share:1")  # adopted by the old rule
    third = _draft_with_post(store, "urn:li:share:1")
    other = _draft_with_post(store, "urn:li:share:2", segment_text="Different")
    assert len(store.published_posts()) == 4

    m017_unclaim_duplicate_posts(store.db)

    kept = store.published_posts()
    assert sorted((p["draft_id"], p["remote_id"]) for p in kept) == sorted(
        [(first, "urn:li:share:1"), (other, "urn:li:share:2")]
    )
    for did in (second, third):
        d = store.get_draft(did)
        assert d["status"] == DraftStatus.FAILED and "urn:li:share:1" in d["error"]
        [post] = store.draft_posts(did)
        assert post["status"] == PostStatus.FAILED and first in post["error"]
    assert store.get_draft(first)["status"] == DraftStatus.PUBLISHED
    m017_unclaim_duplicate_posts(store.db)  # idempotent
    assert len(store.published_posts()) == 2
