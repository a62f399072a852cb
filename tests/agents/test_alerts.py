"""Alert rules, de-duplication (one per cause per hour, one event once) and delivery."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mktdirector.agents.ops.alerts import deliver, evaluate_alerts, run_alerts
from mktdirector.core.errors import ApiConnectionError


def iso(t: datetime) -> str:
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FakeChannel:
    def __init__(self, name: str = "slack", fail: int = 0) -> None:
        self.name = name
        self.fail = fail
        self.sent: list[list[dict[str, Any]]] = []

    def send(self, alerts: Any, *, test: bool = False) -> str:
        if self.fail:
            self.fail -= 1
            raise ApiConnectionError("connection refused", platform=self.name)
        self.sent.append(list(alerts))
        return "ok"


def seed_calls(store: Any, at: datetime, platform: str, ok: int, failed: int) -> None:
    store.db["http_calls"].insert_all(
        {"id": f"{platform}{at.timestamp()}{i}", "time_utc": iso(at - timedelta(minutes=i + 1)),
         "platform": platform, "account": "brand", "method": "GET", "path": "/x",
         "status": 200 if i < ok else 503, "duration_ms": 10, "attempt": 1,
         "error_kind": None if i < ok else "server"}
        for i in range(ok + failed)
    )  # fmt: skip


@pytest.fixture
def now(store) -> datetime:  # type: ignore[no-untyped-def]
    """A database with one cause for every rule."""
    now = datetime.now(UTC)
    t = iso(now - timedelta(minutes=30))
    store.db["drafts"].insert_all(
        [
            {"id": "DFAIL", "platform": "twitter", "status": "failed", "topic": "AI ROI",
             "error": "X answered 503", "updated_utc": t},
            {"id": "DCHECK", "platform": "linkedin", "status": "needs-check", "updated_utc": t},
            {"id": "DOLD", "platform": "twitter", "status": "failed",
             "updated_utc": iso(now - timedelta(days=3))},
        ]
    )  # fmt: skip
    store.db["auth_events"].insert(
        {"id": "A1", "time_utc": t, "platform": "linkedin", "account": "me", "event": "refresh",
         "ok": 0, "detail": "invalid_grant"}
    )  # fmt: skip
    store.db["connections"].insert_all(
        [
            {"platform": "linkedin", "account": "me", "store": "keyring", "has_refresh": 0,
             "expires_utc": iso(now + timedelta(days=5))},
            {"platform": "twitter", "account": "brand", "store": "keyring", "has_refresh": 1,
             "expires_utc": iso(now + timedelta(hours=1))},  # refreshable: no alert
        ]
    )  # fmt: skip
    store.db["rate_limit_state"].insert(
        {"key": "twitter|brand|server:all", "platform": "twitter", "account": "brand",
         "name": "server:all", "kind": "server", "limit_value": 50, "remaining": 0,
         "reset_at": (now + timedelta(hours=3)).timestamp()}
    )  # fmt: skip
    store.db["jobs"].insert_all(
        [
            {"id": "J1", "kind": "publish", "draft_id": "DQ", "platform": "twitter",
             "status": "queued", "due_utc": t},
            {"id": "J2", "kind": "publish", "draft_id": "DSKIP", "platform": "linkedin",
             "status": "skipped", "due_utc": t, "updated_utc": t,
             "last_error": "missed by 3 h (grace 2 h)"},
        ]
    )  # fmt: skip
    seed_calls(store, now, "hubspot", ok=2, failed=4)  # 4 of 6 failed: over 0.5
    seed_calls(store, now, "sendgrid", ok=0, failed=4)  # only 4 calls: not enough to judge
    return now


def test_every_rule_names_the_culprit_and_the_fix(store, now) -> None:  # type: ignore[no-untyped-def]
    raised = evaluate_alerts(store, now)
    by_kind = {a["kind"]: a for a in raised}
    assert sorted(by_kind) == [
        "auth_failed", "failure_rate", "needs_check", "publish_failed", "rate_limited",
        "slot_skipped", "token_expiring",
    ]  # fmt: skip
    assert len(raised) == 7  # DOLD is history; sendgrid had too few calls
    assert "DFAIL" in by_kind["publish_failed"]["subject"]
    assert by_kind["publish_failed"]["hint"].startswith("mktd publish DFAIL")
    assert "--resolve posted|not-posted" in by_kind["needs_check"]["hint"]
    assert by_kind["auth_failed"]["hint"] == "mktd authorize linkedin"
    assert "account me" in by_kind["auth_failed"]["subject"]
    assert by_kind["token_expiring"]["hint"].startswith("mktd authorize linkedin")
    assert "twitter" not in by_kind["token_expiring"]["subject"].lower()
    assert by_kind["rate_limited"]["hint"].startswith("mktd queue list")
    assert "4 of 6 calls failed" in by_kind["failure_rate"]["subject"]
    assert "mktd test-integration hubspot" in by_kind["failure_rate"]["hint"]
    assert by_kind["slot_skipped"]["hint"].startswith("mktd schedule DSKIP --at")
    rows = {n["kind"]: n for n in store.notifications()}
    assert "X answered 503" in rows["publish_failed"]["message"]
    assert rows["rate_limited"]["severity"] == "warning"


def age(store: Any, hours: float) -> None:
    """Let time pass for the alerts already raised."""
    store.db.execute(
        "update notifications set created_utc = strftime('%Y-%m-%dT%H:%M:%fZ', created_utc, ?)",
        [f"-{hours * 3600} seconds"],
    )
    store.db.conn.commit()


def test_one_alert_per_cause_per_hour_and_one_event_once(store, now) -> None:  # type: ignore[no-untyped-def]
    assert len(evaluate_alerts(store, now)) == 7
    assert evaluate_alerts(store, now) == []  # same causes, same hour
    store.ack()  # read or not, an event is raised once
    age(store, 0.5)
    assert evaluate_alerts(store, now) == []
    # Two hours on, the hub still fails: an ongoing cause alerts again, once an hour; the
    # failed draft, the auth failure, the expiry and the skipped slot are the same events.
    age(store, 1.5)
    assert [a["kind"] for a in evaluate_alerts(store, now)] == ["failure_rate"]
    assert evaluate_alerts(store, now) == []
    # The draft fails again: a new event of an old cause (its last alert was 2 h ago)...
    store.db["drafts"].update("DFAIL", {"updated_utc": iso(now - timedelta(minutes=5))})
    assert [a["kind"] for a in evaluate_alerts(store, now)] == ["publish_failed"]
    # ...and a third failure within the hour waits for the hour to pass.
    store.db["drafts"].update("DFAIL", {"updated_utc": iso(now - timedelta(minutes=1))})
    assert evaluate_alerts(store, now) == []
    age(store, 1.1)
    assert [a["kind"] for a in evaluate_alerts(store, now)] == ["publish_failed", "failure_rate"]


def test_resolved_causes_do_not_alert(store, now) -> None:  # type: ignore[no-untyped-def]
    # A successful linkedin call after the refresh failure: the token works again.
    seed_calls(store, now + timedelta(minutes=5), "linkedin", ok=1, failed=0)
    store.db.execute("update http_calls set account = 'me' where platform = 'linkedin'")
    store.db["jobs"].update("J1", {"status": "done"})  # nothing queued behind the limit
    store.db.conn.commit()
    kinds = {a["kind"] for a in evaluate_alerts(store, now)}
    assert "auth_failed" not in kinds and "rate_limited" not in kinds


def test_a_rejected_token_in_the_audit_raises_an_auth_alert(store) -> None:  # type: ignore[no-untyped-def]
    # What the choke point writes for a 401 with nothing to refresh (an API key, an env token):
    # no auth event, only the audit row. The rule once looked for a kind nobody writes.
    from mktdirector.core.errors import AuthenticationError

    at = datetime.now(UTC) - timedelta(minutes=5)
    store.db["http_calls"].insert(
        {"id": "C1", "time_utc": iso(at), "platform": "hubspot", "account": None,
         "method": "POST", "path": "/crm/v3/objects/contacts/batch/upsert", "status": 401,
         "duration_ms": 5, "attempt": 1, "error_kind": AuthenticationError.kind}
    )  # fmt: skip
    store.db.conn.commit()
    alerts = [a for a in evaluate_alerts(store, datetime.now(UTC)) if a["kind"] == "auth_failed"]
    assert len(alerts) == 1 and alerts[0]["hint"] == "mktd authorize hubspot"


def test_delivery_once_per_channel_with_retries_recorded(store, now) -> None:  # type: ignore[no-untyped-def]
    slack, email = FakeChannel("slack"), FakeChannel("email", fail=1)
    result = run_alerts(store, [slack, email], now)
    assert len(result.raised) == 7
    assert result.delivered["slack"] == {"status": "sent", "alerts": 7, "receipt": "ok"}
    assert result.delivered["email"]["status"] == "error"
    assert len(slack.sent) == 1 and len(slack.sent[0]) == 7  # one message for the batch
    sent = [json.loads(n["sent_json"]) for n in store.notifications()]
    assert all(s["slack"].keys() == {"sent_utc"} for s in sent)
    assert all(s["email"]["attempts"] == 1 and "refused" in s["email"]["error"] for s in sent)
    # Next run: Slack has nothing new; email is retried and succeeds.
    again = deliver(store, [slack, email], now)
    assert again["slack"]["status"] == "nothing to send" and len(slack.sent) == 1
    assert again["email"]["status"] == "sent" and len(email.sent) == 1
    assert deliver(store, [slack, email], now)["email"]["status"] == "nothing to send"


def test_a_channel_that_keeps_failing_is_given_up_after_three_tries(store, now) -> None:  # type: ignore[no-untyped-def]
    evaluate_alerts(store, now)
    broken = FakeChannel("slack", fail=99)
    for _ in range(3):
        assert deliver(store, [broken], now)["slack"]["status"] == "error"
    assert deliver(store, [broken], now)["slack"]["status"] == "nothing to send"


def test_read_and_info_notifications_are_not_delivered(store, now) -> None:  # type: ignore[no-untyped-def]
    store.notify("test", "a test", "m", severity="info")
    store.notify("x", "read already", "m")
    store.ack()
    store.notify("x", "unread", "m")
    ch = FakeChannel()
    deliver(store, [ch], now)
    assert [a["subject"] for a in ch.sent[0]] == ["unread"]
