"""Issue 16: each reported post says who approved and who published it, on each backend."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mktdirector.store.protocols import StoreLike
from mktdirector.store.rows import Draft, PostStatus


def published(
    store: StoreLike, add_draft: Callable[..., Draft], remote_id: str, **people: Any
) -> Draft:
    d = add_draft(approved=True, topic="People", **people)
    pid = store.write_intent(d["id"], 0, platform="linkedin", account=None, text="t", reply_to=None)
    store.mark_post(pid, PostStatus.PUBLISHED, remote_id=remote_id, url=f"https://li/{remote_id}",
                    published_utc="2027-01-10T09:00:00Z")  # fmt: skip
    return d


def test_posts_carry_approved_by_and_published_by(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    both = published(store, add_draft, "urn:p1", approved_by="carol", published_by="svc")
    before = published(store, add_draft, "urn:p2")  # a draft from before m016 names nobody
    args: Any = (["linkedin"], "2027-01-01", "2027-02-01")
    kw: Any = {"now_utc": "2027-02-01T00:00:00Z", "rank_by": "engagements"}
    posts = {p["draft_id"]: p for p in store.report_figures(*args, **kw)["posts"]}
    assert (posts[both["id"]]["approved_by"], posts[both["id"]]["published_by"]) == ("carol", "svc")
    assert (posts[before["id"]]["approved_by"], posts[before["id"]]["published_by"]) == (None, None)
    streamed = store.report_figures(*args, **kw, posts_stream=True, posts_only=True)
    cols = streamed["post_columns"]
    rows = {r[0]: dict(zip(cols, r, strict=True)) for r in streamed["posts"]}
    assert rows[both["id"]]["approved_by"] == "carol" and rows[both["id"]]["published_by"] == "svc"
