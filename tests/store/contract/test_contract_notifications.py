"""Notifications: de-duplication by cause, reading, acknowledging, delivery to a channel."""

from __future__ import annotations

import os

from mktdirector.store.protocols import StoreLike

SINCE = "2000-01-01T00:00:00Z"


def test_the_same_cause_is_told_once_while_unread(store: StoreLike) -> None:
    first = store.notify("publish_failed", "Publishing failed", "boom", dedupe_key="pf:D1")
    assert first is not None
    assert store.notify("publish_failed", "Publishing failed", "again", dedupe_key="pf:D1") is None
    assert store.unread_count() == 1
    assert store.ack(first) == 1 and store.unread_count() == 0
    # once read, the cause may be raised again
    assert store.notify("publish_failed", "Publishing failed", "later", dedupe_key="pf:D1")


def test_within_a_window_the_cause_is_told_once_even_when_read(store: StoreLike) -> None:
    nid = store.notify("rate", "Rate", "m", dedupe_key="rl:x", dedupe_since_utc=SINCE)
    assert nid is not None
    store.ack()
    assert store.notify("rate", "Rate", "m", dedupe_key="rl:x", dedupe_since_utc=SINCE) is None
    assert store.notify("rate", "Rate", "m", dedupe_key="rl:x", dedupe_since_utc="2999-01-01")
    assert store.alert_seen("rl:x", None, SINCE)
    assert not store.alert_seen("other", None, SINCE)


def test_notifications_list_find_and_ack_all(store: StoreLike) -> None:
    a = store.notify("k", "A", "m", severity="warning", hint="do this")
    b = store.notify("k", "B", "m")
    assert a and b
    assert sorted(n["subject"] for n in store.notifications()) == ["A", "B"]
    assert len(store.notifications(limit=1)) == 1
    [found] = store.find_notifications(a.lower())
    assert (found["hint"], found["severity"]) == ("do this", "warning")
    assert store.find_notifications("nope") == []
    assert len(store.unread_notifications()) == 2
    assert store.ack() == 2 and store.ack() == 0
    assert store.notifications() == [] and len(store.notifications(unread_only=False)) == 2


def claim(store: StoreLike, channel: str) -> list[str]:
    rows = store.claim_undelivered(channel, since_utc=SINCE, stale_utc=SINCE, max_attempts=3)
    return [n["id"] for n in rows]


def test_an_alert_is_claimed_by_one_sender_and_marked_delivered(store: StoreLike) -> None:
    nid = store.notify("k", "A", "m")
    assert nid is not None
    store.notify("k", "just info", "m", severity="info")  # never sent to channels
    assert claim(store, "slack") == [nid]
    assert claim(store, "slack") == []
    store.mark_delivery([nid], "slack", error="webhook 500")
    assert claim(store, "slack") == [nid]  # retried after the failure
    store.mark_delivery([nid], "slack")
    assert claim(store, "slack") == []
    assert claim(store, "email") == [nid]


def test_a_start_two_ids_share_finds_both_and_a_whole_id_finds_one(store: StoreLike) -> None:
    a = store.notify("k", "A", "m")
    b = store.notify("k", "B", "m")
    assert a and b
    shared = os.path.commonprefix([a, b])
    assert sorted(n["id"] for n in store.find_notifications(shared)) == sorted([a, b])
    assert [n["id"] for n in store.find_notifications(a)] == [a]
    assert [n["id"] for n in store.find_notifications(b[: len(shared) + 1])] == [b]
