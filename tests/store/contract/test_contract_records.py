"""AuditLog, MetricsRepo, ContactRepo, EmailLedger, RateState, SecretRows, Connections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mktdirector.core.credentials import Connection
from mktdirector.core.http import Exchange
from mktdirector.store.errors import RecordNotFoundError, Refusal, StateRefusedError
from mktdirector.store.protocols import StoreLike
from mktdirector.store.rows import Draft, EmailStatus, PostStatus
from mktdirector.store.sqlite import email as email_store


def call(platform: str, **kw: Any) -> Exchange:
    base: dict[str, Any] = dict(platform=platform, account="main", method="GET",
                                path="/2/users/me", status=200, duration_ms=10, attempt=1)  # fmt: skip
    return Exchange(**{**base, **kw})


# audit ------------------------------------------------------------------------------------------
def test_calls_are_audited_without_query_strings_and_filtered(store: StoreLike) -> None:
    store.record_exchange(call("twitter", path="/2/tweets?ids=1&key=SECRET"))
    store.record_exchange(call("twitter", status=429, error_kind="rate_limit", rate_remaining=0,
                               rate_reset_at=1_800_000_000.0))  # fmt: skip
    store.record_exchange(call("linkedin"))
    rows = store.calls()
    assert [r["platform"] for r in rows] == ["twitter", "twitter", "linkedin"]  # oldest first
    assert rows[0]["path"] == "/2/tweets" and "SECRET" not in str(rows)
    assert rows[1]["rate_reset_utc"] == "2027-01-15T08:00:00Z"
    errors = store.calls(errors_only=True)
    assert [(r["status"], r["error_kind"]) for r in errors] == [(429, "rate_limit")]
    assert [r["id"] for r in store.calls(after_id=rows[0]["id"])] == [rows[1]["id"], rows[2]["id"]]
    assert [r["id"] for r in store.calls(limit=1)] == [rows[2]["id"]]  # the newest one
    summary = store.platform_call_summary("2000-01-01")
    assert (summary["twitter"]["calls"], summary["twitter"]["errors"]) == (2, 1)
    by_platform = {r["platform"]: (r["calls"], r["errors"]) for r in store.calls_by_platform()}
    assert by_platform == {"twitter": (2, 1), "linkedin": (1, 0)}


def test_calls_are_found_by_what_they_were_made_for(store: StoreLike) -> None:
    store.record_exchange(call("twitter", method="POST", path="/2/tweets", correlation_id="D1"))
    store.record_exchange(call("twitter", correlation_id="RUN1"))
    store.record_exchange(call("twitter", method="POST", path="/2/tweets", correlation_id="D1"))
    rows = store.calls(correlation_id="D1")
    assert [(r["method"], r["correlation_id"]) for r in rows] == [("POST", "D1"), ("POST", "D1")]
    assert store.calls(correlation_id="nothing") == []
    assert {r["correlation_id"] for r in store.calls()} == {"D1", "RUN1"}


def test_auth_events_are_kept_per_platform(store: StoreLike) -> None:
    store.record_auth_event("twitter", "main", "refresh", True)
    store.record_auth_event("twitter", "main", "refresh", False, detail="invalid_grant")
    store.record_auth_event("linkedin", None, "authorize", True)
    events = store.auth_events("twitter")
    # (two events in the same millisecond have no order)
    assert sorted((e["ok"], e["detail"]) for e in events) == [(0, "invalid_grant"), (1, "")]
    assert len(store.auth_events()) == 3 and len(store.auth_events(limit=1)) == 1


# metrics ----------------------------------------------------------------------------------------
def test_the_latest_snapshot_of_each_post_wins(store: StoreLike) -> None:
    store.add_snapshots([
        {"platform": "twitter", "remote_id": "1", "draft_id": "D1", "taken_utc": "2027-01-01T00:00:00Z", "likes": 1},
        {"platform": "twitter", "remote_id": "1", "draft_id": "D1", "taken_utc": "2027-01-02T00:00:00Z", "likes": 5, "raw": {"a": 1}},
        {"platform": "twitter", "remote_id": "2", "draft_id": "D2", "taken_utc": "2027-01-01T00:00:00Z", "likes": 7, "private": True},
    ])  # fmt: skip
    latest = {s["remote_id"]: s for s in store.latest_snapshots()}
    assert {k: v["likes"] for k, v in latest.items()} == {"1": 5, "2": 7}
    assert latest["1"]["raw_json"] == '{"a": 1}' and latest["2"]["private"] == 1
    assert [s["likes"] for s in store.latest_snapshots(draft_id="D1")] == [5]
    assert [s["likes"] for s in store.latest_snapshots(remote_id="2")] == [7]
    assert len(store.recent_snapshots(2)) == 2
    assert store.add_snapshots([]) == 0


def test_posts_are_due_for_metrics_hourly_then_daily(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    d = add_draft(approved=True)
    pid = store.write_intent(d["id"], 0, platform="twitter", account=None, text="t", reply_to=None)
    store.mark_post(pid, PostStatus.PUBLISHED, remote_id="9", published_utc="2027-01-15T06:00:00Z")
    window = dict(hourly_since="2027-01-14T08:00:00Z", daily_since="2027-01-01T00:00:00Z",
                  hour_ago="2027-01-15T07:00:00Z", day_ago="2027-01-14T08:00:00Z")  # fmt: skip
    assert [p["remote_id"] for p in store.posts_due_for_metrics("twitter", **window)] == ["9"]
    assert store.platforms_with_posts_since("2027-01-01") == ["twitter"]
    store.add_snapshots(
        [{"platform": "twitter", "remote_id": "9", "taken_utc": "2027-01-15T07:30:00Z"}]
    )
    assert store.posts_due_for_metrics("twitter", **window) == []  # measured within the hour
    assert store.posts_due_for_metrics("linkedin", **window) == []


# contacts ---------------------------------------------------------------------------------------
def contact(cid: str, email: str, **kw: Any) -> dict[str, Any]:
    return {"id": cid, "email": email, "created_utc": "2027-01-10T00:00:00Z", **kw}


def test_contacts_are_upserted_by_id_and_a_merged_email_moves(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    d = add_draft()
    store.upsert_contacts([contact("1", "a@example.com", utm_source="linkedin",
                                   utm_content=d["id"], draft_id=d["id"])])  # fmt: skip
    store.upsert_contacts([contact("1", "a@example.com", firstname="Ann", utm_source="linkedin",
                                   draft_id=d["id"])])  # fmt: skip
    assert store.contact_count() == 1
    store.upsert_contacts([contact("2", "a@example.com")])  # the CRM merged it under a new id
    assert store.contact_count() == 1
    store.upsert_contacts([contact("3", "b@example.com", source="ORGANIC_SEARCH")])
    by_source = {r["source"]: r["contacts"] for r in store.contact_attribution()}
    assert by_source == {"organic_search": 1, "(unknown)": 1}
    assert store.known_draft_ids([d["id"].lower(), "nope", ""]) == {d["id"]}


def test_traffic_refetch_replaces_the_days_it_covers(store: StoreLike) -> None:
    row = {"date": "2027-01-10", "source": "linkedin", "medium": "social", "campaign": "c",
           "ad_content": "D1", "landing_page": "/", "sessions": 3, "draft_id": "D1"}  # fmt: skip
    other = {**row, "landing_page": "/pricing", "sessions": 2}
    store.upsert_traffic("P1", [row, other], start="2027-01-10", end="2027-01-10", taken="t1")
    store.upsert_traffic("P1", [{**row, "sessions": 4}], start="2027-01-10", end="2027-01-10",
                         taken="t2")  # fmt: skip
    totals = store.traffic_totals(since="2027-01-01")
    assert (totals["sessions"], totals["post_sessions"]) == (4, 4)
    [post] = store.traffic_summary("post", since="2027-01-01", property_id="P1")
    assert (post["draft_id"], post["sessions"]) == ("D1", 4)


# email ledger -----------------------------------------------------------------------------------
def test_an_end_two_email_ids_share_is_told_as_such(
    store: StoreLike, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = iter(["01AAAAAAAAAAAAAAAAAAAAAXYZ", "01BBBBBBBBBBBBBBBBBBBBBXYZ"])
    monkeypatch.setattr(email_store, "new_id", lambda: next(ids))
    store.write_email_intent({"draft_id": "D1", "send_key": "K1"})
    store.write_email_intent({"draft_id": "D1", "send_key": "K2"})
    with pytest.raises(RecordNotFoundError) as info:
        store.get_email("xyz")
    assert info.value.message == "'xyz' ends more than one email; give more of its id."
    assert store.get_email("axyz")["send_key"] == "K1"


def test_an_email_send_is_written_as_intent_and_confirmed(store: StoreLike) -> None:
    eid = store.write_email_intent({"draft_id": "D1", "send_key": "K", "recipients": 2})
    row = store.get_email(eid)
    assert (row["status"], row["send_key"], row["recipients"]) == (EmailStatus.INTENT, "K", 2)
    store.update_email(eid, status=EmailStatus.SENT, message_id="m1")
    found = store.email_by_key("K")
    assert found is not None and (found["id"], found["status"]) == (eid, "sent")
    assert store.get_email(eid[-6:].lower())["id"] == eid
    assert [e["id"] for e in store.emails(draft_id="D1", status="sent")] == [eid]


def test_a_second_send_with_the_same_key_is_refused_and_writes_nothing(store: StoreLike) -> None:
    eid = store.write_email_intent({"draft_id": "D1", "send_key": "K"})
    with pytest.raises(StateRefusedError) as info:
        store.write_email_intent({"draft_id": "D1", "send_key": "K"})
    assert (info.value.reason, info.value.ref) == (Refusal.DUPLICATE_SEND, eid)
    assert [e["id"] for e in store.emails()] == [eid]
    # a failed send may be sent again
    store.update_email(eid, status=EmailStatus.FAILED)
    assert store.email_by_key("K") is None
    assert store.write_email_intent({"draft_id": "D1", "send_key": "K"}) != eid


def test_an_unknown_email_is_not_found_and_stats_upsert(store: StoreLike) -> None:
    with pytest.raises(RecordNotFoundError) as info:
        store.get_email("nope")
    assert info.value.entity == "email" and info.value.message == "No email 'nope'."
    assert store.upsert_email_stats([{"date": "2027-01-10", "delivered": 3}]) == 1
    assert store.upsert_email_stats([{"date": "2027-01-10", "delivered": 4}]) == 1


def test_an_email_send_lease_is_held_by_one_owner_until_released_or_expired(
    store: StoreLike,
) -> None:
    eid = store.write_email_intent({"send_key": "K"})
    assert store.claim_email(eid, "a:1:x", now=1000.0, lease_s=60) is True
    assert store.claim_email(eid, "b:2:y", now=1010.0, lease_s=60) is False  # a holds it
    assert store.claim_email(eid, "a:1:x", now=1020.0, lease_s=60) is True  # renewed
    assert store.claim_email(eid, "b:2:y", now=1100.0, lease_s=60) is True  # a's expired
    store.release_email(eid, "a:1:x")  # not a's any more: nothing changes
    assert store.get_email(eid)["lease_owner"] == "b:2:y"
    store.release_email(eid, "b:2:y")
    assert store.claim_email(eid, "c:3:z", now=1101.0, lease_s=60) is True
    with pytest.raises(RecordNotFoundError):
        store.claim_email("nope", "a:1:x", now=1.0, lease_s=1)


def test_email_stats_rows_say_whose_they_are(store: StoreLike) -> None:
    rows = [{"date": "2027-01-10", "category": "c1", "platform": "mailchimp", "unsubscribes": 2}]
    assert store.upsert_email_stats(rows) == 1


# rate state, secrets, connections ---------------------------------------------------------------
def test_rate_state_is_read_modified_and_written_in_one_go(store: StoreLike) -> None:
    seen: list[dict[str, Any] | None] = []

    def take(rows: dict[str, Any]) -> tuple[dict[str, Any], float]:
        seen.append(rows["x:main:tweets"])
        old = rows["x:main:tweets"] or {"count": 0}
        return {"x:main:tweets": {"platform": "twitter", "count": old["count"] + 1}}, 0.0

    assert store.transact(["x:main:tweets"], take) == 0.0
    store.transact(["x:main:tweets"], take)
    assert seen[0] is None and seen[1] is not None and seen[1]["count"] == 1
    assert [(r["key"], r["count"]) for r in store.rate_limit_rows("twitter")] == [
        ("x:main:tweets", 2)
    ]

    def refuse(rows: dict[str, Any]) -> tuple[dict[str, Any], float]:
        raise RuntimeError("a bug in the limiter")

    with pytest.raises(RuntimeError):
        store.transact(["x:main:tweets"], refuse)
    assert store.rate_limit_rows()[0]["count"] == 2


def test_secrets_are_stored_replaced_and_deleted(store: StoreLike) -> None:
    assert store.get_secret("twitter:main") is None
    store.put_secret("twitter:main", b"\x00cipher")
    store.put_secret("twitter:main", b"cipher2")
    assert store.get_secret("twitter:main") == b"cipher2"
    store.delete_secret("twitter:main")
    assert store.get_secret("twitter:main") is None


def test_connections_are_indexed_without_secrets(store: StoreLike) -> None:
    conn = Connection("twitter", "main", access_token="SECRET-TOKEN", refresh_token="R",
                      scopes=["tweet.read"], expires_at=1_800_000_000.0)  # fmt: skip
    store.record_connection(conn, "keyring")
    created = store.connections("twitter")[0]["created_utc"]
    store.record_connection(conn, "encrypted")
    [row] = store.connections()
    assert (row["store"], row["has_refresh"], row["created_utc"]) == ("encrypted", 1, created)
    assert row["expires_utc"] == "2027-01-15T08:00:00Z" and "SECRET" not in str(row)
    store.remove_connection("twitter", "main")
    assert store.connections() == []
