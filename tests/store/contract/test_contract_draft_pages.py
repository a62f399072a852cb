"""Drafts a page at a time (the dashboard's inbox and `GET /drafts`): offset and campaign are
done by the store, so a deep page of 10,000 drafts does not decode the ones before it."""

from __future__ import annotations

from collections.abc import Callable

from mktdirector.store.protocols import StoreLike
from mktdirector.store.rows import Draft


def test_pages_by_offset_cover_every_draft_once_newest_first(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    made = [add_draft(created_utc=f"2026-05-01T09:00:{i:02d}.000Z")["id"] for i in range(7)]
    pages = [[d["id"] for d in store.list_drafts(limit=3, offset=o)] for o in (0, 3, 6, 9)]
    assert pages == [made[6:3:-1], made[3:0:-1], [made[0]], []]


def test_campaign_filters_with_status_and_platform(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    a = add_draft(campaign="launch", created_utc="2026-05-01T09:00:00.000Z")
    add_draft(campaign="other", created_utc="2026-05-01T09:00:01.000Z")
    b = add_draft(campaign="launch", platform="twitter", created_utc="2026-05-01T09:00:02.000Z")
    assert [d["id"] for d in store.list_drafts(campaign="launch")] == [b["id"], a["id"]]
    assert [d["id"] for d in store.list_drafts(campaign="launch", platform="linkedin")] == [a["id"]]
    assert store.list_drafts(campaign="launch", status="approved") == []
