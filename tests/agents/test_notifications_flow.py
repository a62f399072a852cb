"""Notifications without a front end: what is shown, and what `ack` marks read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mktdirector.agents.ops.notifications import acknowledge, to_show
from mktdirector.core.errors import UsageError
from mktdirector.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "mktd.db")


def notify(store: Store, subject: str) -> str:
    nid = store.notify("test", subject, "body", dedupe_key=subject)
    assert nid is not None
    return nid


def test_without_a_database_nothing_is_shown_or_marked_and_no_file_is_made(store):
    assert to_show(store, include_read=True, limit=10) == []
    assert acknowledge(store) == 0 and acknowledge(store, "01ABC") == 0
    assert not store.exists()


def test_one_by_a_start_of_its_id_then_the_rest(store):
    first, second = notify(store, "one"), notify(store, "two")
    shared = len(os.path.commonprefix([first, second]))
    assert acknowledge(store, first[: shared + 1].lower()) == 1  # the shortest unique start
    assert [n["id"] for n in to_show(store, include_read=False, limit=10)] == [second]
    assert {n["id"] for n in to_show(store, include_read=True, limit=10)} == {first, second}
    assert acknowledge(store) == 1
    assert to_show(store, include_read=False, limit=10) == []


def test_an_unknown_id_is_a_usage_error_and_marks_nothing(store):
    notify(store, "one")
    with pytest.raises(UsageError, match="No notification 'NOPE'"):
        acknowledge(store, "NOPE")
    assert len(to_show(store, include_read=False, limit=10)) == 1
