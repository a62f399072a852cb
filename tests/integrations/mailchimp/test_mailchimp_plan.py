"""Email platform facts read by platform id, and the campaign flow's exactly-once steps with a
fake campaign platform (calls counted): a run that died after the create finds its campaign by
title instead of creating another; a campaign already out is recorded, never sent again."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mktdirector.agents.email import campaign as flow
from mktdirector.agents.email.plan import SendPlan, parse_at, plan_send, sender
from mktdirector.agents.email.send import AlreadySentError
from mktdirector.core import errors as E
from mktdirector.core.platforms import address_email_platform, email_facts
from mktdirector.store.rows import EmailStatus
from mktdirector.wiring import Deps

NOW = datetime(2026, 9, 1, 9, 7, 30, tzinfo=ZoneInfo("UTC"))


# facts per platform -----------------------------------------------------------------------------
def test_sendgrid_keeps_its_72_hours_and_mailchimp_has_no_horizon() -> None:
    with pytest.raises(E.UsageError, match="more than 72 hours ahead; SendGrid schedules up to 72"):
        parse_at("2026-09-05T09:00+00:00", NOW)
    far = parse_at("2026-09-20T09:15+00:00", NOW, email_facts("mailchimp"), "Mailchimp")
    assert far == datetime(2026, 9, 20, 9, 15, tzinfo=ZoneInfo("UTC"))


def test_mailchimp_rounds_relative_times_up_and_refuses_explicit_ones_off_the_quarter() -> None:
    mc = email_facts("mailchimp")
    assert parse_at("in 2h", NOW, mc, "Mailchimp") == datetime(
        2026, 9, 1, 11, 15, tzinfo=ZoneInfo("UTC")
    )
    on_the_dot = NOW.replace(minute=0, second=0)
    assert parse_at("in 1h", on_the_dot, mc, "Mailchimp") == on_the_dot + timedelta(hours=1)
    with pytest.raises(E.UsageError, match=":00, :15, :30 and :45") as err:
        parse_at("2026-09-02T09:10+00:00", NOW, mc, "Mailchimp")
    assert err.value.hint == "--at 2026-09-02T09:15+0000"
    # SendGrid takes any minute
    assert parse_at("2026-09-02T09:10+00:00", NOW).minute == 10


def test_recipients_per_request_and_the_sender_variable_come_from_the_platform(
    monkeypatch: Any,
) -> None:
    assert email_facts("sendgrid").max_recipients == 1000
    plan = SendPlan(flow.EmailContent("s", "t", None), "a@example.org", None,
                    [f"r{i}@example.org" for i in range(2_500)])  # fmt: skip
    assert [len(c) for c in plan.chunks()] == [1000, 1000, 500]
    monkeypatch.setenv("SENDGRID_FROM_EMAIL", "News <news@example.org>")
    assert sender(None) == ("News", "news@example.org")
    with pytest.raises(E.ConfigError, match="Mailchimp needs a verified from address") as err:
        sender(None, "mailchimp")
    assert "SENDGRID" not in (err.value.hint or "")


def test_alerts_go_through_a_platform_that_emails_single_addresses() -> None:
    assert address_email_platform("mailchimp") == "sendgrid"
    assert address_email_platform("sendgrid") == "sendgrid"
    assert address_email_platform(None) == "sendgrid"


# the campaign flow with a fake platform ----------------------------------------------------------
@dataclass
class Campaign:
    id: str
    status: str = "save"
    title: str = ""
    send_time: str | None = None
    emails_sent: int | None = None

    @property
    def went_out(self) -> bool:
        return self.status in ("sending", "sent")

    @property
    def scheduled(self) -> bool:
        return self.status == "schedule"


@dataclass
class Audience:
    id: str = "L1"
    name: str = "News"
    members: int = 3
    from_name: str = "Us"
    from_email: str = "us@example.org"


@dataclass
class FakeCampaigns:
    """A campaign platform in memory that counts what it was asked."""

    name: str = "mailchimp"
    label: str = "Mailchimp"
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    lose_send_answer: bool = False
    connection: Any = True
    http: Any = None

    def require_connection(self) -> Any:
        return self.connection

    def audience(self, list_id: str) -> Audience:
        return Audience(list_id)

    def tag_segment(self, list_id: str, tag: str) -> int:
        return 7

    def create_campaign(self, spec: Any) -> Campaign:
        self.calls.append("create")
        c = Campaign(f"c{len(self.campaigns) + 1}", title=spec.title)
        self.campaigns[c.id] = c
        return c

    def find_campaign(self, list_id: str, title: str) -> Campaign | None:
        self.calls.append("find")
        return next((c for c in self.campaigns.values() if c.title == title), None)

    def campaign(self, cid: str) -> Campaign:
        return self.campaigns[cid]

    def set_content(self, cid: str, html: str | None, text: str | None) -> None:
        self.calls.append("content")

    def checklist(self, cid: str) -> list[str]:
        return []

    def test_send(self, cid: str, emails: Sequence[str]) -> None:
        self.calls.append("test")

    def send_campaign(self, cid: str) -> None:
        self.calls.append("send")
        assert self.campaigns[cid].status == "save", "sent twice"
        self.campaigns[cid].status, self.campaigns[cid].emails_sent = "sent", 3
        if self.lose_send_answer:
            self.lose_send_answer = False
            raise E.ApiConnectionError("reset", platform="mailchimp", sent=True)

    def schedule_campaign(self, cid: str, when: datetime) -> None:
        self.calls.append("schedule")
        self.campaigns[cid].status = "schedule"


@pytest.fixture
def deps(home: Path) -> Iterator[Deps]:
    d = Deps()
    yield d
    d.close()


@pytest.fixture
def body(tmp_path: Path) -> str:
    path = tmp_path / "b.txt"
    path.write_text("Hello", encoding="utf-8")
    return str(path)


def plan(deps: Deps, body: str, **kw: Any) -> flow.CampaignPlan:
    return flow.plan_campaign(deps.store, platform="mailchimp", audience="L1", subject="Hi",
                              body_file=body, **kw)  # fmt: skip


def test_a_campaign_is_created_once_sent_once_and_a_rerun_is_refused(deps: Deps, body: str) -> None:
    fake = FakeCampaigns()
    out = flow.send_campaign(deps.store, fake, plan(deps, body, test_to=["me@example.org"]))  # type: ignore[arg-type]
    assert (out.status, out.campaign_id, out.recipients) == ("sent", "c1", 3)
    assert fake.calls == ["create", "content", "test", "send"]  # no search for a new row
    with pytest.raises(AlreadySentError, match="campaign c1"):
        flow.send_campaign(deps.store, fake, plan(deps, body))  # type: ignore[arg-type]
    assert fake.calls.count("send") == 1
    row = deps.store.get_email(out.email_id)
    assert (row["status"], row["message_id"], row["category"]) == ("sent", "c1", "c1")


def test_a_run_that_died_after_the_create_finds_its_campaign_by_title(
    deps: Deps, body: str
) -> None:
    fake = FakeCampaigns()
    p = plan(deps, body)
    # The earlier run: the intent row, then the create reached the platform, then it died
    # before the campaign id was saved.
    eid = deps.store.write_email_intent(
        {"platform": "mailchimp", "send_key": p.send_key(), "subject": "Hi"}
    )
    fake.campaigns["c9"] = Campaign("c9", title=f"mktd {eid}")
    out = flow.send_campaign(deps.store, fake, p)  # type: ignore[arg-type]
    assert (out.campaign_id, out.resumed, out.email_id) == ("c9", True, eid)
    assert "create" not in fake.calls and fake.calls.count("send") == 1


def test_a_lost_send_answer_is_read_back_as_sent(deps: Deps, body: str) -> None:
    fake = FakeCampaigns(lose_send_answer=True)
    out = flow.send_campaign(deps.store, fake, plan(deps, body))  # type: ignore[arg-type]
    assert out.status == EmailStatus.SENT and fake.calls.count("send") == 1


def test_a_run_that_died_after_the_send_records_it_without_sending(deps: Deps, body: str) -> None:
    fake = FakeCampaigns()
    p = plan(deps, body)
    eid = deps.store.write_email_intent(
        {"platform": "mailchimp", "send_key": p.send_key(), "subject": "Hi"}
    )
    deps.store.update_email(eid, message_id="c5")
    fake.campaigns["c5"] = Campaign("c5", status="sent", title=f"mktd {eid}", emails_sent=3)
    out = flow.send_campaign(deps.store, fake, p)  # type: ignore[arg-type]
    assert out.status == "sent" and fake.calls == []
    assert deps.store.get_email(eid)["status"] == "sent"


def test_an_audience_is_required_and_nothing_is_written_without_one(deps: Deps, body: str) -> None:
    with pytest.raises(E.UsageError, match="give --audience ID"):
        flow.plan_campaign(
            deps.store, platform="mailchimp", audience=None, subject="Hi", body_file=body
        )
    with pytest.raises(E.UsageError, match="not both"):
        flow.plan_campaign(deps.store, platform="mailchimp", audience="L1", draft_id="D", subject="Hi",
                           body_file=body)  # fmt: skip
    assert not deps.store.exists() or deps.store.emails() == []
    sendgrid = plan_send(deps.store, to=["a@example.org"], subject="S", body_file=body,
                         from_addr="b@example.org", platform="sendgrid")  # fmt: skip
    assert sendgrid.platform == "sendgrid"


def test_a_send_another_live_run_holds_is_refused_and_nothing_is_asked(
    deps: Deps, body: str
) -> None:
    import time

    fake = FakeCampaigns()
    p = plan(deps, body)
    eid = deps.store.write_email_intent({
        "platform": "mailchimp", "send_key": p.send_key(), "subject": "Hi",
        "lease_owner": "another-host:4242:abcd1234", "lease_until": time.time() + 600,
    })  # fmt: skip
    with pytest.raises(E.UsageError, match="being sent by another mktd run"):
        flow.send_campaign(deps.store, fake, p)  # type: ignore[arg-type]
    assert fake.calls == [] and deps.store.get_email(eid)["status"] == "intent"


def test_a_dead_runs_lease_is_taken_over_at_once_and_released_after(deps: Deps, body: str) -> None:
    import socket
    import time

    from mktdirector.core.leases import _pid_namespace

    fake = FakeCampaigns()
    p = plan(deps, body)
    dead = ":".join(x for x in (socket.gethostname(), "999999", "deadbeef", _pid_namespace()) if x)
    eid = deps.store.write_email_intent({
        "platform": "mailchimp", "send_key": p.send_key(), "subject": "Hi",
        "lease_owner": dead, "lease_until": time.time() + 600,
    })  # fmt: skip
    out = flow.send_campaign(deps.store, fake, p)  # type: ignore[arg-type]
    assert (out.email_id, out.status) == (eid, "sent") and fake.calls.count("send") == 1
    assert deps.store.get_email(eid)["lease_owner"] is None
