"""Issue 16: every audit row says who caused the call (m025 `http_calls.actor`), on each backend."""

from __future__ import annotations

from typing import Any

from mktdirector.core.http import Exchange
from mktdirector.store.protocols import StoreLike


def call(**kw: Any) -> Exchange:
    base: dict[str, Any] = dict(platform="linkedin", account="main", method="POST",
                                path="/rest/posts", status=201, duration_ms=12, attempt=1)  # fmt: skip
    return Exchange(**{**base, **kw})


def test_the_audit_row_carries_the_actor(store: StoreLike) -> None:
    store.record_exchange(call(actor="carol", correlation_id="D1"))
    store.record_exchange(call(actor="carol via worker:svc@host-1", correlation_id="D2"))
    rows = store.calls()
    assert [(r["correlation_id"], r["actor"]) for r in rows] == [
        ("D1", "carol"),
        ("D2", "carol via worker:svc@host-1"),
    ]
    assert [r["actor"] for r in store.calls(correlation_id="D2")] == ["carol via worker:svc@host-1"]


def test_a_row_without_an_actor_reads_back_as_none(store: StoreLike) -> None:
    # Rows written before m025 (and exchanges built without one) have no actor: NULL, not "".
    store.record_exchange(call())
    [row] = store.calls()
    assert "actor" in row and row["actor"] is None
