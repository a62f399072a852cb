"""Marketing email carries an unsubscribe (issue 11 item 7; RFC 8058, Gmail/Yahoo bulk rules).

A SendGrid marketing send names an unsubscribe group (`asm`), puts an unsubscribe link in the
footer, and carries List-Unsubscribe + List-Unsubscribe-Post headers (SendGrid adds both when
subscription tracking is on for the message; with the sender's own one-click URL configured,
mktd sets them). A bulk send without a group is refused unless the user says it is
transactional. Requests are checked against SendGrid's official schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import respx
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from test_email_cli import Mail, email_draft, emails, sendgrid_env  # noqa: F401 (autouse)

from mktdirector.store import Store

SPEC = Path(__file__).parents[1] / "contracts" / "specs" / "sendgrid-tsg_mail_v3.json"
GROUP_TAG = "<%asm_group_unsubscribe_raw_url%>"
TO = "ada@example.org,bob@example.org"


@pytest.fixture
def mail_schema() -> jsonschema.Draft202012Validator:
    spec = json.loads(SPEC.read_text())
    uri = "urn:sendgrid:mail"
    registry = Registry().with_resource(
        uri, Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    pointer = "/components/requestBodies/PostMailSend/content/application~1json/schema"
    return jsonschema.Draft202012Validator(
        {"$ref": f"{uri}#{pointer}"},
        registry=registry,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


def test_a_bulk_send_without_an_unsubscribe_group_is_refused(
    cli: Any, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MKTD_SENDGRID_UNSUBSCRIBE_GROUP")
    did = email_draft(store)
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        mail = Mail(router)
        r = cli("email", "send", "--draft", did, "--to", TO, "--yes")
    assert r.exit_code == 2
    assert "unsubscribe group" in r.stderr and "--transactional" in r.stderr
    assert mail.bodies == [] and emails(store) == []  # nothing sent, nothing written


def test_a_marketing_send_carries_group_footer_and_one_click_headers(
    cli: Any, store: Store, monkeypatch: pytest.MonkeyPatch, mail_schema: Any
) -> None:
    monkeypatch.setenv("MKTD_SENDGRID_UNSUBSCRIBE_GROUP", "4242")
    did = email_draft(store)
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        mail = Mail(router)
        r = cli("email", "send", "--draft", did, "--to", TO, "--yes")
    assert r.exit_code == 0, r.stderr + r.stdout
    [body] = mail.bodies
    mail_schema.validate(body)
    assert body["asm"] == {"group_id": 4242}
    text, html = (c["value"] for c in body["content"])
    assert GROUP_TAG in text and f'href="{GROUP_TAG}"' in html
    # No URL of the sender's own: SendGrid's subscription tracking adds List-Unsubscribe and
    # List-Unsubscribe-Post; its substitution tag is not in the body, so no second footer.
    tracking = body["tracking_settings"]["subscription_tracking"]
    assert tracking["enable"] is True and tracking["substitution_tag"] not in text + html


def test_the_senders_own_one_click_url_goes_in_the_headers(
    cli: Any, store: Store, monkeypatch: pytest.MonkeyPatch, mail_schema: Any
) -> None:
    monkeypatch.setenv("MKTD_SENDGRID_UNSUBSCRIBE_GROUP", "4242")
    monkeypatch.setenv("MKTD_EMAIL_UNSUBSCRIBE_URL", "https://acme.test/unsubscribe")
    monkeypatch.setenv("MKTD_EMAIL_UNSUBSCRIBE_MAILTO", "unsubscribe@acme.test")
    did = email_draft(store)
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        mail = Mail(router)
        assert cli("email", "send", "--draft", did, "--to", TO, "--yes").exit_code == 0
    [body] = mail.bodies
    mail_schema.validate(body)
    assert body["headers"] == {
        "List-Unsubscribe": "<https://acme.test/unsubscribe>, <mailto:unsubscribe@acme.test>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert "tracking_settings" not in body


def test_a_transactional_send_says_so_and_carries_none(
    cli: Any, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MKTD_SENDGRID_UNSUBSCRIBE_GROUP")
    did = email_draft(store)
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        mail = Mail(router)
        r = cli("email", "send", "--draft", did, "--to", TO, "--transactional", "--yes")
    assert r.exit_code == 0, r.stderr
    [body] = mail.bodies
    assert "asm" not in body and "tracking_settings" not in body and "headers" not in body


def test_the_dry_run_shows_the_unsubscribe(
    cli: Any, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MKTD_SENDGRID_UNSUBSCRIBE_GROUP", "7")
    did = email_draft(store)
    r = cli("email", "send", "--draft", did, "--to", TO, "--dry-run", "--json")
    assert r.exit_code == 0, r.stderr
    assert '"group_id": 7' in r.stdout and GROUP_TAG.replace("%", "%") in r.stdout
