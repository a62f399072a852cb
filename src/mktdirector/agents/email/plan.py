"""What `mktd email send` will send: content (an approved email draft, or a subject and a body
file), recipients (addresses and a CSV), the sender, and when (`--at`).

The platform's own rules (recipients per request, how far ahead and on which minutes it
schedules, where the sender comes from) are its `EmailFacts` in core/platforms.py, read by
platform id. Nothing here talks to a platform or writes to the database; agents/email/send.py
and campaign.py do that.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from mktdirector.agents.crm.contacts_csv import BadRow, is_email, read_contacts_csv
from mktdirector.core import inputs
from mktdirector.core.errors import ConfigError, UsageError
from mktdirector.core.platforms import PLATFORMS, EmailFacts, email_facts
from mktdirector.integrations.email_models import EmailMessage, Unsubscribe
from mktdirector.store import StoreLike
from mktdirector.store.rows import DraftStatus

SENDABLE = (DraftStatus.APPROVED, DraftStatus.SCHEDULED)
_IN = re.compile(r"in\s+(\d+)\s*(m|min|mins|minutes?|h|hrs?|hours?|d|days?)")
_DAY_AT = re.compile(r"(today|tomorrow)(?:\s+(?:at\s+)?(\d{1,2})(?::(\d{2}))?\s*(am|pm)?)?")


@dataclass(frozen=True)
class EmailContent:
    subject: str
    text: str | None
    html: str | None
    draft_id: str | None = None
    content_key: str = ""  # what identifies this content for exactly-once
    campaign: str | None = None
    approved: bool = True


@dataclass
class SendPlan:
    content: EmailContent
    from_email: str
    from_name: str | None
    recipients: list[str]
    send_at: datetime | None = None
    categories: list[str] = field(default_factory=list)
    skipped: list[BadRow] = field(default_factory=list)  # bad rows of the recipients CSV
    platform: str = "sendgrid"
    unsubscribe: Unsubscribe | None = None  # None: a transactional send

    def chunks(self) -> list[list[str]]:
        r = self.recipients
        size = email_facts(self.platform).max_recipients or max(len(r), 1)
        return [r[i : i + size] for i in range(0, len(r), size)]

    def send_key(self, chunk: Sequence[str]) -> str:
        """Same content, sender and recipients = the same send (whatever `--at` says)."""
        to = sorted(a.lower() for a in chunk)
        raw = json.dumps([self.content.content_key, self.from_email.lower(), to])
        return hashlib.sha256(raw.encode()).hexdigest()

    def message(self, chunk: Sequence[str], batch_id: str | None = None) -> EmailMessage:
        c = self.content
        return EmailMessage(
            from_email=self.from_email, from_name=self.from_name, subject=c.subject,
            to=list(chunk), text=c.text, html=c.html, categories=self.categories,
            draft_id=c.draft_id, send_at=self.send_at, batch_id=batch_id,
            unsubscribe=self.unsubscribe,
        )  # fmt: skip


def plan_send(
    store: StoreLike,
    *,
    to: Sequence[str] = (),
    to_csv: str | None = None,
    draft_id: str | None = None,
    subject: str | None = None,
    body_file: str | None = None,
    from_addr: str | None = None,
    at: str | None = None,
    category: str | None = None,
    now: datetime | None = None,
    require_approved: bool = True,
    platform: str = "sendgrid",
    unsubscribe: Unsubscribe | None = None,
    transactional: bool = False,
) -> SendPlan:
    """Check every input and build the plan; raises UsageError/ConfigError, sends nothing."""
    now = now or datetime.now().astimezone()
    facts = email_facts(platform)
    if draft_id and (subject or body_file):
        raise UsageError("Give --draft, or --subject with --body-file, not both.")
    if draft_id:
        content = draft_content(store, draft_id, require_approved=require_approved)
    elif subject and body_file:
        content = file_content(subject, body_file)
    else:
        raise UsageError(
            "Say what to send: --draft ID (an approved email draft), or --subject S --body-file F.",
            hint="mktd drafts list --status approved",
        )
    recipients, skipped = recipients_from(to, to_csv)
    unsubscribe = (
        None if transactional else check_unsubscribe(unsubscribe, len(recipients), platform)
    )
    name, addr = sender(from_addr, platform)
    categories = [category] if category else ([content.campaign] if content.campaign else [])
    send_at = parse_at(at, now, facts, PLATFORMS[platform].label) if at else None
    return SendPlan(
        content, addr, name, recipients, send_at, categories, skipped, platform, unsubscribe
    )


def unsubscribe_settings(config: Callable[[str], Any], platform: str) -> Unsubscribe | None:
    """The unsubscribe a marketing send carries, from the settings (None when none is set)."""
    group, url, mailto = (
        config(key)
        for key in (
            f"{platform}.unsubscribe_group",
            "email.unsubscribe_url",
            "email.unsubscribe_mailto",
        )
    )
    if group is None and not url and not mailto:
        return None
    return Unsubscribe(group_id=group, url=url, mailto=mailto)


def check_unsubscribe(
    unsubscribe: Unsubscribe | None, recipients: int, platform: str
) -> Unsubscribe | None:
    """Marketing email to more than one person must let them leave (Gmail/Yahoo bulk rules,
    CAN-SPAM): without an unsubscribe group it is refused unless the user says it is
    transactional. One recipient: the unsubscribe is carried when there is one."""
    has_group = unsubscribe is not None and unsubscribe.group_id is not None
    if recipients > 1 and not has_group:
        raise UsageError(
            f"A marketing email to {recipients:,} recipients needs an unsubscribe group: "
            "its recipients must be able to leave the list.",
            hint=f"mktd config set {platform}.unsubscribe_group ID (SendGrid: Suppressions → "
            "Unsubscribe Groups), or --transactional for a receipt or a notice",
        )
    return unsubscribe


def draft_content(
    store: StoreLike, draft_id: str, *, require_approved: bool = True
) -> EmailContent:
    """An email draft's content, refused unless approved and unchanged since approval."""
    d = store.get_draft(draft_id)
    did = d["id"]
    if d["kind"] != "email":
        raise UsageError(f"Draft {did} is a {d['platform']} {d['kind']}, not an email.",
                         hint="mktd drafts list shows each draft's kind")  # fmt: skip
    approved = d["status"] in SENDABLE and d.get("approved_hash") == d["content_hash"]
    if require_approved and d["status"] not in SENDABLE:
        raise UsageError(f"Draft {did} is {d['status']}; only an approved email draft is sent.",
                         hint=f"Review it, then: mktd drafts approve {did}")  # fmt: skip
    if require_approved and not approved:
        raise UsageError(f"Draft {did} changed since it was approved.",
                         hint=f"Review and approve it again: mktd drafts approve {did}")  # fmt: skip
    body = d["body"]
    return EmailContent(
        subject=str(body.get("subject") or ""),
        text=body.get("text") or None,
        html=_with_preheader(body.get("html"), body.get("preheader")),
        draft_id=did,
        content_key=f"draft:{did}:{d['content_hash']}",
        campaign=d.get("campaign"),
        approved=approved,
    )


