"""The Store: lazy opening, audit log, auth events, notifications, secrets, connections."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from mktdirector.core.credentials import Connection
from mktdirector.core.errors import StoreError
from mktdirector.core.http import Exchange
from mktdirector.core.redact import register
from mktdirector.store import Store
from mktdirector.store.sqlite import db as store_db
from mktdirector.store.sqlite.db import immediate, translate_sqlite_error


def exchange(platform: str = "twitter", **kw) -> Exchange:  # type: ignore[no-untyped-def]
    base = dict(
        platform=platform,
        account="main",
        method="GET",
        path="/2/users/me",
        status=200,
        duration_ms=12,
        attempt=1,
    )
    base.update(kw)
    return Exchange(**base)  # type: ignore[arg-type]


def test_store_is_opened_lazily(tmp_path: Path) -> None:
    path = tmp_path / "home" / "mktd.db"
    s = Store(path)
    assert not s.is_open and not s.exists() and not path.parent.exists()
    assert s.connections() == []  # this read does not create the database
    assert not path.parent.exists()
    s.record_exchange(exchange())
    assert s.is_open and s.exists()
    s.close()
    assert not s.is_open
    s.close()  # twice is fine


def test_audit_rows_and_filters(store) -> None:  # type: ignore[no-untyped-def]
    store.record_exchange(exchange("twitter", path="/2/tweets?ids=1,2"))
    store.record_exchange(
        exchange(
            "twitter",
            status=429,
            error_kind="rate_limit",
            attempt=2,
            rate_remaining=0,
            rate_reset_at=1_800_000_000.0,
        )
    )
    store.record_exchange(
        exchange(
            "linkedin",
            method="POST",
            path="/rest/posts",
            status=500,
            error_kind="server",
            error_code="E1",
            request_id="r-1",
        )
    )
    store.record_exchange(exchange("linkedin", status=None, error_kind="network"))

    rows = store.calls()
    assert [r["platform"] for r in rows] == ["twitter", "twitter", "linkedin", "linkedin"]
    assert rows[0]["path"] == "/2/tweets"  # never a query string
    assert rows[1]["rate_reset_utc"] == "2027-01-15T08:00:00Z"
    assert (rows[2]["error_code"], rows[2]["request_id"]) == ("E1", "r-1")

    assert [r["error_kind"] for r in store.calls(errors_only=True)] == [
        "rate_limit",
        "server",
        "network",
    ]
    assert [r["method"] for r in store.calls(platform="linkedin")] == ["POST", "GET"]
    assert [r["error_kind"] for r in store.calls(platform="linkedin", errors_only=True)] == [
        "server",
        "network",
    ]
    newest_two = store.calls(limit=2)
    assert [r["id"] for r in newest_two] == [r["id"] for r in rows[2:]]
    assert store.calls(after_id=rows[2]["id"]) == rows[3:]
    assert store.calls(since_utc="2999-01-01T00:00:00Z") == []

    summary = store.platform_call_summary("2000-01-01T00:00:00Z")
    assert {p: (s["calls"], s["errors"]) for p, s in summary.items()} == {
        "twitter": (2, 1),
        "linkedin": (2, 2),
    }
    assert summary["linkedin"]["last_ok"] is None
    assert summary["twitter"]["last_error"] == rows[1]["time_utc"]


def test_auth_events_are_redacted(store) -> None:  # type: ignore[no-untyped-def]
    register("refresh-secret-123456")
    store.record_auth_event(
        "linkedin",
        "main",
        "refresh",
        False,
        "refresh failed for refresh-secret-123456 " + "x" * 400,
    )
    store.record_auth_event("twitter", "brand", "authorize", True)
    rows = store.auth_events()
    assert {r["platform"] for r in rows} == {"linkedin", "twitter"}
    li = store.auth_events("linkedin")
    assert len(li) == 1 and li[0]["ok"] == 0
    assert "refresh-secret" not in li[0]["detail"] and len(li[0]["detail"]) == 300


def test_notifications_dedupe_and_ack(store) -> None:  # type: ignore[no-untyped-def]
    register("leaky-token-abcdef")
    first = store.notify(
        "auth",
        "LinkedIn token expires",
        "token leaky-token-abcdef expires",
        platform="linkedin",
        dedupe_key="li-exp",
        dedupe_since_utc="2000-01-01T00:00:00Z",
    )
    assert first is not None
    again = store.notify(
        "auth",
        "LinkedIn token expires",
        "again",
        dedupe_key="li-exp",
        dedupe_since_utc="2000-01-01T00:00:00Z",
    )
    assert again is None
    other = store.notify("publish", "Post failed", "boom", severity="warning")
    assert store.unread_count() == 2
    rows = store.notifications()
    assert {r["id"] for r in rows} == {first, other}
    assert all("leaky-token" not in r["message"] for r in rows)
    assert store.ack(first) == 1
    assert store.ack(first) == 0
    assert [r["id"] for r in store.notifications()] == [other]
    assert store.ack() == 1
    assert store.unread_count() == 0
    assert len(store.notifications(unread_only=False)) == 2


def test_secrets_table(store) -> None:  # type: ignore[no-untyped-def]
    assert store.get_secret("linkedin:main") is None
    store.put_secret("linkedin:main", b"\x00cipher")
    store.put_secret("linkedin:main", b"cipher-2")
    assert store.get_secret("linkedin:main") == b"cipher-2"
    store.delete_secret("linkedin:main")
    assert store.get_secret("linkedin:main") is None


def test_connection_index_keeps_created_time(store) -> None:  # type: ignore[no-untyped-def]
    conn = Connection(
        "twitter",
        "brand",
        access_token="t-123456789",
        refresh_token="r-123456789",
        scopes=["tweet.write"],
        expires_at=1_800_000_000.0,
        user_id="42",
    )
    store.record_connection(conn, "keyring")
    first = store.connections("twitter")[0]
    conn.refresh_token = None
    store.record_connection(conn, "keyring")
    rows = store.connections()
    assert len(rows) == 1
    row = rows[0]
    assert row["created_utc"] == first["created_utc"]
    assert (row["store"], row["user_id"], row["scopes"], row["has_refresh"]) == (
        "keyring",
        "42",
        '["tweet.write"]',
        0,
    )
    assert row["expires_utc"] == "2027-01-15T08:00:00Z"
    assert "t-123456789" not in str(row)
    store.remove_connection("twitter", "brand")
    assert store.connections() == []


def test_transact_is_atomic_and_rolls_back(store) -> None:  # type: ignore[no-untyped-def]
    def write(rows):  # type: ignore[no-untyped-def]
        assert rows == {"a": None, "b": None}
        return {"a": {"platform": "p", "count": 1}}, 2.5

    assert store.transact(["a", "b"], write) == 2.5
    assert [(r["key"], r["platform"], r["count"]) for r in store.rate_limit_rows()] == [
        ("a", "p", 1)
    ]
    assert store.rate_limit_rows("p")[0]["key"] == "a"

    def explode(rows):  # type: ignore[no-untyped-def]
        raise RuntimeError("half way")

    with pytest.raises(RuntimeError):
        store.transact(["a"], explode)
    assert not store.db.conn.in_transaction
    store.transact(["a"], lambda rows: ({"a": {**rows["a"], "count": 2}}, 0.0))  # type: ignore[index]
    assert store.rate_limit_rows()[0]["count"] == 2


def test_immediate_rolls_back_on_error(store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError), immediate(store.db) as conn:
        conn.execute("insert into secrets (key, ciphertext) values ('k', x'00')")
        raise ValueError
    assert store.get_secret("k") is None


def test_writes_mix_with_sqlite_utils_inserts(store) -> None:  # type: ignore[no-untyped-def]
    # sqlite-utils inserts and our BEGIN IMMEDIATE blocks must not leave a transaction open
    store.record_exchange(exchange())
    store.put_secret("k", b"v")
    store.record_exchange(exchange())
    store.transact(["x"], lambda rows: ({"x": {"count": 1}}, 0.0))
    store.notify("k", "s", "m")
    assert not store.db.conn.in_transaction
    other = sqlite3.connect(store.path)
    try:
        assert other.execute("select count(*) from http_calls").fetchone()[0] == 2
        assert other.execute("select count(*) from notifications").fetchone()[0] == 1
    finally:
        other.close()


def test_locked_database_is_a_store_error(store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    store.db  # noqa: B018
    store.close()
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_S", 0.1)
    blocker = sqlite3.connect(store.path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(sqlite3.OperationalError) as info:
            store.put_secret("k", b"v")
        err = translate_sqlite_error(info.value, store.path)
        assert isinstance(err, StoreError)
        assert "locked by another mktd process" in err.message
        assert "Wait for the other process" in (err.hint or "")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    store.put_secret("k", b"v")  # free again
    assert store.get_secret("k") == b"v"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("database is locked", "locked by another mktd process"),
        ("database is busy", "locked by another mktd process"),
        ("file is not a database", "not a readable mktd database"),
        ("database disk image is malformed", "not a readable mktd database"),
        ("disk I/O error", "Database error on"),
    ],
)
def test_translate_sqlite_error_table(message: str, expected: str) -> None:
    err = translate_sqlite_error(sqlite3.OperationalError(message), "/x/mktd.db")
    assert isinstance(err, StoreError) and expected in err.message and err.hint


def test_store_is_usable_from_another_thread(store) -> None:  # type: ignore[no-untyped-def]
    # keyring timeouts and progress bars run work in threads
    errors: list[BaseException] = []

    def work() -> None:
        try:
            store.record_exchange(exchange())
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    store.db  # noqa: B018
    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert errors == [] and len(store.calls()) == 1
