"""`mktd email send --via mailchimp` against the sandbox: exactly once through lost answers,
resumed runs and refusals; scheduling and cancelling; stats beside SendGrid's in `mktd report`;
`mktd authorize mailchimp` and `mktd email audiences import`.

Everything asserted comes from the sandbox's state (campaigns with their send counts, members)
and mktd's own database and output, never from timing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mktdirector.sandbox import Sandbox
from mktdirector.sandbox.env import MAILCHIMP_KEY

pytestmark = pytest.mark.slow  # a real sandbox server on 127.0.0.1 for each test
AUDIENCE = "sbxaud0001"


def send(cli: Any, body: Path, subject: str = "Launch news", *extra: str) -> Any:
    return cli("email", "send", "--via", "mailchimp", "--audience", AUDIENCE, "--subject", subject,
               "--body-file", str(body), "--yes", "--json", *extra)  # fmt: skip


def campaigns(sb: Sandbox) -> list[dict[str, Any]]:
    return list(sb.state()["mailchimp"]["campaigns"])


@pytest.fixture
def body(tmp_path: Path) -> Path:
    path = tmp_path / "body.txt"
    path.write_text("Our course starts Monday: https://example.org/course\n", encoding="utf-8")
    return path


def test_a_campaign_goes_out_once_and_a_second_run_is_refused(
    home: Path, sb: Sandbox, cli: Any, body: Path
) -> None:
    first = send(cli, body, "Launch news", "--test", "me@sandbox.example")
    assert first.exit_code == 0, first.stderr
    out = json.loads(first.stdout)
    assert (
        out["status"] == "sent"
        and out["recipients"] == 3
        and out["tested"] == ["me@sandbox.example"]
    )
    again = send(cli, body)
    assert (
        again.exit_code == 2
        and "already sent" in again.stderr
        and out["campaign_id"] in again.stderr
    )
    [c] = campaigns(sb)
    assert (c["status"], c["send_count"], c["tests"], c["emails_sent"]) == ("sent", 1, 1, 3)
    assert c["title"] == f"mktd {out['email_id']}" and "*|UNSUB|*" in c["html"]
    # links are tagged for attribution (no draft here: utm_content is the email's id)
    assert (
        f"https://example.org/course?utm_source=email&utm_medium=email&utm_campaign=mktd&utm_content={out['email_id']}"
        in c["html"]
    )
    listed = json.loads(cli("email", "list", "--json").stdout)
    assert [(e["platform"], e["status"], e["message_id"]) for e in listed] == [
        ("mailchimp", "sent", c["id"])
    ]


@pytest.mark.parametrize(
    ("faults", "why"),
    [
        ("mailchimp.send:reset-after@1", "the send happened, its answer was lost"),
        ("mailchimp.send:500-after@1", "the send happened, then a 500"),
        ("mailchimp.send:503@1", "a 503 before doing anything: not sent, so sent now"),
        ("mailchimp.create:reset-after@1", "the create happened, its answer was lost"),
        ("mailchimp.create:timeout-after-create=3@1", "the create happened, the answer never came"),
    ],
)
def test_a_lost_answer_is_settled_by_reading_back_never_by_sending_twice(
    home: Path, sb: Sandbox, cli: Any, body: Path, faults: str, why: str, monkeypatch: Any
) -> None:
    monkeypatch.setenv("MKTD_HTTP_TIMEOUT", "1")
    sb.set_faults(faults)
    result = send(cli, body)
    assert result.exit_code == 0, f"{why}: {result.stderr}"
    assert json.loads(result.stdout)["status"] == "sent"
    [c] = campaigns(sb)  # one campaign, sent once
    assert (c["status"], c["send_count"]) == ("sent", 1), why
    assert send(cli, body).exit_code == 2  # and a re-run refuses


def test_when_reading_back_fails_too_the_next_run_finishes_without_a_second_send(
    home: Path, sb: Sandbox, cli: Any, body: Path
) -> None:
    sb.set_faults("mailchimp.send:reset-after@1,mailchimp.campaign:503")
    lost = send(cli, body)
    assert lost.exit_code == 1 and "nothing was sent again" in lost.stderr
    assert "Run the same command again" in lost.stderr
    [row] = json.loads(cli("email", "list", "--json").stdout)
    assert row["status"] == "needs-check"
    sb.set_faults(None)
    resumed = send(cli, body)
    assert resumed.exit_code == 0, resumed.stderr
    out = json.loads(resumed.stdout)
    assert out["resumed"] is True and out["status"] == "sent" and out["email_id"] == row["id"]
    [c] = campaigns(sb)
    assert c["send_count"] == 1


def test_a_refused_send_keeps_the_campaign_for_the_next_run(
    home: Path, sb: Sandbox, cli: Any, body: Path
) -> None:
    sb.set_faults("mailchimp.send:400@1")
    refused = send(cli, body)
    assert refused.exit_code == 6 and "Mailchimp refused" in refused.stderr
    assert send(cli, body).exit_code == 0  # resumes the same campaign
    [c] = campaigns(sb)
    assert (c["status"], c["send_count"]) == ("sent", 1)


def test_a_tag_narrows_the_audience_and_an_unknown_tag_sends_nothing(
    home: Path, sb: Sandbox, cli: Any, body: Path, tmp_path: Path
) -> None:
    csv = tmp_path / "vip.csv"
    csv.write_text("email,first name,tags\nvip1@sandbox.example,Vi,vip\n", encoding="utf-8")
    assert cli("email", "audiences", "import", str(csv), "--audience", AUDIENCE).exit_code == 0
    missing = send(cli, body, "To VIPs", "--segment", "nobody")
    assert missing.exit_code == 2 and "no tag 'nobody'" in missing.stderr and campaigns(sb) == []
    sent = send(cli, body, "To VIPs", "--segment", "vip")
    assert sent.exit_code == 0, sent.stderr
    assert json.loads(sent.stdout)["recipients"] == 1
    assert campaigns(sb)[0]["emails_sent"] == 1


def test_schedule_on_a_quarter_hour_then_cancel(
    home: Path, sb: Sandbox, cli: Any, body: Path
) -> None:
    off = send(cli, body, "Later", "--at", "2030-01-01T09:10+00:00")
    assert off.exit_code == 2 and ":00, :15, :30 and :45" in off.stderr and campaigns(sb) == []
    scheduled = send(cli, body, "Later", "--at", "in 2h")
    assert scheduled.exit_code == 0, scheduled.stderr
    out = json.loads(scheduled.stdout)
    assert out["status"] == "scheduled" and out["send_at_utc"][14:16] in ("00", "15", "30", "45")
    assert campaigns(sb)[0]["status"] == "schedule"
    cancelled = cli("email", "cancel", out["campaign_id"], "--platform", "mailchimp", "--json")
    assert cancelled.exit_code == 0, cancelled.stderr
    assert json.loads(cancelled.stdout)["emails"] == [out["email_id"]]
    assert campaigns(sb)[0]["status"] == "save"


def test_stats_come_from_campaign_reports_and_the_report_shows_both_platforms(
    home: Path, sb: Sandbox, cli: Any, body: Path, tmp_path: Path
) -> None:
    csv = tmp_path / "many.csv"
    csv.write_text(
        "email\n" + "".join(f"p{i}@sandbox.example\n" for i in range(97)), encoding="utf-8"
    )
    assert cli("email", "audiences", "import", str(csv), "--audience", AUDIENCE).exit_code == 0
    assert (
        cli("email", "draft", "--subject", "News", "--body-file", str(body), "--json").exit_code
        == 0
    )
    draft = json.loads(cli("drafts", "list", "--json").stdout)[0]["id"]
    assert cli("drafts", "approve", draft, "--yes").exit_code == 0
    mc = cli(
        "email",
        "send",
        "--via",
        "mailchimp",
        "--audience",
        AUDIENCE,
        "--draft",
        draft,
        "--yes",
        "--json",
    )
    assert mc.exit_code == 0, mc.stderr
    sg = cli("email", "send", "--draft", draft, "--to", "ada@example.org", "--yes", "--json")
    assert sg.exit_code == 0, sg.stderr
    cid = json.loads(mc.stdout)["campaign_id"]
    sb.advance(2 * 86400)  # opens and clicks grow for a day
    stats = cli("email", "stats", "--platform", "mailchimp", "--since", "7d", "--json")
    assert stats.exit_code == 0, stats.stderr
    [row] = json.loads(stats.stdout)["rows"]
    assert row["category"] == cid and row["requests"] == 100 and row["unique_opens"] == 50
    assert row["unsubscribes"] == 2 and row["bounces"] == 1
    report = cli("report", "--timeframe", "7d", "--channels", "email", "--json")
    assert report.exit_code == 0, report.stderr
    posts = json.loads(report.stdout)["posts"]
    by = {p["account"].split()[0]: p for p in posts}
    assert set(by) == {"mailchimp", "sendgrid"}
    assert by["mailchimp"]["reach"] == 99 and by["mailchimp"]["impressions"] == 50
    assert by["sendgrid"]["reach"] == 1


def test_authorize_checks_the_key_with_ping_before_saving(
    home: Path, sb: Sandbox, cli: Any, monkeypatch: Any
) -> None:
    monkeypatch.delenv("MAILCHIMP_API_KEY")
    wrong = cli(
        "authorize", "mailchimp", "--from-stdin", input="0123456789abcdef0123456789abcdef-us1\n"
    )
    assert wrong.exit_code == 4 and "API Key Invalid" in wrong.stderr
    assert "0123456789abcdef0123456789abcdef-us1" not in wrong.stderr + wrong.stdout
    bad = cli("authorize", "mailchimp", "--from-stdin", input="no-data-centre\n")
    assert bad.exit_code == 3 and "…-us6" in bad.stderr
    ok = cli("authorize", "mailchimp", "--from-stdin", "--json", input=MAILCHIMP_KEY + "\n")
    assert ok.exit_code == 0, ok.stderr
    saved = json.loads(ok.stdout)
    assert saved["identity"] == "sbx0mc0acct" and "Sandbox Marketing" in saved["detail"]
    assert MAILCHIMP_KEY not in ok.stdout
    checks = cli("test-integration", "mailchimp", "--json")
    assert checks.exit_code == 0 and json.loads(checks.stdout)["status"] == "connected"
    pings = sb.state()["requests"]["mailchimp.ping"]["outcomes"]
    assert pings == {"401": 1, "200": 2}


def test_an_import_reports_refused_members_per_row_and_keeps_the_rest(
    home: Path, sb: Sandbox, cli: Any, tmp_path: Path
) -> None:
    rows = [f"m{i}@sandbox.example,M{i},vip" for i in range(1_200)]
    rows += ["john.doe@example.com,John,", "forgotten@sandbox.example,F,", "compliance1@sandbox.example,C,",
             "not-an-email,X,", "M3@Sandbox.example,Again,"]  # fmt: skip
    csv = tmp_path / "members.csv"
    csv.write_text("email,first name,tags\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = cli("email", "audiences", "import", str(csv), "--audience", AUDIENCE, "--json")
    assert result.exit_code == 1  # some were refused: said, and not hidden behind a 0
    out = json.loads(result.stdout)
    assert (out["created"], out["updated"], out["batches"], out["duplicates"]) == (1_200, 0, 3, 1)
    assert sorted(e["email"] for e in out["errors"]) == [
        "compliance1@sandbox.example", "forgotten@sandbox.example", "john.doe@example.com"]  # fmt: skip
    assert [s["line"] for s in out["skipped"]] == [1_205]
    state = sb.state()["mailchimp"]
    assert state["members"]["m3@sandbox.example"]["merge_fields"]["FNAME"] == "Again"
    assert state["batch_calls"] == 3 and state["concurrency_refused"] == 0
    assert 1 <= state["peak_connections"] <= 10
    wrong = cli("email", "audiences", "import", str(csv), "--audience", "nope")
    assert wrong.exit_code == 6 and "no such resource" in wrong.stderr
    assert sb.state()["mailchimp"]["batch_calls"] == 3  # a wrong audience sends no member
