"""Sending an email draft as a campaign to an audience, exactly once (Mailchimp).

A campaign platform's objects can be read back, so the exactly-once rules of DESIGN.md §5 end
in a lookup rather than a question to a human:
1. an `intent` row is committed before the create; the campaign's title is "mktd <row id>",
   so a create whose answer was lost is found again by that title (never created twice);
2. the campaign id is saved on the row the moment the create answers;
3. content, the test send, then send (or schedule); if the send's answer is lost, the
   campaign's `status` says what happened: sending/sent → sent, schedule → scheduled,
   save/paused → not sent, so it is sent now (the platform refuses a second send anyway);
4. the same command run again finds its row by key (content, platform, audience, segment)
   and resumes from whatever step the campaign is in, or refuses if it already went out.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from email.utils import parseaddr
from typing import Any

from mktdirector.agents.email.plan import (
    EmailContent,
    draft_content,
    file_content,
    parse_at,
    recipients_from,
)
from mktdirector.agents.email.send import AlreadySentError, NeedsCheckError, _iso, _notify
from mktdirector.core import errors as E
from mktdirector.core.leases import owner_id
from mktdirector.core.platforms import PLATFORMS, email_facts
from mktdirector.integrations.capabilities import CampaignSender
from mktdirector.integrations.email_models import CampaignSpec
from mktdirector.store import StoreLike
from mktdirector.store.rows import Email, EmailStatus
from mktdirector.store.stamps import now_utc

TITLE_PREFIX = "mktd "
# How long a run may hold a send before another may resume it (a dead run's is taken at once).
LEASE_S = 600.0


@dataclass
class CampaignPlan:
    content: EmailContent
    platform: str
    audience: str
    segment: str | None = None
    send_at: datetime | None = None
    test_to: list[str] = field(default_factory=list)
    from_name: str | None = None
    reply_to: str | None = None

    def send_key(self) -> str:
        """Same content to the same audience (and tag) = the same send, whatever `--at` says."""
        raw = json.dumps([self.content.content_key, self.platform, self.audience,
                          (self.segment or "").lower()])  # fmt: skip
        return hashlib.sha256(raw.encode()).hexdigest()


@dataclass
class CampaignOutcome:
    status: str  # sent | scheduled | tested (nothing sent to the audience yet)
    email_id: str
    campaign_id: str
    audience: str
    segment: str | None
    subject: str
    recipients: int | None
    draft_id: str | None
    send_at_utc: str | None
    tested: list[str] = field(default_factory=list)
    resumed: bool = False  # an earlier run had started this send
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def plan_campaign(
    store: StoreLike, *, platform: str, audience: str | None, draft_id: str | None = None,
    subject: str | None = None, body_file: str | None = None, segment: str | None = None,
    at: str | None = None, test_to: Sequence[str] = (), from_addr: str | None = None,
    now: datetime | None = None, require_approved: bool = True,
) -> CampaignPlan:  # fmt: skip
    """Check every input and build the plan; raises UsageError, sends nothing."""
    now = now or datetime.now().astimezone()
    if not audience or not audience.strip():
        raise E.UsageError(f"{PLATFORMS[platform].label} sends to an audience: give --audience ID.",
                           hint=f"mktd email audiences list --platform {platform}")  # fmt: skip
    if draft_id and (subject or body_file):
        raise E.UsageError("Give --draft, or --subject with --body-file, not both.")
    if draft_id:
        content = draft_content(store, draft_id, require_approved=require_approved)
    elif subject and body_file:
        content = file_content(subject, body_file)
    else:
        raise E.UsageError(
            "Say what to send: --draft ID (an approved email draft), or --subject S --body-file F.",
            hint="mktd drafts list --status approved",
        )
    tests = recipients_from(test_to, None)[0] if test_to else []
    name, reply = parseaddr(from_addr or "")[0] or None, None
    if from_addr:
        reply = parseaddr(from_addr)[1]
        recipients_from([reply], None)  # a clear error for a bad address
    send_at = parse_at(at, now, email_facts(platform), PLATFORMS[platform].label) if at else None
    return CampaignPlan(content, platform, audience.strip(), (segment or "").strip() or None,
                        send_at, tests, name, reply)  # fmt: skip


def dry_run(client: CampaignSender, plan: CampaignPlan) -> dict[str, Any]:
    """The create and content requests a send would make (auth masked); nothing is sent."""
    from mktdirector.core.http import describe_request

    spec = CampaignSpec(
        audience=plan.audience, subject=plan.content.subject, title=TITLE_PREFIX + "<email id>",
        from_name=plan.from_name or "<the audience's default from name>",
        reply_to=plan.reply_to or "<the audience's default from address>",
    )  # fmt: skip
    placeholder = email_facts(client.name).batch_placeholder
    then = "schedule" if plan.send_at else "send"
    content = client.content_request(plan.content.html, plan.content.text)
    requests = [client.build_create_request(spec), content]
    return {
        "requests": [describe_request(client.http.auth_headers(r)) for r in requests],
        "then": [*(["test"] if plan.test_to else []), then],
        "campaign_id": placeholder,
        "approved": plan.content.approved,
        "audience": plan.audience,
        "segment": plan.segment,
        "credentials_missing": None if client.connection else f"mktd authorize {client.name}",
    }


def send_campaign(
    store: StoreLike, client: CampaignSender, plan: CampaignPlan, *,
    confirm: Callable[[CampaignPlan, Any], None] = lambda plan, audience: None,
) -> CampaignOutcome:  # fmt: skip
    """The `email send` flow for an audience: see the module docstring."""
    client.require_connection()
    key = plan.send_key()
    row = store.email_by_key(key) if store.exists() else None
    if row and row["status"] in (EmailStatus.SENT, EmailStatus.SCHEDULED):
        raise _already(plan, row)
    audience = client.audience(plan.audience)
    segment_id = client.tag_segment(plan.audience, plan.segment) if plan.segment else None
    owner = owner_id()
    if row is None:
        confirm(plan, audience)
        row = store.get_email(store.write_email_intent({
            "platform": client.name, "send_key": key, "draft_id": plan.content.draft_id,
            "subject": plan.content.subject, "recipients": audience.members,
            "from_email": plan.reply_to or audience.from_email, "send_at_utc": _iso(plan.send_at),
            "lease_owner": owner, "lease_until": time.time() + LEASE_S,
        }))  # fmt: skip
        resumed = False
    elif store.claim_email(row["id"], owner, now=time.time(), lease_s=LEASE_S):
        resumed = True
    else:
        raise E.UsageError(
            f"Email {row['id']} ({row['subject']!r}) is being sent by another mktd run right "
            "now; nothing was sent.",
            hint="Wait for it to finish, then: mktd email list",
        )
    try:
        return _finish(store, client, plan, row, audience, segment_id, resumed)
    finally:
        store.release_email(row["id"], owner)


def _finish(
    store: StoreLike, client: CampaignSender, plan: CampaignPlan, row: Email, audience: Any,
    segment_id: int | None, resumed: bool,
) -> CampaignOutcome:  # fmt: skip
    eid = row["id"]
    title = TITLE_PREFIX + eid
    # A row written by this run has no campaign yet; an earlier run's may (its answer lost).
    cid = row["message_id"] or (_found_id(client, plan.audience, title) if resumed else None)
    if cid is None:
        spec = CampaignSpec(
            audience=plan.audience, subject=plan.content.subject, title=title,
            from_name=plan.from_name or audience.from_name or "",
            reply_to=plan.reply_to or audience.from_email or "", segment_id=segment_id,
        )  # fmt: skip
        try:
            cid = client.create_campaign(spec).id
        except E.MktdError as err:
            if not E.outcome_unknown(err):
                _failed(store, eid, err)
                raise
            cid = _found_id(client, plan.audience, title)  # the answer was lost: look
            if cid is None:
                _failed(store, eid, err)
                raise
    store.update_email(eid, message_id=cid, category=cid, status=EmailStatus.INTENT, error=None)
    outcome = CampaignOutcome(
        EmailStatus.SCHEDULED if plan.send_at else EmailStatus.SENT, eid, cid, plan.audience,
        plan.segment, plan.content.subject, audience.members, plan.content.draft_id,
        _iso(plan.send_at), resumed=resumed,
    )  # fmt: skip
    # An earlier run's campaign may be sent or scheduled already: its status says. (A
    # refused send names what is missing: the send's 400 lists the checklist's errors.)
    if resumed and _settled(store, eid, client.campaign(cid), outcome):
        return outcome
    client.set_content(cid, *_tagged(plan, eid))
    if plan.test_to:
        client.test_send(cid, plan.test_to)
        outcome.tested = list(plan.test_to)
    _go(store, client, plan, eid, cid, outcome)
    return outcome


def _tagged(plan: CampaignPlan, eid: str) -> tuple[str | None, str | None]:
    """HTML and text with every link UTM-tagged (utm_content: the draft, else this email), so
    clicks are attributed; links a draft already tagged stay as they are."""
    from mktdirector.core.utm import add_utm

    tags = {"source": "email", "medium": "email", "campaign": plan.content.campaign or "mktd",
            "content": plan.content.draft_id or eid}  # fmt: skip
    c = plan.content
    return (
        add_utm(c.html, **tags) if c.html else None,
        add_utm(c.text, **tags) if c.text else None,
    )


def _go(
    store: StoreLike, client: CampaignSender, plan: CampaignPlan, eid: str, cid: str,
    outcome: CampaignOutcome,
) -> None:  # fmt: skip
    """Send or schedule; a lost answer is settled by reading the campaign's status."""
    try:
        if plan.send_at:
            client.schedule_campaign(cid, plan.send_at)
        else:
            client.send_campaign(cid)
    except E.MktdError as err:
        if not (E.outcome_unknown(err) or isinstance(err, E.BadRequestError)):
            _failed(store, eid, err, keep=True)
            raise
        try:
            campaign = client.campaign(cid)
        except E.MktdError:
            store.update_email(eid, status=EmailStatus.NEEDS_CHECK, error=err.message[:300])
            raise NeedsCheckError(
                f"{client.label} may or may not have sent campaign {cid} ({err.message.rstrip('.')}),"
                " and reading it back failed too; nothing was sent again.",
                hint=f"Run the same command again: mktd reads campaign {cid} back first",
            ) from None
        if _settled(store, eid, campaign, outcome):
            return
        if isinstance(err, E.BadRequestError):
            _failed(store, eid, err, keep=True)
            raise
        # Read back: not sent (still save/paused). The send provably did not take; send now.
        client.send_campaign(cid) if not plan.send_at else client.schedule_campaign(
            cid, plan.send_at
        )
    status = EmailStatus.SCHEDULED if plan.send_at else EmailStatus.SENT
    fields: dict[str, Any] = {"status": status, "sent_utc": now_utc(), "error": None}
    if plan.send_at:
        fields["batch_id"] = cid  # `mktd email cancel <campaign id>` unschedules it
    store.update_email(eid, **fields)
    try:  # how many it went to (a tag narrows the audience); the send is recorded already
        sent = client.campaign(cid).emails_sent
    except E.MktdError:
        sent = None
    if sent and not plan.send_at:
        store.update_email(eid, recipients=sent)
        outcome.recipients = sent


