"""The `email draft` and `email send` flows without a front end: what is asked for, when the LLM
and the body file are used, and that a send is confirmed only after a repeat is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx

from mktdirector.agents.content import drafts
from mktdirector.agents.content.brand import Brand
from mktdirector.agents.email.drafting import EmailDraftRequest, draft_email
from mktdirector.agents.email.plan import SendPlan, plan_send
from mktdirector.agents.email.send import AlreadySentError, send_confirmed
from mktdirector.core.errors import UsageError
from mktdirector.integrations.capabilities import as_email_sender
from mktdirector.llm import LLM
from mktdirector.store.rows import DraftStatus, EmailStatus
from mktdirector.wiring import Deps

from fakes import FakeLLM

SG = "http://sg.test"


@pytest.fixture
def deps() -> Iterator[Deps]:
    d = Deps()
    yield d
    d.close()


def no_llm() -> LLM:
    raise AssertionError("the LLM was asked for")


def unread(path: Path) -> str:
    raise AssertionError(f"{path} was read")


def test_a_topic_is_written_by_the_llm_and_saved_as_a_tagged_draft(deps):
    llm = FakeLLM({"subject": "Your seat is ready", "preheader": "Starts Monday",
                   "text": "Join at https://a.io"})  # fmt: skip
    request = EmailDraftRequest(topic="Course launch", campaign="launch")
    view = draft_email(deps.store, Brand(), lambda: llm, request, read_text=unread)
    saved = deps.store.get_draft(view.id)
    assert saved["status"] == DraftStatus.DRAFT and saved["kind"] == "email"
    assert saved["source"] == "llm" and saved["topic"] == "Course launch"
    assert saved["campaign"] == "launch"
    assert view.draft["body"]["subject"] == "Your seat is ready"
    assert "utm_campaign=launch" in view.draft["body"]["text"]
    assert len(llm.calls) == 1


def test_a_subject_and_body_file_need_no_llm_and_keep_the_text(deps, tmp_path):
    body = tmp_path / "mail.txt"
    body.write_text("Hello,\n\nIt starts Monday.")
    request = EmailDraftRequest(subject=" Hi ", body_file=body, preheader="Monday")
    view = draft_email(deps.store, Brand(), no_llm, request, read_text=Path.read_text)
    assert view.draft["source"] == "file" and view.draft["topic"] == " Hi "
    assert view.draft["body"]["subject"] == "Hi" and view.draft["body"]["preheader"] == "Monday"
    assert view.draft["body"]["text"] == "Hello,\n\nIt starts Monday."


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (EmailDraftRequest(), "Give --topic, or --subject"),
        (EmailDraftRequest(topic="T", subject="S"), "Give --topic, or --subject"),
        (EmailDraftRequest(subject="S"), "--subject needs --body-file"),
    ],
)
def test_topic_or_subject_with_body_is_checked_before_any_work(deps, request_, message):
    with pytest.raises(UsageError, match=message):
        draft_email(deps.store, Brand(), no_llm, request_, read_text=unread)
    assert not deps.store.exists()  # nothing saved: not even a database file


# sending ---------------------------------------------------------------------------------------
@pytest.fixture
def sendgrid(monkeypatch: pytest.MonkeyPatch) -> Iterator[respx.Route]:
    monkeypatch.setenv(
        "SENDGRID_API_KEY", "SG.flowtestsecret0001.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
    )
    monkeypatch.setenv("SENDGRID_FROM_EMAIL", "news@acme.test")
    monkeypatch.setenv("MKTD_SENDGRID_BASE_URL", SG)
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield router.post(f"{SG}/v3/mail/send").mock(
            return_value=httpx.Response(202, headers={"X-Message-Id": "msg-1"})
        )


def approved_plan(deps: Deps) -> SendPlan:
    body = {"subject": "The course", "preheader": "", "text": "Hello!"}
    view = drafts.create_draft(deps.store, Brand(), platform="sendgrid", kind="email", body=body)
    drafts.approve(deps.store, view.id, force=True)
    return plan_send(deps.store, to=["ada@example.org"], draft_id=view.id)


def test_a_confirmed_send_goes_out_once_and_a_repeat_is_refused_before_asking(deps, sendgrid):
    plan = approved_plan(deps)
    client = as_email_sender(deps.integration("sendgrid"))
    asked: list[SendPlan] = []
    outcome = send_confirmed(deps.store, client, plan, confirm=asked.append)
    assert outcome.status == EmailStatus.SENT and outcome.message_ids == ["msg-1"]
    assert asked == [plan] and sendgrid.call_count == 1
    with pytest.raises(AlreadySentError):
        send_confirmed(deps.store, client, plan, confirm=asked.append)
    assert len(asked) == 1 and sendgrid.call_count == 1  # refused without a second question


def test_a_refused_confirmation_sends_and_records_nothing(deps, sendgrid):
    plan = approved_plan(deps)
    client = as_email_sender(deps.integration("sendgrid"))

    def refuse(_: SendPlan) -> None:
        raise UsageError("Not sent.")

    with pytest.raises(UsageError, match="Not sent"):
        send_confirmed(deps.store, client, plan, confirm=refuse)
    assert sendgrid.call_count == 0 and deps.store.emails() == []
