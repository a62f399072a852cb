"""What `mktd email send` will send: content (an approved email draft, or a subject and a body
file), recipients (addresses and a CSV), the sender, and when (`--at`, within SendGrid's 72 h).

Nothing here talks to SendGrid or writes to the database; agents/email/send.py does that.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr
from pathlib import Path

from mktdirector.agents.crm.contacts_csv import BadRow, is_email, read_contacts_csv
from mktdirector.core import inputs
from mktdirector.core.errors import ConfigError, UsageError
from mktdirector.integrations.email_models import EmailMessage
from mktdirector.store import StoreLike
from mktdirector.store.rows import DraftStatus

MAX_PER_REQUEST = 1000  # SendGrid: recipients per mail/send request
MAX_AHEAD = timedelta(hours=72)  # SendGrid: send_at at most 72 h ahead
SENDABLE = (DraftStatus.APPROVED, DraftStatus.SCHEDULED)
FROM_ENV = "SENDGRID_FROM_EMAIL"
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

    def chunks(self) -> list[list[str]]:
        r = self.recipients
        return [r[i : i + MAX_PER_REQUEST] for i in range(0, len(r), MAX_PER_REQUEST)]

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
) -> SendPlan:
    """Check every input and build the plan; raises UsageError/ConfigError, sends nothing."""
    now = now or datetime.now().astimezone()
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
    name, addr = sender(from_addr)
    categories = [category] if category else ([content.campaign] if content.campaign else [])
    send_at = parse_at(at, now) if at else None
    return SendPlan(content, addr, name, recipients, send_at, categories, skipped)


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


def sender(from_addr: str | None) -> tuple[str | None, str]:
    """(display name, address) from `--from` or SENDGRID_FROM_EMAIL ("Name <addr>" works)."""
    raw = (from_addr or os.environ.get(FROM_ENV, "")).strip()
    if not raw:
        raise ConfigError(
            "No sender address: SendGrid needs a verified from address.",
            hint=f"--from you@example.com, or set {FROM_ENV} in the environment or .env",
        )
    name, addr = parseaddr(raw)
    if not is_email(addr):
        raise UsageError(f"The from address {raw!r} is not an email address.")
    return (name or None), addr


def parse_at(text: str, now: datetime) -> datetime:
    """`2026-05-01T09:00[+02:00]`, `in 2h`, `in 30m`, `tomorrow 9:00`, `today 17:30` (local
    time when no zone is given), within SendGrid's 72 hours."""
    value = " ".join(text.strip().lower().split())
    when: datetime | None = None
    if m := _IN.fullmatch(value):
        unit = {"m": "minutes", "h": "hours", "d": "days"}[m.group(2)[0]]
        when = now + timedelta(**{unit: int(m.group(1))})
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
    if when <= now:
        raise UsageError(f"--at {text!r} is in the past ({when:%Y-%m-%d %H:%M %Z}).")
    if when - now > MAX_AHEAD:
        raise UsageError(
            f"--at {text!r} is more than 72 hours ahead; SendGrid schedules up to 72 hours.",
            hint="Send closer to the date, or let mktd's scheduler send it then",
        )
    return when


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
