"""Sending email exactly once (DESIGN.md section 5, applied to SendGrid's mail/send).

For each group of up to 1,000 recipients: an `intent` row is committed, then the send call,
then SendGrid's X-Message-Id and status `sent`/`scheduled` are recorded at once. A send whose
outcome is unknown (a timeout after the request left, a 5xx) becomes `needs-check` and is never
resent blindly: the user looks in SendGrid's Activity and settles it with `mktd email resolve`.
The same command run again finds its rows by key (content, sender, recipients) and refuses,
naming the message id; an interrupted multi-group send resumes at the first group not sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from mktdirector.agents.email.plan import SendPlan
from mktdirector.core import errors as E
from mktdirector.core.platforms import PLATFORMS, email_facts
from mktdirector.integrations.capabilities import EmailSender
from mktdirector.store import StoreLike
from mktdirector.store.rows import Email, EmailStatus
from mktdirector.store.stamps import now_utc

DONE = (EmailStatus.SENT, EmailStatus.SCHEDULED)


class AlreadySentError(E.UsageError):
    """This exact send (content, sender, recipients) already went out."""

    kind = "already_sent"


class NeedsCheckError(E.MktdError):
    """An earlier send of this email may or may not have reached the email platform."""

    kind = "needs_check"


@dataclass
class SentGroup:
    email_id: str
    recipients: int
    status: str
    message_id: str | None
    batch_id: str | None
    earlier: bool = False  # sent by an earlier run (this run resumed after it)


@dataclass
class SendOutcome:
    status: str  # sent | scheduled | needs-check
    subject: str
    from_email: str
    recipients: int
    draft_id: str | None
    send_at_utc: str | None
    batch_id: str | None
    groups: list[SentGroup] = field(default_factory=list)
    message: str = ""

    @property
    def message_ids(self) -> list[str]:
        return [g.message_id for g in self.groups if g.message_id]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "message_ids": self.message_ids}


def dry_run(client: EmailSender, plan: SendPlan) -> dict[str, Any]:
    """The exact requests a send would make (Authorization masked); nothing is sent."""
    from mktdirector.core.http import describe_request

    requests = []
    if plan.send_at:
        requests.append(describe_request(client.http.auth_headers(client.create_batch_request())))
    batch = email_facts(client.name).batch_placeholder if plan.send_at else None
    for chunk in plan.chunks():
        request = client.build_send_request(plan.message(chunk, batch))
        requests.append(describe_request(client.http.auth_headers(request)))
    return {
        "requests": requests,
        "approved": plan.content.approved,
        "recipients": len(plan.recipients),
        "skipped_rows": [b.to_dict() for b in plan.skipped],
        "credentials_missing": None if client.connection else _no_key(client),
    }


def check_unsent(store: StoreLike, client: EmailSender, plan: SendPlan) -> list[Email | None]:
    """Refuse a send that already went out or may have; returns each group's earlier row.

    Also validates every request body, so nothing is asked or written for a bad message.
    """
    chunks = plan.chunks()
    for chunk in chunks:
        client.validate(plan.message(chunk, "x" if plan.send_at else None))
    if not store.exists():
        return [None] * len(chunks)
    prior = [store.email_by_key(plan.send_key(c)) for c in chunks]
    _refuse_unsettled(store, prior, client.label)
    done = [r for r in prior if r and r["status"] in DONE]
    if len(done) == len(chunks):
        raise _already_sent(plan, done)
    return prior


def send_confirmed(
    store: StoreLike, client: EmailSender, plan: SendPlan, *, confirm: Callable[[SendPlan], None]
) -> SendOutcome:
    """The `email send` flow: connected, not sent before, confirmed, then sent exactly once.

    `confirm` is the front end's question, asked only after a repeat has been refused (so a
    user is never asked about a send that cannot happen); it raises to stop the send.
    """
    client.require_connection()
    check_unsent(store, client, plan)
    confirm(plan)
    return send_email(store, client, plan)


def send_email(store: StoreLike, client: EmailSender, plan: SendPlan) -> SendOutcome:
    """Send (or schedule) the plan exactly once; see the module docstring."""
    chunks = plan.chunks()
    keys = [plan.send_key(c) for c in chunks]
    prior = check_unsent(store, client, plan)
    done = [r for r in prior if r and r["status"] in DONE]
    batch_id = None
    if plan.send_at:
        # One batch for every group, so one `mktd email cancel` stops them all.
        batch_id = (
            next((r["batch_id"] for r in done if r["batch_id"]), None) or client.create_batch()
        )
    outcome = SendOutcome(
        EmailStatus.SCHEDULED if plan.send_at else EmailStatus.SENT, plan.content.subject, plan.from_email,
        len(plan.recipients), plan.content.draft_id, _iso(plan.send_at), batch_id,
    )  # fmt: skip
    for chunk, key, row in zip(chunks, keys, prior, strict=True):
        if row and row["status"] in DONE:
            outcome.groups.append(_group(row, earlier=True))
            continue
        group = _send_group(store, client, plan, chunk, key, batch_id, outcome)
        outcome.groups.append(group)
        if group.status == EmailStatus.NEEDS_CHECK:
            outcome.status = EmailStatus.NEEDS_CHECK
            return outcome
    return outcome


def _send_group(
    store: StoreLike, client: EmailSender, plan: SendPlan, chunk: list[str], key: str,
    batch_id: str | None, outcome: SendOutcome,
) -> SentGroup:  # fmt: skip
    eid = store.write_email_intent({
        "platform": client.name, "send_key": key, "draft_id": plan.content.draft_id, "subject": plan.content.subject,
        "recipients": len(chunk), "from_email": plan.from_email,
        "category": ",".join(plan.categories) or None, "batch_id": batch_id,
        "send_at_utc": _iso(plan.send_at),
    })  # fmt: skip
    try:
        result = client.send(plan.message(chunk, batch_id))
    except E.MktdError as err:
        if E.outcome_unknown(err):
            store.update_email(eid, status=EmailStatus.NEEDS_CHECK, error=err.message[:300])
            outcome.message = _look_message(client.label, eid, plan, chunk, batch_id, err.message)
            _notify(store, client.name, eid, "needs_check", outcome.message,
                    f"mktd email resolve {eid} sent|not-sent")  # fmt: skip
            return SentGroup(eid, len(chunk), EmailStatus.NEEDS_CHECK, None, batch_id)
        store.update_email(eid, status=EmailStatus.FAILED, error=err.message[:300])
        if not isinstance(err, E.RateLimitError):  # a rate limit is "later", not a failure
            _notify(store, client.name, eid, "email_failed", f"Email {eid} was not sent: {err.message}",
                    err.hint or "mktd email list")  # fmt: skip
        sent = sum(1 for g in outcome.groups if g.status in DONE)
        if sent:
            err.hint = (f"{sent} of {len(plan.chunks())} recipient groups went out before this; "
                        f"fix the cause and run the same command: it sends only the rest.")  # fmt: skip
        raise
    status = EmailStatus.SCHEDULED if plan.send_at else EmailStatus.SENT
    store.update_email(eid, status=status, message_id=result.message_id, sent_utc=now_utc())
    return SentGroup(eid, len(chunk), status, result.message_id, batch_id)


def _notify(store: StoreLike, platform: str, eid: str, kind: str, message: str, hint: str) -> None:
    # Like posts: a problem with an email is told in-tool (and by the alert channels) once.
    store.notify(kind, f"{platform} email {eid}", message, platform=platform, hint=hint,
                 dedupe_key=f"{kind}:email:{eid}")  # fmt: skip


def _no_key(client: EmailSender) -> str:
    env = " or ".join(PLATFORMS[client.name].token_env) if client.name in PLATFORMS else ""
    return (f"No {client.label} key is set: mktd authorize {client.name}"
            + (f", or set {env}." if env else "."))  # fmt: skip


def resolve_email(
    store: StoreLike, email_id: str, *, sent: bool, message_id: str | None = None
) -> Email:
    """A human looked in SendGrid: the needs-check email went out (or did not)."""
    row = store.get_email(email_id)
    if row["status"] != EmailStatus.NEEDS_CHECK:
        raise E.UsageError(f"Email {row['id']} is {row['status']}, not needs-check.",
                           hint="mktd email list")  # fmt: skip
    if sent:
        send_at = row["send_at_utc"]
        future = send_at is not None and send_at > (_iso(datetime.now(UTC)) or "")
        store.update_email(row["id"], status=EmailStatus.SCHEDULED if future else EmailStatus.SENT,
                           message_id=message_id, error=None, sent_utc=now_utc())  # fmt: skip
    else:
        store.update_email(
            row["id"], status=EmailStatus.FAILED, error="not sent (checked by a human)"
        )
    return store.get_email(row["id"])


# helpers ---------------------------------------------------------------------------------------
def _refuse_unsettled(store: StoreLike, prior: Sequence[Email | None], label: str) -> None:
    for row in prior:
        if row and row["status"] == EmailStatus.INTENT:
            # A run stopped between writing the intent and hearing back: it may have sent.
            store.update_email(row["id"], status=EmailStatus.NEEDS_CHECK,
                               error="an earlier run stopped after starting the send")  # fmt: skip
            row["status"] = EmailStatus.NEEDS_CHECK
    stuck = next((r for r in prior if r and r["status"] == EmailStatus.NEEDS_CHECK), None)
    if stuck is not None:
        raise NeedsCheckError(
            f"Email {stuck['id']} ({stuck['subject']!r}, {stuck['recipients']} recipient(s), "
            f"started {stuck['created_utc']}) may or may not have been sent; nothing was "
            f"sent now. Look in {label} → Activity for that subject first.",
            hint=f"mktd email resolve {stuck['id']} sent   (or: not-sent, then send again)",
        )


def _already_sent(plan: SendPlan, done: Sequence[Mapping[str, Any]]) -> AlreadySentError:
    ids = ", ".join(r["message_id"] or "(no id)" for r in done)
    what = f"Draft {plan.content.draft_id}" if plan.content.draft_id else "This email"
    when = done[0].get("sent_utc") or done[0]["created_utc"]
    verb = "scheduled" if done[0]["status"] == EmailStatus.SCHEDULED else "sent"
    hint = "mktd email list"
    if verb == "scheduled" and done[0].get("batch_id"):
        hint = f"To stop it: mktd email cancel {done[0]['batch_id']}"
    return AlreadySentError(
        f"{what} was already {verb} to the same {len(plan.recipients)} recipient(s) on {when} "
        f"(message id {ids}); nothing was sent again.",
        hint=hint,
    )


def _look_message(
    label: str, eid: str, plan: SendPlan, chunk: list[str], batch: str | None, why: str
) -> str:
    first = chunk[0] + (f" and {len(chunk) - 1} more" if len(chunk) > 1 else "")
    text = (
        f"{label} may or may not have taken email {eid} ({why.rstrip('.')}). mktd did not "
        f"resend it. Look in {label} → Activity for subject {plan.content.subject!r} to "
        f"{first}, then run: mktd email resolve {eid} sent   (or: not-sent)."
    )
    if batch:
        text += f" To be safe, cancel the scheduled batch first: mktd email cancel {batch}."
    return text


def _group(row: Mapping[str, Any], *, earlier: bool) -> SentGroup:
    return SentGroup(row["id"], row["recipients"], row["status"], row["message_id"],
                     row["batch_id"], earlier)  # fmt: skip


def _iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    return when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
