"""Drafts after a keyset (created_utc, id), on both backends: the inbox's cursor. Rows sharing
one created_utc are ordered by id, so a page boundary between them repeats or drops none."""

from __future__ import annotations

from collections.abc import Callable

from mktdirector.store.protocols import StoreLike
from mktdirector.store.rows import Draft


def test_pages_after_a_keyset_cover_every_draft_once(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    stamps = ["2026-05-01T09:00:00.000Z"] * 3 + ["2026-05-01T09:00:01.000Z"] * 3
    made = [add_draft(created_utc=s) for s in stamps]
    want = sorted(made, key=lambda d: (d["created_utc"], d["id"]), reverse=True)
    seen: list[str] = []
    after: tuple[str, str] | None = None
    while True:
        rows = store.list_drafts(limit=4, after=after)
        page = rows[:4]
        seen += [d["id"] for d in page]
        if len(page) < 4:
            break
        after = (page[-1]["created_utc"], page[-1]["id"])
    assert seen == [d["id"] for d in want]