def file_content(subject: str, body_file: str) -> EmailContent:
    """`--subject` with `--body-file`: HTML for .html/.htm files, plain text otherwise."""
    from mktdirector.agents.content.drafts import text_to_html

    path = Path(body_file).expanduser()
    body = inputs.read_text(path, hint="Check the path given to --body-file")
    if not body.strip():
        raise UsageError(f"{path} is empty.")
    is_html = path.suffix.lower() in (".html", ".htm")
    text, markup = (None, body) if is_html else (body, text_to_html(body))
    digest = hashlib.sha256(json.dumps([subject, body]).encode()).hexdigest()
    return EmailContent(subject.strip(), text, markup, content_key=f"content:{digest}")


def recipients_from(to: Sequence[str], to_csv: str | None) -> tuple[list[str], list[BadRow]]:
    """Addresses from `--to` (commas allowed) and the CSV's email column, each once, in order."""
    given = [a.strip() for item in to for a in item.split(",") if a.strip()]
    bad = [a for a in given if not is_email(a)]
    if bad:
        raise UsageError(f"{bad[0]!r} is not an email address.", hint="--to name@example.com")
    skipped: list[BadRow] = []
    if to_csv:
        parsed = read_contacts_csv(to_csv)
        given += [c.properties["email"] for c in parsed.contacts]
        skipped = parsed.bad
    seen: set[str] = set()
    out = []
    for a in given:
        if a.lower() not in seen:
            seen.add(a.lower())
            out.append(a)
    if not out:
        raise UsageError("No recipients.", hint="--to ADDR (repeatable) or --to-csv FILE")
    return out, skipped


