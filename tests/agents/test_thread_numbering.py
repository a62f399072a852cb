"""Thread numbering is computed when publishing, from the posts that exist (issue 11 item 3):
deleting a post in `drafts edit` never publishes "1/5, 2/5, 4/5, 5/5"."""

from __future__ import annotations

import pytest
import respx
from test_publish import XServer, approved, client, deps  # noqa: F401

from mktdirector.agents.content import drafts
from mktdirector.agents.content.brand import Brand
from mktdirector.agents.social.numbering import renumber
from mktdirector.agents.social.publishing import dry_run, publish_draft
from mktdirector.core import errors as E


def test_renumber_table() -> None:
    assert renumber(["a 1/5", "b 2/5", "d 4/5", "e 5/5"]) == ["a 1/4", "b 2/4", "d 3/4", "e 4/4"]
    assert renumber(["a 1/3", "b 2/3", "new", "c 3/3"]) == ["a 1/4", "b 2/4", "new 3/4", "c 4/4"]
    assert renumber(["only one left 2/5"]) == ["only one left"]
    assert renumber(["plain", "thread"]) == ["plain", "thread"]  # never numbered: left alone
    assert renumber(["We are open 24/7 1/2", "Call us 2/2"]) == [
        "We are open 24/7 1/2",
        "Call us 2/2",
    ]
    assert renumber(["Open 24/7", "a 1/3", "b 3/3"]) == ["Open 24/7 1/3", "a 2/3", "b 3/3"]
    assert renumber(["x 1/10", "y 2/10"]) == ["x 1/2", "y 2/2"]
    assert renumber(["line one\nends 1/3", "b 3/3"]) == ["line one\nends 1/2", "b 2/2"]


def test_a_thread_edited_down_publishes_fresh_numbers(deps):  # noqa: F811
    did = approved(deps, "twitter", [f"post {i} {i}/5" for i in range(1, 6)])
    text = drafts.body_to_text(deps.store.get_draft(did))
    kept = [p for p in text.split("\n---\n") if not p.startswith("post 3")]
    drafts.edit_draft(deps.store, Brand(), did, "\n---\n".join(kept))
    # What `drafts show` and the dashboard show (and what is approved) is what will go out.
    assert deps.store.get_draft(did)["body"] == ["post 1 1/4", "post 2 2/4", "post 4 3/4",
                                                 "post 5 4/4"]  # fmt: skip
    drafts.approve(deps.store, did)
    planned = [
        r["body"]["text"] for r in dry_run(deps.store, client(deps, "twitter"), did)["requests"]
    ]
    with respx.mock(assert_all_called=False) as router:
        xs = XServer(router)
        result = publish_draft(deps.store, client(deps, "twitter"), did)
    sent = [p["text"] for p in xs.created]
    assert sent == ["post 1 1/4", "post 2 2/4", "post 4 3/4", "post 5 4/4"]
    assert planned == sent  # the dry run shows what is sent
    assert [p["text"] for p in result.posts] == sent  # and the ledger keeps it


def test_a_post_pushed_over_280_by_its_new_number_is_refused_before_sending(deps):  # noqa: F811
    long = "x" * 278  # fits alone; " 2/3" makes it 282
    did = approved(deps, "twitter", ["a 1/2", long, "b 2/2"])
    with respx.mock(assert_all_called=False) as router:
        xs = XServer(router)
        with pytest.raises(E.UsageError) as info:
            publish_draft(deps.store, client(deps, "twitter"), did)
    assert "Post 2 is 282/280" in info.value.message and xs.calls == 0
    assert deps.store.get_draft(did)["status"] == "approved"  # not claimed, not failed
