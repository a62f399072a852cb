"""PostLedger: the publishing lease, intent before the create call, confirm after, attempts."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mktdirector.store.errors import RecordNotFoundError, Refusal, StateRefusedError
from mktdirector.store.protocols import StoreLike
from mktdirector.store.rows import Draft, DraftStatus, PostStatus

NOW = 1_800_000_000.0
ME = "this-host:100:aaaa"
OTHER = "another-host:200:bbbb"  # on another host: never presumed dead


def test_an_approved_draft_is_claimed_under_a_lease(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    d = add_draft(approved=True)
    got = store.claim_draft(d["id"], ME, now=NOW, lease_s=60)
    assert got["status"] == DraftStatus.PUBLISHING
    assert (got["lease_owner"], got["lease_until"]) == (ME, NOW + 60)
    store.renew_lease(d["id"], ME, NOW + 120)
    store.renew_lease(d["id"], OTHER, NOW + 999)  # not the holder: ignored
    assert store.get_draft(d["id"])["lease_until"] == NOW + 120


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({}, Refusal.NOT_APPROVED),  # still a draft
        ({"status": DraftStatus.PUBLISHED}, Refusal.ALREADY_PUBLISHED),
        ({"status": DraftStatus.NEEDS_CHECK}, Refusal.NEEDS_CHECK),
        ({"status": DraftStatus.APPROVED, "approved_hash": "old"}, Refusal.CHANGED_SINCE_APPROVAL),
    ],
)
def test_a_claim_is_refused_with_its_reason_and_changes_nothing(
    store: StoreLike, add_draft: Callable[..., Draft], fields: dict[str, str], reason: Refusal
) -> None:
    d = add_draft(**fields)
    with pytest.raises(StateRefusedError) as info:
        store.claim_draft(d["id"], ME, now=NOW, lease_s=60)
    assert info.value.reason is reason and info.value.ref == d["id"]
    assert info.value.hint is None  # wording is the front end's
    assert store.get_draft(d["id"]) == d


def test_a_live_lease_of_another_process_is_respected_until_it_runs_out(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    d = add_draft(approved=True)
    store.claim_draft(d["id"], OTHER, now=NOW, lease_s=60)
    with pytest.raises(StateRefusedError) as info:
        store.claim_draft(d["id"], ME, now=NOW + 59, lease_s=60)
    assert info.value.reason is Refusal.LEASED
    assert store.get_draft(d["id"])["lease_owner"] == OTHER
    taken = store.claim_draft(d["id"], ME, now=NOW + 61, lease_s=60)
    assert (taken["lease_owner"], taken["lease_until"]) == (ME, NOW + 121)


def test_claiming_a_missing_draft_is_not_found(store: StoreLike) -> None:
    with pytest.raises(RecordNotFoundError):
        store.claim_draft("01NOPE", ME, now=NOW, lease_s=60)


def test_intent_is_written_before_and_confirmed_after_each_segment(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    d = add_draft(approved=True, kind="thread", body=["a", "b"])
    store.claim_draft(d["id"], ME, now=NOW, lease_s=60)
    first = store.write_intent(d["id"], 0, platform="twitter", account="main", text="a",
                               reply_to=None)  # fmt: skip
    [row] = store.draft_posts(d["id"])
    assert (row["id"], row["status"], row["remote_id"]) == (first, PostStatus.INTENT, None)
    store.mark_post(first, PostStatus.PUBLISHED, remote_id="111", url="https://x.com/i/111")
    second = store.write_intent(d["id"], 1, platform="twitter", account="main", text="b",
                                reply_to="111")  # fmt: skip
    posts = store.draft_posts(d["id"])
    assert [(p["segment"], p["status"], p["remote_id"]) for p in posts] == [
        (0, "published", "111"),
        (1, "intent", None),
    ]
    assert posts[0]["published_utc"] and posts[1]["reply_to"] == "111"
    # a retried segment renews its intent on the same row instead of adding one
    store.mark_post(second, PostStatus.FAILED, error="boom")
    again = store.write_intent(d["id"], 1, platform="twitter", account="main", text="b",
                               reply_to="111")  # fmt: skip
    assert again == second
    retried = store.draft_posts(d["id"])[1]
    assert (retried["status"], retried["error"]) == (PostStatus.INTENT, None)


def test_finishing_releases_the_lease_only_for_its_holder(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    d = add_draft(approved=True)
    store.claim_draft(d["id"], ME, now=NOW, lease_s=60)
    store.finish_draft(d["id"], OTHER, DraftStatus.FAILED)  # not the holder: nothing happens
    assert store.get_draft(d["id"])["status"] == DraftStatus.PUBLISHING
    store.finish_draft(d["id"], ME, DraftStatus.PUBLISHED, published_utc="2026-05-01T09:00:00Z")
    done = store.get_draft(d["id"])
    assert (done["status"], done["lease_owner"], done["lease_until"]) == ("published", None, None)
    assert done["published_utc"] == "2026-05-01T09:00:00Z"


def test_attempts_are_kept_in_order_with_short_details(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    d = add_draft()
    store.record_attempt(d["id"], 0, "unknown", error_kind="timeout", detail="timed out")
    store.record_attempt(d["id"], 0, "reconciled", detail="x" * 500)
    rows = store.attempts(d["id"])
    assert [(r["outcome"], r["error_kind"]) for r in rows] == [
        ("unknown", "timeout"),
        ("reconciled", None),
    ]
    assert len(rows[1]["detail"] or "") == 300


def test_published_posts_are_the_confirmed_ones(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    d = add_draft(approved=True)
    pid = store.write_intent(d["id"], 0, platform="linkedin", account=None, text="t", reply_to=None)
    assert store.published_posts() == []
    store.mark_post(pid, PostStatus.PUBLISHED, remote_id="urn:li:share:1",
                    published_utc="2026-05-01T09:00:00Z")  # fmt: skip
    assert [p["remote_id"] for p in store.published_posts(platform="linkedin")] == [
        "urn:li:share:1"
    ]
    assert store.published_posts(platform="twitter") == []
    assert store.published_posts(since_utc="2026-06-01") == []
