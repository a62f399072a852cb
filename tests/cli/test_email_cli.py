"""`mktd email send|stats|cancel|resolve`: exactly once, approved drafts only, dry runs send
nothing, recipients from CSV, secrets never printed. respx only (no network)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from mktdirector.agents.content import drafts
from mktdirector.agents.content.brand import Brand
from mktdirector.agents.email.plan import parse_at
from mktdirector.core.errors import UsageError
from mktdirector.core.paths import db_path

SG = "http://sg.test"
KEY = "SG.emailtestsecret0001.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
FROM = "news@acme.test"
BATCH = "HkJ5yLYULb7Rj8GKSx7u025ouWVlMgAi"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "sendgrid"


@pytest.fixture(autouse=True)
def sendgrid_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENDGRID_API_KEY", KEY)
    monkeypatch.setenv("SENDGRID_FROM_EMAIL", FROM)
    monkeypatch.setenv("MKTD_SENDGRID_BASE_URL", SG)
    monkeypatch.setenv("MKTD_MAX_WAIT", "0")
    # A sender set up for marketing email (tests/cli/test_email_unsubscribe.py: without one).
    monkeypatch.setenv("MKTD_SENDGRID_UNSUBSCRIBE_GROUP", "1")


def email_draft(store: Any, *, approve: bool = True) -> str:
    body = {"subject": "The AI ROI course", "preheader": "Doors open Monday",
            "text": "Hello!\n\nSee https://example.org/course for details."}  # fmt: skip
    view = drafts.create_draft(store, Brand(), platform="sendgrid", kind="email", body=body,
                               topic="AI ROI", campaign="ai-roi")  # fmt: skip
    if approve:
        drafts.approve(store, view.id, force=True)
    return view.id


class Mail:
    """POST /v3/mail/send: records bodies and the emails rows present at the moment of the call."""

    def __init__(self, router: respx.Router, *answers: Any) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.rows_at_call: list[list[tuple[str, str]]] = []
        self.answers = list(answers)
        self.route = router.post(f"{SG}/v3/mail/send").mock(side_effect=self.answer)

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content))
        with sqlite3.connect(db_path()) as conn:  # what another process would see
            self.rows_at_call.append(conn.execute("select id, status from emails").fetchall())
        answer = self.answers.pop(0) if self.answers else None
        if isinstance(answer, Exception):
            raise answer
        n = len(self.bodies)
        return answer or httpx.Response(202, headers={"X-Message-Id": f"msg-{n:04d}"})


def emails(store: Any) -> list[dict[str, Any]]:
    return list(store.db.query("select * from emails order by created_utc, rowid"))


def test_approved_draft_sent_exactly_once(cli, store):
    did = email_draft(store)
    with respx.mock(assert_all_mocked=True) as router:
        mail = Mail(router)
        r = cli("email", "send", "--draft", did, "--to", "ada@example.org,bob@example.org", "--yes")
        assert r.exit_code == 0, r.stderr
        again = cli("email", "send", "--draft", did, "--to", "bob@example.org",
                    "--to", "ada@example.org", "--yes")  # fmt: skip
        assert mail.route.call_count == 1
    assert mail.rows_at_call[0][0][1] == "intent"  # committed before the send call
    body = mail.bodies[0]
    assert [p["to"] for p in body["personalizations"]] == [
        [{"email": "ada@example.org"}], [{"email": "bob@example.org"}]]  # fmt: skip
    assert body["personalizations"][0]["custom_args"] == {"mktd_draft_id": did}
    assert body["subject"] == "The AI ROI course" and body["categories"] == ["ai-roi"]
    assert body["from"] == {"email": FROM}
    assert "Doors open Monday" in body["content"][1]["value"]  # the preheader
    assert "utm_content=" + did in body["content"][0]["value"]
    [row] = emails(store)
    assert row["status"] == "sent" and row["message_id"] == "msg-0001" and row["draft_id"] == did
    assert "msg-0001" in r.stderr
    # The same send again (same recipients, any order) refuses and names the message id.
    assert again.exit_code == 2 and "already sent" in again.stderr and "msg-0001" in again.stderr
    assert KEY not in r.stdout + r.stderr + again.stdout + again.stderr


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("read timed out"), httpx.Response(500, json={"errors": [{"message": "x"}]})],
)
def test_unknown_outcome_needs_check_never_resends(cli, store, failure):
    did = email_draft(store)
    args = ("email", "send", "--draft", did, "--to", "ada@example.org", "--yes")
    with respx.mock(assert_all_mocked=True) as router:
        mail = Mail(router, failure)
        r = cli(*args)
        assert r.exit_code == 1, r.stderr
        assert "may or may not" in r.stderr and "Activity" in r.stderr
        [row] = emails(store)
        assert row["status"] == "needs-check"
        [note] = [n for n in store.notifications() if n["kind"] == "needs_check"]
        assert row["id"] in note["subject"] and "email resolve" in note["hint"]
        again = cli(*args)
        assert again.exit_code == 1 and f"mktd email resolve {row['id']}" in again.stderr
        assert mail.route.call_count == 1  # never a blind resend
        settled = cli("email", "resolve", row["id"], "not-sent")
        assert settled.exit_code == 0, settled.stderr
        third = cli(*args)
        assert third.exit_code == 0, third.stderr
    assert mail.route.call_count == 2
    assert [e["status"] for e in emails(store)] == ["failed", "sent"]


def test_refused_request_is_failed_and_may_be_retried(cli, store):
    did = email_draft(store)
    bad = httpx.Response(400, json=json.loads((FIXTURES / "bad_request_400.json").read_text()))
    with respx.mock(assert_all_mocked=True) as router:
        Mail(router, bad)
        r = cli("email", "send", "--draft", did, "--to", "ada@example.org", "--yes")
        assert r.exit_code == 6 and "valid address" in r.stderr
        r2 = cli("email", "send", "--draft", did, "--to", "ada@example.org", "--yes")
    assert r2.exit_code == 0, r2.stderr
    assert [e["status"] for e in emails(store)] == ["failed", "sent"]


@pytest.mark.parametrize("change", ["unapproved", "edited", "not-email"])
def test_unapproved_or_changed_draft_refused_and_nothing_sent(cli, store, change):
    if change == "not-email":
        view = drafts.create_draft(store, Brand(), platform="linkedin", kind="post", body=["Hi"])
        did = drafts.approve(store, view.id, force=True).id
    else:
        did = email_draft(store, approve=change == "edited")
    if change == "edited":
        # A change after approval (bypassing `drafts edit`, which would reset the status).
        store.db.execute("update drafts set content_hash = 'changed' where id = ?", [did])
        store.db.conn.commit()
    with respx.mock(assert_all_mocked=True) as router:  # no routes: any request fails the test
        r = cli("email", "send", "--draft", did, "--to", "ada@example.org", "--yes")
        assert router.calls.call_count == 0
    assert r.exit_code == 2
    assert {"unapproved": "only an approved", "edited": "changed since",
            "not-email": "not an email"}[change] in r.stderr  # fmt: skip
    assert emails(store) == []


def test_dry_run_prints_the_masked_request_and_sends_nothing(cli, store):
    did = email_draft(store, approve=False)
    with respx.mock(assert_all_mocked=True) as router:  # no routes
        r = cli("email", "send", "--draft", did, "--to", "ada@example.org", "--dry-run", "--json")
        text = cli("email", "send", "--draft", did, "--to", "ada@example.org", "--dry-run")
        assert router.calls.call_count == 0
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    [req] = out["requests"]
    assert req["method"] == "POST" and req["url"] == f"{SG}/v3/mail/send"
    assert req["headers"]["authorization"] == "****" and out["approved"] is False
    assert req["body"]["personalizations"][0]["custom_args"]["mktd_draft_id"] == did
    assert "POST http://sg.test/v3/mail/send" in text.stdout and "not approved" in text.stderr
    assert emails(store) == []
    assert KEY not in r.stdout + r.stderr + text.stdout + text.stderr


def test_recipients_from_csv_with_a_subject_and_body_file(cli, store, tmp_path):
    (tmp_path / "list.csv").write_bytes(
        b"Email,First Name\nada@example.org,Ada\nnope,Bob\nCAROL@example.org,Carol\n"
        b"ada@example.org,Ada again\n"
    )
    (tmp_path / "body.html").write_text("<p>Hi</p>")
    with respx.mock(assert_all_mocked=True) as router:
        mail = Mail(router)
        r = cli("email", "send", "--to-csv", str(tmp_path / "list.csv"), "--to", "dan@example.org",
                "--subject", "Launch", "--body-file", str(tmp_path / "body.html"),
                "--from", "Acme News <news@acme.test>", "--category", "launch", "--yes",
                "--json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    body = mail.bodies[0]
    assert [p["to"][0]["email"] for p in body["personalizations"]] == [
        "dan@example.org", "ada@example.org", "carol@example.org"]  # fmt: skip
    [html] = body["content"]  # the body, and the unsubscribe footer of a marketing email
    assert html["type"] == "text/html" and html["value"].startswith("<p>Hi</p>\n")
    assert "<%asm_group_unsubscribe_raw_url%>" in html["value"]
    assert body["from"] == {"email": "news@acme.test", "name": "Acme News"}
    assert body["categories"] == ["launch"] and "custom_args" not in body["personalizations"][0]
    assert "line 3: bad email" in r.stderr
    assert json.loads(r.stdout)["message_ids"] == ["msg-0001"]


def test_scheduled_send_gets_a_batch_and_can_be_cancelled(cli, store):
    did = email_draft(store)
    with respx.mock(assert_all_mocked=True) as router:
        router.post(f"{SG}/v3/mail/batch").mock(
            return_value=httpx.Response(201, json={"batch_id": BATCH})
        )
        mail = Mail(router)
        r = cli("email", "send", "--draft", did, "--to", "ada@example.org", "--at", "in 2h",
                "--yes", "--json")  # fmt: skip
        assert r.exit_code == 0, r.stderr
        assert mail.rows_at_call[0][0][1] == "intent"
        cancel = router.post(f"{SG}/v3/user/scheduled_sends").mock(
            return_value=httpx.Response(201, json={"batch_id": BATCH, "status": "cancel"})
        )
        c = cli("email", "cancel", BATCH)
    body = mail.bodies[0]
    assert body["batch_id"] == BATCH
    assert 7000 < body["send_at"] - datetime.now().timestamp() <= 7200
    out = json.loads(r.stdout)
    assert out["status"] == "scheduled" and out["batch_id"] == BATCH
    assert c.exit_code == 0, c.stderr
    assert json.loads(cancel.calls.last.request.content) == {"batch_id": BATCH, "status": "cancel"}
    assert [e["status"] for e in emails(store)] == ["cancelled"]


def test_confirmation_needed_without_a_tty(cli, store):
    did = email_draft(store)
    with respx.mock(assert_all_mocked=True) as router:
        r = cli("email", "send", "--draft", did, "--to", "ada@example.org")
        assert router.calls.call_count == 0
    assert r.exit_code == 2 and "--yes" in r.stderr and emails(store) == []


def test_no_sender_is_a_config_error(cli, store, monkeypatch):
    monkeypatch.delenv("SENDGRID_FROM_EMAIL")
    did = email_draft(store)
    r = cli("email", "send", "--draft", did, "--to", "ada@example.org", "--yes")
    assert r.exit_code == 3 and "SENDGRID_FROM_EMAIL" in r.stderr


def test_stats_are_stored_and_printed(cli, store):
    with respx.mock(assert_all_mocked=True) as router:
        g = router.get(f"{SG}/v3/stats").mock(
            return_value=httpx.Response(200, json=json.loads((FIXTURES / "stats.json").read_text()))
        )
        r = cli("email", "stats", "--since", "2026-09-01")
        c = router.get(f"{SG}/v3/categories/stats").mock(
            return_value=httpx.Response(
                200, json=json.loads((FIXTURES / "category_stats.json").read_text())
            )
        )
        rc = cli("email", "stats", "--since", "2026-09-01", "--category", "mktd", "--json")
    assert r.exit_code == 0, r.stderr
    assert g.calls.last.request.url.params["start_date"] == "2026-09-01"
    assert "118" in r.stdout and "total" in r.stdout
    assert c.calls.last.request.url.params.get_list("categories") == ["mktd"]
    out = json.loads(rc.stdout)
    assert out["totals"]["delivered"] == 118  # both categories of the fixture, summed
    stats = {(s["date"], s["category"]): s for s in store.db["email_stats"].rows}
    assert stats[("2026-09-01", "")]["delivered"] == 118
    assert stats[("2026-09-01", "mktd")]["unique_opens"] == 60


def test_parse_at() -> None:
    now = datetime(2026, 5, 1, 10, 0).astimezone()
    assert parse_at("in 2h", now) == now + timedelta(hours=2)
    assert parse_at("in 30 min", now) == now + timedelta(minutes=30)
    assert parse_at("tomorrow 9:00", now).replace(tzinfo=None) == datetime(2026, 5, 2, 9, 0)
    assert parse_at("today 5pm", now).hour == 17
    assert parse_at("2026-05-02T08:00", now).replace(tzinfo=None) == datetime(2026, 5, 2, 8, 0)
    aware = parse_at("2026-05-02T08:00+00:00", now)
    assert aware.utcoffset() == timedelta(0)
    for bad, fragment in (("in 4d", "72 hours"), ("today 9:00", "past"), ("soonish", "read")):
        with pytest.raises(UsageError, match=fragment):
            parse_at(bad, now)


def test_over_1000_recipients_go_in_groups_and_a_rerun_sends_only_the_rest(cli, store, tmp_path):
    did = email_draft(store)
    path = tmp_path / "big.csv"
    path.write_text("email\n" + "".join(f"r{i}@example.org\n" for i in range(1500)))
    bad = httpx.Response(400, json=json.loads((FIXTURES / "bad_request_400.json").read_text()))
    args = ("email", "send", "--draft", did, "--to-csv", str(path), "--yes")
    with respx.mock(assert_all_mocked=True) as router:
        mail = Mail(router, None, bad)
        r = cli(*args)
        assert r.exit_code == 6 and "1 of 2 recipient groups went out" in r.stderr
        r2 = cli(*args, "--json")
    assert r2.exit_code == 0, r2.stderr
    assert [len(b["personalizations"]) for b in mail.bodies] == [1000, 500, 500]
    out = json.loads(r2.stdout)
    assert out["message_ids"] == ["msg-0001", "msg-0003"] and out["recipients"] == 1500
    assert [g["earlier"] for g in out["groups"]] == [True, False]
    assert [e["status"] for e in emails(store)] == ["sent", "failed", "sent"]


def test_a_racing_second_run_cannot_start_the_same_send(store):
    row = {"send_key": "k1", "subject": "S", "recipients": 1, "from_email": FROM}
    first = store.write_email_intent(row)
    with pytest.raises(UsageError, match=f"Email {first} .* is intent"):
        store.write_email_intent(row)
    store.update_email(first, status="failed")
    assert store.write_email_intent(row) != first  # a failed send may be tried again
