"""Vendor-neutral email data: the message an `EmailSender` sends and what a send returns.

Agents build these; each sender (SendGrid today, Mailchimp next) validates them against its
own limits and turns them into its request, so agents never import a vendor's models.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from mktdirector.core.errors import UsageError


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str | None = None


@dataclass(frozen=True)
class Unsubscribe:
    """How a marketing email's recipients leave the list (RFC 8058 one-click, and the footer).

    `group_id`: the sender's unsubscribe group (SendGrid ASM): the footer links to it and the
    platform suppresses who left. `url` / `mailto`: the sender's own endpoints, put in the
    List-Unsubscribe headers when given (else the platform adds its own headers).
    """

    group_id: int | None = None
    url: str | None = None
    mailto: str | None = None


@dataclass
class EmailMessage:
    """One email to a group of recipients; the sender turns it into its own request.

    `draft_id` travels with the message (SendGrid: custom_args) so events lead back to the draft.
    """

    from_email: str
    subject: str
    to: Sequence[str | Recipient]
    text: str | None = None
    html: str | None = None
    from_name: str | None = None
    reply_to: str | None = None
    categories: Sequence[str] = ()
    custom_args: Mapping[str, str] = field(default_factory=dict)
    draft_id: str | None = None
    send_at: datetime | int | float | None = None  # aware datetime or epoch seconds
    batch_id: str | None = None
    separate: bool = True  # one envelope per recipient (recipients do not see each other)
    unsubscribe: Unsubscribe | None = None  # None: transactional (a receipt, a notice)

    def recipients(self) -> list[Recipient]:
        """Recipients, each address once (senders refuse repeats within a request)."""
        seen: set[str] = set()
        out = []
        for r in self.to:
            rec = r if isinstance(r, Recipient) else Recipient(str(r).strip())
            key = rec.email.strip().lower()
            if key not in seen:
                seen.add(key)
                out.append(Recipient(rec.email.strip(), rec.name))
        return out

    def send_at_epoch(self) -> int | None:
        if self.send_at is None:
            return None
        if isinstance(self.send_at, datetime):
            if self.send_at.tzinfo is None:
                raise UsageError("send_at needs a time zone (e.g. 2026-05-01T09:00+02:00).")
            return int(self.send_at.timestamp())
        return int(self.send_at)


@dataclass(frozen=True)
class SendResult:
    """The sender queued the message. Record `message_id` before anything else."""

    message_id: str | None  # SendGrid: X-Message-Id
    batch_id: str | None
    send_at: int | None
    recipients: int
    status_code: int = 202

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CampaignSpec:
    """A campaign to an audience (Mailchimp), as agents describe it; the sender builds the body."""

    audience: str
    subject: str
    title: str  # how the campaign is found again after a lost answer
    from_name: str
    reply_to: str
    segment_id: int | None = None
    preview: str | None = None
