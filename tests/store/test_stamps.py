"""store/stamps.py: the store's own ULID text is python-ulid's, digit for digit, and sorts by time."""

from __future__ import annotations

import os
import time

from ulid import ULID

from mktdirector.store.stamps import new_id, ulid_text


def test_ulid_text_is_python_ulids_for_random_and_edge_values() -> None:
    values = [0, 1, 2**80 - 1, 2**80, 2**128 - 1] + [
        int.from_bytes(os.urandom(16), "big") for _ in range(2000)
    ]
    for value in values:
        assert ulid_text(value) == str(ULID.from_int(value))


def test_a_new_id_carries_the_current_millisecond_and_later_ids_sort_after() -> None:
    before = time.time()
    first = new_id()
    time.sleep(0.002)  # the next millisecond: the time part alone orders them
    second = new_id()
    after = time.time()
    assert len(first) == 26 and first < second
    stamp = ULID.from_str(first).timestamp
    assert before - 0.001 <= stamp <= after
    assert len({new_id() for _ in range(1000)}) == 1000  # 80 random bits each


def test_ids_made_in_the_same_millisecond_keep_their_order(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """As python-ulid: the next id of a millisecond is the last one plus one."""
    monkeypatch.setattr(time, "time_ns", lambda: 1_800_000_000_123_456_789)
    ids = [new_id() for _ in range(50)]
    assert ids == sorted(ids) and len(set(ids)) == 50
    values = [int(ULID.from_str(i)) for i in ids]
    assert all(b - a == 1 for a, b in zip(values, values[1:], strict=False))
    assert {ULID.from_str(i).milliseconds for i in ids} == {1_800_000_000_123}
