"""The approval's expected-hash condition, on both backends: the UPDATE only lands while the
content hash is the one the approver checked; otherwise it is refused and nothing changes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mktdirector.store.errors import Refusal, StateRefusedError
from mktdirector.store.protocols import StoreLike
from mktdirector.store.rows import Draft


def test_approval_with_a_moved_hash_is_refused_and_writes_nothing(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    d = add_draft()
    seen = d["content_hash"]
    store.update_draft(d["id"], None, content_hash="edited-meanwhile")
    with pytest.raises(StateRefusedError) as err:
        store.update_draft(
            d["id"], d["status"], expected_hash=seen, status="approved", approved_hash=seen
        )
    assert err.value.reason == Refusal.CHANGED_SINCE_APPROVAL
    after = store.get_draft(d["id"])
    assert after["status"] == d["status"] and after["approved_hash"] is None


def test_approval_with_the_same_hash_lands(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    d = add_draft()
    row = store.update_draft(
        d["id"], d["status"], expected_hash=d["content_hash"], status="approved",
        approved_hash=d["content_hash"],
    )  # fmt: skip
    assert row["status"] == "approved" and row["approved_hash"] == d["content_hash"]
