"""Alert channels end to end: Slack against a local webhook server, email through SendGrid
(respx), `mktd alerts test|run`, and the in-tool notifications with their unread line."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import respx

from mktdirector.store import stamps

SECRET = "XXXXsecretTOKEN1234"


class Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        Hook.received.append(
            {"path": self.path, "type": self.headers.get("content-type"), "body": json.loads(body)}
        )
        self.send_response(200)
        self.send_header("content-type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """A Slack-like incoming webhook on 127.0.0.1; SLACK_WEBHOOK_URL points at it."""
    Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )  # shutdown() waits up to a poll interval
    thread.start()
    port = server.server_address[1]
    monkeypatch.setenv("SLACK_WEBHOOK_URL", f"http://127.0.0.1:{port}/services/T000/B000/{SECRET}")
    try:
        yield Hook.received
    finally:
        server.shutdown()
        server.server_close()


def test_alerts_test_posts_a_block_kit_payload_to_the_webhook(cli, store, slack) -> None:  # type: ignore[no-untyped-def]
    cli("init")
    result = cli("alerts", "test", "--json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["in-tool"]["status"] == "sent" and out["slack"] == {
        "status": "sent",
        "receipt": "HTTP 200",
    }
    assert out["email"]["status"] == "not configured" and "MKTD_ALERT_EMAIL" in out["email"]["hint"]
    [req] = slack
    assert req["path"] == f"/services/T000/B000/{SECRET}"
    assert req["type"] == "application/json"
    payload = req["body"]
    assert set(payload) == {"text", "blocks"}
    assert payload["text"].startswith("mktd: test alert")
    header, section, context = payload["blocks"]
    assert header == {"type": "header", "text": {"type": "plain_text", "text": "mktd: test alert"}}
    assert section["type"] == "section" and section["text"]["type"] == "mrkdwn"
    assert "*Test alert from mktd*" in section["text"]["text"]
    assert "Fix: `mktd notifications ack`" in section["text"]["text"]
    assert context["type"] == "context" and context["elements"][0]["type"] == "mrkdwn"
    # Through the choke point: audited as platform slack, with no secret in the path.
    [call] = list(store.db.query("select * from http_calls where platform = 'slack'"))
    assert (call["method"], call["status"], call["path"]) == (
        "POST",
        200,
        "/services/{s1}/{s2}/{s3}",
    )
    assert SECRET not in json.dumps(list(store.db.query("select * from http_calls")))
    assert SECRET not in result.stdout + result.stderr
    # The test alert is in the in-tool list, but never delivered anywhere again.
    assert [n["kind"] for n in store.notifications()] == ["test"]


def test_alerts_run_delivers_a_failed_publish_once(cli, store, slack) -> None:  # type: ignore[no-untyped-def]
    cli("init")
    store.db["drafts"].insert(
        {"id": "D1", "platform": "twitter", "status": "failed", "error": "X answered 503",
         "updated_utc": store.db.execute("select strftime('%Y-%m-%dT%H:%M:%fZ')").fetchone()[0]}
    )  # fmt: skip
    store.db.conn.commit()
    store.close()
    result = cli("alerts", "run")
    assert result.exit_code == 0, result.stderr
    assert "Publishing failed: X (Twitter) post of draft D1" in result.stderr
    [req] = slack
    text = req["body"]["blocks"][1]["text"]["text"]
    assert "draft D1" in text and "X answered 503" in text and "Fix: `mktd publish D1" in text
    assert cli("alerts", "run").exit_code == 0 and len(slack) == 1  # de-duplicated, sent once
    sent = json.loads(store.notifications()[0]["sent_json"])
    assert set(sent) == {"slack"} and "sent_utc" in sent["slack"]


@respx.mock
def test_alert_email_goes_through_sendgrid(cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MKTD_SENDGRID_BASE_URL", "http://sendgrid.test")
    monkeypatch.setenv("SENDGRID_API_KEY", "SG.testkey12345678.abcdefghijklmnop")
    monkeypatch.setenv("SENDGRID_FROM_EMAIL", "mktd <alerts@example.com>")
    monkeypatch.setenv("MKTD_ALERT_EMAIL", "me@example.com")
    route = respx.post("http://sendgrid.test/v3/mail/send").mock(
        return_value=httpx.Response(202, headers={"x-message-id": "msg-1"})
    )
    cli("init")
    result = cli("alerts", "test", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["email"] == {"status": "sent", "receipt": "message id msg-1"}
    body = json.loads(route.calls[0].request.content)
    assert body["from"] == {"email": "alerts@example.com", "name": "mktd"}
    assert body["personalizations"][0]["to"] == [{"email": "me@example.com"}]
    assert body["subject"].startswith("mktd: test alert")
    assert "Test alert from mktd" in body["content"][0]["value"]


def test_a_failing_channel_is_reported_with_its_exit_code(cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MKTD_ALERT_EMAIL", "me@example.com")  # but no SENDGRID_FROM_EMAIL
    cli("init")
    result = cli("alerts", "test")
    assert result.exit_code == 3
    assert "✗ email" in result.stdout and "SENDGRID_FROM_EMAIL" in result.stdout


def test_unread_line_on_every_command_and_notifications_ack(cli, store) -> None:  # type: ignore[no-untyped-def]
    assert (
        "unread notification" not in cli("config", "show").stderr
    )  # no database: nothing, and none made
    cli("init")
    first = store.notify(
        "publish_failed", "Publishing failed: draft D1", "boom", hint="mktd publish D1"
    )
    second = store.notify(
        "auth_failed", "Authentication failed: X", "401", hint="mktd authorize twitter"
    )
    store.close()
    assert first and second
    shown = cli("config", "show")
    assert "mktd: 2 unread notifications: mktd notifications" in shown.stderr
    assert "unread notification" not in cli("status", "--json").stderr  # never with --json
    listed = cli("notifications")
    assert "unread notifications:" not in listed.stderr  # the list itself says it
    assert (
        "Publishing failed: draft D1" in listed.stdout and "fix: mktd publish D1" in listed.stdout
    )
    rows = json.loads(cli("notifications", "--json").stdout)
    assert [r["subject"] for r in rows] == [
        "Authentication failed: X",
        "Publishing failed: draft D1",
    ]
    # a unique start of the id: ids made in one millisecond differ only near their end
    unique_start = first[: len(os.path.commonprefix([first, second])) + 1]
    assert cli("notifications", "ack", unique_start).exit_code == 0
    assert "mktd: 1 unread notification: mktd notifications" in cli("config", "show").stderr
    assert cli("notifications", "ack", "NOPE").exit_code == 2
    assert "1 notification(s) marked read" in cli("notifications", "ack").stderr
    assert "unread notification" not in cli("config", "show").stderr
    assert len(json.loads(cli("notifications", "--all", "--json").stdout)) == 2


def test_ack_of_a_start_two_ids_share_says_so_and_marks_nothing(cli, store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    cli("init")
    # two notifications in one millisecond: the second id is the first plus one
    monkeypatch.setattr(stamps, "time", SimpleNamespace(time_ns=lambda: 1_780_000_000_000_000_000))
    first = store.notify("publish_failed", "Publishing failed: draft D1", "boom")
    second = store.notify("auth_failed", "Authentication failed: X", "401")
    store.close()
    assert first and second and first[:20] == second[:20]
    result = cli("notifications", "ack", first[:20].lower())
    assert result.exit_code == 2
    assert f"{first[:20].lower()!r} starts more than one notification" in result.stderr
    assert "give more of its id" in result.stderr and "Traceback" not in result.stderr
    assert "mktd: 2 unread notifications" in cli("config", "show").stderr  # none marked read
