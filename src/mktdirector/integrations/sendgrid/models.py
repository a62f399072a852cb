"""SendGrid v3 shapes: the message mktd sends, what a send returns, scopes and stats.

`mail_send_body()` builds and validates the `POST /v3/mail/send` body against the
published limits (reference card 3.3; schema in tests/contracts/specs/sendgrid-tsg_mail_v3.json):
at most 1,000 recipients, 10 categories of 255 characters, custom_args under 10,000 bytes,
`send_at` no more than 72 h ahead. Each recipient gets an envelope of their own by default, so
recipients never see each other's addresses.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from mktdirector.core.errors import UsageError
from mktdirector.integrations.email_models import EmailMessage as EmailMessage
from mktdirector.integrations.email_models import Recipient as Recipient
from mktdirector.integrations.email_models import SendResult as SendResult
from mktdirector.integrations.email_models import Unsubscribe

# SendGrid's substitution tag for the link that unsubscribes from the message's ASM group.
GROUP_UNSUBSCRIBE_TAG = "<%asm_group_unsubscribe_raw_url%>"
# Subscription tracking is switched on per message only for its List-Unsubscribe headers: its
# own footer goes where this tag is, and mktd never writes the tag (the footer is the group's).
TRACKING_TAG = "[mktd-subscription-tracking-headers-only]"

MAX_RECIPIENTS = 1000
MAX_CATEGORIES, MAX_CATEGORY_LEN = 10, 255
MAX_CUSTOM_ARGS_BYTES = 10_000
MAX_SCHEDULE_S = 72 * 3600
DRAFT_ARG = "mktd_draft_id"  # custom_args key that ties events back to the draft
_EMAIL = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+")

# What mktd does with SendGrid, and the API key permissions each needs.
SCOPES_NEEDED: dict[str, tuple[str, ...]] = {
    "send email": ("mail.send",),
    "schedule and cancel sends": ("mail.batch.create", "user.scheduled_sends.create"),
    "global stats": ("stats.read",),
    "category stats": ("categories.stats.read",),
}


def mail_send_body(message: EmailMessage, *, now: float | None = None) -> dict[str, Any]:
    """The mail/send JSON body; raises UsageError for anything SendGrid would refuse."""
    now = time.time() if now is None else now
    recipients = message.recipients()
    problems = []
    if not recipients:
        problems.append("no recipients")
    if len(recipients) > MAX_RECIPIENTS:
        problems.append(f"{len(recipients):,} recipients (at most {MAX_RECIPIENTS:,})")
    bad = [
        r.email
        for r in [Recipient(message.from_email), *recipients]
        if not _EMAIL.fullmatch(r.email)
    ]
    if bad:
        problems.append(f"invalid address {bad[0]!r}")
    if not message.subject.strip():
        problems.append("an empty subject")
    if not (message.text or message.html):
        problems.append("no text or HTML body")
    cats = list(dict.fromkeys(message.categories))
    if len(cats) > MAX_CATEGORIES or any(len(c) > MAX_CATEGORY_LEN or not c for c in cats):
        problems.append(f"categories: at most {MAX_CATEGORIES}, 1-{MAX_CATEGORY_LEN} chars")
    args = {str(k): str(v) for k, v in message.custom_args.items()}
    if message.draft_id:
        args[DRAFT_ARG] = str(message.draft_id)
    if len(json.dumps(args).encode()) >= MAX_CUSTOM_ARGS_BYTES:
        problems.append(f"custom_args of {MAX_CUSTOM_ARGS_BYTES:,} bytes or more")
    send_at = message.send_at_epoch()
    if send_at is not None and not now - 60 <= send_at <= now + MAX_SCHEDULE_S:
        problems.append("send_at must be between now and 72 hours from now")
    if problems:
        raise UsageError(f"This email cannot be sent: {'; '.join(problems)}.")

    # custom_args go in each envelope: the published schema types the top-level field as a
    # string, while the personalization-level one is the documented object.
    def envelope(to: list[Recipient]) -> dict[str, Any]:
        p: dict[str, Any] = {"to": [_address(r) for r in to]}
        if args:
            p["custom_args"] = args
        return p

    groups = [[r] for r in recipients] if message.separate else [recipients]
    body: dict[str, Any] = {
        "personalizations": [envelope(g) for g in groups],
        "from": _address(Recipient(message.from_email, message.from_name)),
        "subject": message.subject,
        # text/plain must come before text/html.
        "content": [
            {"type": t, "value": v}
            for t, v in (
                ("text/plain", _footed(message.text, message.unsubscribe, html=False)),
                ("text/html", _footed(message.html, message.unsubscribe, html=True)),
            )
            if v
        ],
    }
    if message.unsubscribe is not None:
        body.update(_unsubscribe_fields(message.unsubscribe))
    if message.reply_to:
        body["reply_to"] = {"email": message.reply_to}
    if cats:
        body["categories"] = cats
    if send_at is not None:
        body["send_at"] = send_at
    if message.batch_id:
        body["batch_id"] = message.batch_id
    return body


def _footed(content: str | None, unsub: Unsubscribe | None, *, html: bool) -> str | None:
    """The body with an unsubscribe link at its foot (marketing email only)."""
    if not content or unsub is None:
        return content
    link = GROUP_UNSUBSCRIBE_TAG if unsub.group_id is not None else unsub.url
    if not link:
        return content
    if html:
        return f'{content}\n<p style="font-size:12px"><a href="{link}">Unsubscribe</a></p>'
    return f"{content}\n\n--\nUnsubscribe: {link}"


def _unsubscribe_fields(unsub: Unsubscribe) -> dict[str, Any]:
    """`asm` for the group; List-Unsubscribe headers: the sender's own, else SendGrid's."""
    out: dict[str, Any] = {}
    if unsub.group_id is not None:
        out["asm"] = {"group_id": unsub.group_id}
    targets = [f"<{unsub.url}>"] if unsub.url else []
    targets += [f"<mailto:{unsub.mailto}>"] if unsub.mailto else []
    if targets:
        out["headers"] = {"List-Unsubscribe": ", ".join(targets)}
        if unsub.url:  # RFC 8058 one-click needs an https URL to POST to
            out["headers"]["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    else:
        # SendGrid adds List-Unsubscribe and List-Unsubscribe-Post (one-click) to a message
        # with subscription tracking on; its footer would go at TRACKING_TAG, which is nowhere.
        out["tracking_settings"] = {
            "subscription_tracking": {"enable": True, "substitution_tag": TRACKING_TAG}
        }
    return out


def _address(r: Recipient) -> dict[str, str]:
    return {"email": r.email, "name": r.name} if r.name else {"email": r.email}


@dataclass(frozen=True)
class ScopeReport:
    """The API key's permissions against what mktd needs (`GET /v3/scopes`)."""

    granted: tuple[str, ...]
    missing: dict[str, tuple[str, ...]]  # feature -> permissions it lacks

    @classmethod
    def of(cls, granted: Sequence[str]) -> ScopeReport:
        have = set(granted)
        missing = {
            feature: tuple(s for s in needed if s not in have)
            for feature, needed in SCOPES_NEEDED.items()
            if any(s not in have for s in needed)
        }
        return cls(tuple(sorted(have)), missing)

    @property
    def can_send(self) -> bool:
        return "send email" not in self.missing

    def summary(self) -> str:
        if not self.missing:
            return "the API key has every permission mktd uses"
        parts = [f"{f} (needs {', '.join(s)})" for f, s in self.missing.items()]
        return "the API key cannot: " + "; ".join(parts)


@dataclass(frozen=True)
class EmailMetrics:
    """SendGrid's counters for one day/week/month (missing counters are 0)."""

    requests: int = 0
    delivered: int = 0
    opens: int = 0
    unique_opens: int = 0
    clicks: int = 0
    unique_clicks: int = 0
    bounces: int = 0
    spam_reports: int = 0
    processed: int = 0
    deferred: int = 0
    blocks: int = 0
    bounce_drops: int = 0
    invalid_emails: int = 0
    spam_report_drops: int = 0
    unsubscribes: int = 0
    unsubscribe_drops: int = 0

    @classmethod
    def from_api(cls, data: Mapping[str, Any] | None) -> EmailMetrics:
        data = data or {}
        values = {}
        for name in cls.__dataclass_fields__:
            try:
                values[name] = int(data.get(name) or 0)
            except (TypeError, ValueError):
                values[name] = 0
        return cls(**values)


@dataclass(frozen=True)
class StatsRow:
    """One period's metrics; `category` is set for category stats."""

    date: str
    metrics: EmailMetrics
    category: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.date, "category": self.category, **asdict(self.metrics)}