def _settled(store: StoreLike, eid: str, campaign: Any, outcome: CampaignOutcome) -> bool:
    """Record a campaign that already went out or is scheduled; True if nothing is left."""
    if campaign.went_out:
        store.update_email(eid, status=EmailStatus.SENT, sent_utc=now_utc(), error=None)
        outcome.status = EmailStatus.SENT
        outcome.recipients = campaign.emails_sent or outcome.recipients
        return True
    if campaign.scheduled:
        store.update_email(eid, status=EmailStatus.SCHEDULED, batch_id=campaign.id,
                           send_at_utc=campaign.send_time or outcome.send_at_utc, error=None)  # fmt: skip
        outcome.status = EmailStatus.SCHEDULED
        outcome.send_at_utc = campaign.send_time or outcome.send_at_utc
        return True
    return False


def _found_id(client: CampaignSender, audience: str, title: str) -> str | None:
    found = client.find_campaign(audience, title)
    return str(found.id) if found is not None else None


def _failed(store: StoreLike, eid: str, err: E.MktdError, *, keep: bool = False) -> None:
    # keep: the campaign exists (its id is on the row); the row stays open so the same
    # command resumes it instead of creating another campaign.
    if keep:
        store.update_email(eid, error=err.message[:300])
    else:
        store.update_email(eid, status=EmailStatus.FAILED, error=err.message[:300])
    if not isinstance(err, E.RateLimitError):  # a rate limit is "later", not a failure
        again = "run the same command again: it resumes this campaign" if keep else None
        _notify(store, store.get_email(eid)["platform"], eid, "email_failed", f"Email {eid} was not sent: {err.message}",
                again or err.hint or "mktd email list")  # fmt: skip


def _already(plan: CampaignPlan, row: Email) -> AlreadySentError:
    verb = "scheduled" if row["status"] == EmailStatus.SCHEDULED else "sent"
    what = f"Draft {plan.content.draft_id}" if plan.content.draft_id else "This email"
    seg = f" (tag {plan.segment})" if plan.segment else ""
    hint = (
        f"To stop it: mktd email cancel {row['message_id']} --platform {plan.platform}"
        if verb == "scheduled"
        else "mktd email list"
    )
    return AlreadySentError(
        f"{what} was already {verb} to audience {plan.audience}{seg} as campaign "
        f"{row['message_id']} on {row.get('sent_utc') or row['created_utc']}; nothing was sent again.",
        hint=hint,
    )
