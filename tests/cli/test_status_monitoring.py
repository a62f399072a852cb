"""`mktd status --json` monitoring figures from seeded audit, auth, quota and queue rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest


def iso(t: datetime) -> str:
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.fixture
def seeded(cli, store):  # type: ignore[no-untyped-def]
    cli("init")
    now = datetime.now(UTC)
    calls = []

    def call(ago: timedelta, platform: str, account: str, status: int | None, ms: int,
             kind: str | None = None) -> None:  # fmt: skip
        calls.append({"id": f"c{len(calls):03d}", "time_utc": iso(now - ago), "platform": platform,
                      "account": account, "method": "GET", "path": "/2/users/me",
                      "status": status, "duration_ms": ms, "attempt": 1, "error_kind": kind})  # fmt: skip

    # X, last 24 h: 10 calls of 100..1000 ms; the 503 and the 429 are the failures.
    for i, ms in enumerate(range(100, 1001, 100)):
        status, kind = {3: (503, "server"), 7: (429, "rate_limit")}.get(i, (200, None))
        call(timedelta(hours=1, minutes=i), "twitter", "brand", status, ms, kind)
    # X, 2-6 days ago: three answers (50, 60, 70 ms) and two network errors (no answer).
    for i, ms in enumerate((50, 60, 70)):
        call(timedelta(days=2 + i), "twitter", "brand", 200, ms)
    call(timedelta(days=5), "twitter", "brand", None, 10_000, "network")
    call(timedelta(days=6), "twitter", "brand", None, 10_000, "network")
    call(timedelta(days=9), "twitter", "brand", 200, 5)  # older than 7 days: not counted
    call(timedelta(minutes=5), "linkedin", "me", 200, 250)
    store.db["http_calls"].insert_all(calls)
    store.db["rate_limit_state"].insert_all(
        [
            {"key": "twitter|brand|server:/2/tweets", "platform": "twitter", "account": "brand",
             "name": "server:/2/tweets", "kind": "server", "limit_value": 300, "remaining": 0,
             "reset_at": (now + timedelta(minutes=10)).timestamp()},
            {"key": "twitter|brand|tweets-day", "platform": "twitter", "account": "brand",
             "name": "tweets-day", "kind": "window", "limit_value": 100, "remaining": 40,
             "count": 60, "reset_at": (now - timedelta(hours=1)).timestamp()},
            {"key": "twitter|brand|per-second", "platform": "twitter", "account": "brand",
             "name": "per-second", "kind": "bucket", "limit_value": 5, "remaining": 4},
        ]
    )  # fmt: skip
    store.db["connections"].insert_all(
        [
            {"platform": "twitter", "account": "brand", "store": "keyring", "has_refresh": 0,
             "expires_utc": iso(now + timedelta(days=3)), "obtained_utc": iso(now - timedelta(days=57))},
            {"platform": "linkedin", "account": "me", "store": "keyring", "has_refresh": 1,
             "expires_utc": iso(now + timedelta(days=30)), "obtained_utc": iso(now - timedelta(days=30))},
            {"platform": "hubspot", "account": "default", "store": "keyring", "has_refresh": 0,
             "obtained_utc": iso(now - timedelta(days=100))},
        ]
    )  # fmt: skip
    store.db["auth_events"].insert_all(
        [
            {"id": "a1", "time_utc": iso(now - timedelta(hours=3)), "platform": "linkedin",
             "account": "me", "event": "refresh", "ok": 1, "detail": "token refreshed"},
            {"id": "a2", "time_utc": iso(now - timedelta(hours=2)), "platform": "linkedin",
             "account": "me", "event": "refresh", "ok": 0, "detail": "invalid_grant"},
        ]
    )  # fmt: skip
    store.db["jobs"].insert_all(
        [
            {"id": "j1", "kind": "publish", "draft_id": "D1", "platform": "twitter",
             "status": "queued", "due_utc": iso(now - timedelta(minutes=5))},
            {"id": "j2", "kind": "publish", "draft_id": "D2", "platform": "linkedin",
             "status": "queued", "due_utc": iso(now + timedelta(hours=2))},
            {"id": "j3", "kind": "analytics", "platform": "twitter", "status": "running",
             "due_utc": iso(now - timedelta(minutes=1))},
            {"id": "j4", "kind": "publish", "draft_id": "D0", "status": "done",
             "due_utc": iso(now - timedelta(days=1))},
        ]
    )  # fmt: skip
    store.db["workers"].insert(
        {"id": "w1", "host": "laptop", "pid": 42, "started_utc": iso(now - timedelta(hours=1)),
         "last_seen_utc": iso(now - timedelta(seconds=30)), "jobs_done": 3}
    )  # fmt: skip
    store.notify("publish_failed", "Publishing failed: draft D9", "boom", hint="mktd publish D9")
    store.close()
    return now


def test_status_json_monitoring_figures(cli, seeded) -> None:  # type: ignore[no-untyped-def]
    result = cli("status", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    # The keys status always had are all still there.
    assert {"home", "initialized", "database", "secret_store", "platforms"} <= set(data)
    assert data["notifications_unread"] == 1
    by = {(a["platform"], a["account"]): a for a in data["monitoring"]["accounts"]}
    x = by[("twitter", "brand")]
    assert x["24h"] == {
        "calls": 10, "ok": 8, "failed": 2, "success_rate": 0.8,
        "failures_by_kind": {"rate_limit": 1, "server": 1},
        "p50_ms": 500,  # nearest rank: the 5th of 10
        "p95_ms": 1000,  # the 10th of 10
    }  # fmt: skip
    assert x["7d"] == {
        "calls": 15, "ok": 11, "failed": 4, "success_rate": 0.7333,
        "failures_by_kind": {"network": 2, "rate_limit": 1, "server": 1},
        "p50_ms": 400,  # 13 answers (50, 60, 70, 100..1000): the 7th
        "p95_ms": 1000,  # the 13th; network errors have no response time
    }  # fmt: skip
    assert x["last_success_utc"] and x["last_failure_utc"]
    limits = {r["name"]: r for r in x["rate_limits"]}
    assert set(limits) == {"server:/2/tweets", "tweets-day"}  # per-second buckets left out
    assert limits["server:/2/tweets"]["exhausted"] is True
    assert (limits["server:/2/tweets"]["used"], limits["server:/2/tweets"]["remaining"]) == (300, 0)
    assert limits["server:/2/tweets"]["reset_utc"]
    # A window that has rolled over since the last call is full again.
    assert (limits["tweets-day"]["remaining"], limits["tweets-day"]["used"]) == (100, 0)
    assert x["token"]["status"] == "expiring" and x["token"]["key_old"] is False
    assert 2 * 86400 < x["token"]["expires_in_s"] <= 3 * 86400
    li = by[("linkedin", "me")]
    assert li["24h"]["calls"] == 1 and li["24h"]["success_rate"] == 1.0
    assert li["token"]["status"] == "failing" and "invalid_grant" in li["token"]["detail"]
    hub = by[("hubspot", "default")]
    assert hub["token"]["key_age_days"] == 100 and hub["token"]["key_old"] is True
    assert hub["24h"]["calls"] == 0 and hub["24h"]["success_rate"] is None
    queue = data["monitoring"]["queue"]
    assert (queue["queued"], queue["running"], queue["overdue"]) == (2, 1, 1)
    assert queue["next_due"]["id"] == "j1" and queue["queued_by_kind"] == {"publish": 2}
    worker = data["monitoring"]["workers"][0]
    assert worker["host"] == "laptop" and 25 <= worker["seen_ago_s"] <= 120
    notes = data["monitoring"]["notifications"]
    assert notes["unread"] == 1 and notes["latest"][0]["hint"] == "mktd publish D9"


def test_status_table_shows_monitoring(cli, seeded) -> None:  # type: ignore[no-untyped-def]
    result = cli("status")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "twitter/brand  24h: 10 calls, 80% ok, p50/p95 500/1000 ms" in out
    assert "failures 24h: rate_limit 1, server 1" in out and "token expiring" in out
    assert "quota left 0/300 until" in out and "key older than 90 days" in out
    assert "queue: 2 queued (1 overdue), 1 running" in out
    assert "worker last seen" in out and "Publishing failed: draft D9" in out