def sender(from_addr: str | None, platform: str = "sendgrid") -> tuple[str | None, str]:
    """(display name, address) from `--from` or the platform's sender variable
    (SENDGRID_FROM_EMAIL); "Name <addr>" works."""
    env = email_facts(platform).from_env
    raw = (from_addr or (os.environ.get(env, "") if env else "")).strip()
    if not raw:
        label = PLATFORMS[platform].label
        raise ConfigError(
            f"No sender address: {label} needs a verified from address.",
            hint="--from you@example.com"
            + (f", or set {env} in the environment or .env" if env else ""),
        )
    name, addr = parseaddr(raw)
    if not is_email(addr):
        raise UsageError(f"The from address {raw!r} is not an email address.")
    return (name or None), addr


def parse_at(
    text: str, now: datetime, facts: EmailFacts | None = None, label: str = "SendGrid"
) -> datetime:
    """`2026-05-01T09:00[+02:00]`, `in 2h`, `in 30m`, `tomorrow 9:00`, `today 17:30` (local
    time when no zone is given), within the platform's horizon (SendGrid: 72 hours). Where
    the platform schedules on fixed minutes (Mailchimp: quarter-hours), a relative time ("in
    2h") moves up to the next one and an explicit time off them is refused."""
    facts = facts or email_facts("sendgrid")
    relative = False
    value = " ".join(text.strip().lower().split())
    when: datetime | None = None
    if m := _IN.fullmatch(value):
        unit = {"m": "minutes", "h": "hours", "d": "days"}[m.group(2)[0]]
        when = now + timedelta(**{unit: int(m.group(1))})
        relative = True
    elif m := _DAY_AT.fullmatch(value):
        day = now.date() + timedelta(days=1 if m.group(1) == "tomorrow" else 0)
        hour, minute = int(m.group(2) or 9), int(m.group(3) or 0)
        if m.group(4) == "pm" and hour < 12:
            hour += 12
        elif m.group(4) == "am" and hour == 12:
            hour = 0
        if hour > 23 or minute > 59:
            raise UsageError(f"--at {text!r}: no such time of day.")
        when = datetime(day.year, day.month, day.day, hour, minute).astimezone(now.tzinfo)
    else:
        try:
            parsed = datetime.fromisoformat(text.strip())
        except ValueError:
            raise UsageError(
                f"--at {text!r} is not a time I can read.",
                hint="Use an ISO time (2026-05-01T09:00), 'in 2h', or 'tomorrow 9:00'",
            ) from None
        when = parsed if parsed.tzinfo else parsed.astimezone()  # naive = local time
    step = facts.schedule_step_minutes
    if step and relative:
        when = _round_up(when, step)
    if when <= now:
        raise UsageError(f"--at {text!r} is in the past ({when:%Y-%m-%d %H:%M %Z}).")
    if step and (when.minute % step or when.second or when.microsecond):
        raise UsageError(
            f"--at {text!r}: {label} schedules only at :00, :15, :30 and :45.",
            hint=f"--at {_round_up(when, step):%Y-%m-%dT%H:%M%z}",
        )
    ahead = facts.max_ahead_hours
    if ahead is not None and when - now > timedelta(hours=ahead):
        raise UsageError(
            f"--at {text!r} is more than {ahead} hours ahead; {label} schedules up to "
            f"{ahead} hours.",
            hint="Send closer to the date, or let mktd's scheduler send it then",
        )
    return when


def _round_up(when: datetime, step: int) -> datetime:
    base = when.replace(second=0, microsecond=0)
    extra = (-base.minute) % step
    if extra == 0 and base < when:
        extra = step
    return base + timedelta(minutes=extra)


def _with_preheader(markup: str | None, preheader: str | None) -> str | None:
    # The preheader is the inbox preview line: hidden text at the very top of the body.
    if not markup or not preheader or not preheader.strip():
        return markup
    hidden = (
        '<div style="display:none;max-height:0;overflow:hidden;mso-hide:all">'
        f"{html.escape(preheader.strip())}</div>"
    )
    if "<body>" in markup:
        return markup.replace("<body>", "<body>" + hidden, 1)
    return hidden + markup
