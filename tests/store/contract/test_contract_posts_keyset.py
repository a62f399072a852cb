"""Published posts newest first after a keyset (published_utc, id), on both backends: the
cursor of GET /posts. The page is cut by the database, not by reading every post into Python."""

from __future__ import annotations

from collections.abc import Callable

from mktdirector.store.protocols import StoreLike
from mktdirector.store.rows import Draft, PostStatus


def test_pages_of_published_posts_cover_each_once_newest_first(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    stamps = ["2026-05-01T09:00:00Z"] * 3 + ["2026-05-02T09:00:00Z"] * 2 + [None]
    made = []
    for n, stamp in enumerate(stamps):
        d = add_draft(approved=True)
        pid = store.write_intent(d["id"], 0, platform="twitter", account=None, text=f"t{n}",
                                 reply_to=None)  # fmt: skip
        if stamp is not None:  # the last one is an intent only: never listed
            store.mark_post(pid, PostStatus.PUBLISHED, remote_id=f"r{n}", published_utc=stamp)
            made.append(store.draft_posts(d["id"])[0])
    want = sorted(made, key=lambda p: (p["published_utc"], p["id"]), reverse=True)
    seen: list[str] = []
    before: tuple[str, str] | None = None
    while True:
        page = store.published_page(limit=2, before=before)
        seen += [p["id"] for p in page]
        if len(page) < 2:
            break
        before = (page[-1]["published_utc"], page[-1]["id"])
    assert seen == [p["id"] for p in want]
    assert store.published_page(limit=10, platform="linkedin") == []
    assert [p["remote_id"] for p in store.published_page(limit=10, since_utc="2026-05-02")] == [
        p["remote_id"] for p in want[:2]
    ]


def test_published_posts_between_two_instants_are_those_and_no_later(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    # The calendar reads one window: a week a year back must not read the year after it.
    stamps = ["2026-05-01T09:00:00Z", "2026-05-08T09:00:00Z", "2026-05-15T09:00:00Z"]
    for n, stamp in enumerate(stamps):
        d = add_draft(approved=True)
        pid = store.write_intent(d["id"], 0, platform="twitter", account=None, text=f"w{n}",
                                 reply_to=None)  # fmt: skip
        store.mark_post(pid, PostStatus.PUBLISHED, remote_id=f"w{n}", published_utc=stamp)
    window = store.published_posts(
        since_utc="2026-05-01T09:00:00Z", until_utc="2026-05-15T09:00:00Z"
    )
    assert [p["remote_id"] for p in window] == ["w0", "w1"]  # the end is excluded
    assert len(store.published_posts(since_utc="2026-05-02T00:00:00Z")) == 2
