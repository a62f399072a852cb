"""Mailchimp Marketing API 3.0 shapes: member hashes, import batches, campaigns, reports.

Request and response shapes follow the reference card (api-crm-email.md §5) and the fixtures
under tests/integrations/mailchimp/fixtures/ (each names its source); no vendor file is copied.
- A member is addressed by `subscriber_hash` = MD5 of the lowercased address, so the same
  person is one member however the address is capitalised (hash the address you send).
- Members are imported through batch subscribe (`POST /lists/{id}`), at most 500 per call,
  with `update_existing` so a re-run updates instead of failing with "Member Exists".
- A campaign moves save → (schedule) → sending → sent; only `save` (or `paused`) may be sent.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from mktdirector.core.errors import UsageError
from mktdirector.integrations.email_models import CampaignSpec

MAX_BATCH = 500  # members per batch-subscribe call
MAX_PAGE = 1000  # `count` per page on list endpoints
# The merge tags Mailchimp requires in every campaign: the unsubscribe link and the address.
UNSUB_TAG, ADDRESS_TAG = "*|UNSUB|*", "*|LIST:ADDRESSLINE|*"
SENT_STATES = ("sending", "sent")
# CSV columns (as contacts_csv names them) -> the default audience merge fields.
MERGE_FIELDS = {"firstname": "FNAME", "lastname": "LNAME", "phone": "PHONE",
                "address": "ADDRESS", "birthday": "BIRTHDAY", "company": "COMPANY"}  # fmt: skip
_TAG = re.compile(r"[^A-Z0-9_]")


def subscriber_hash(email: str) -> str:
    """Mailchimp's member id: MD5 of the lowercased address."""
    return hashlib.md5(email.strip().lower().encode()).hexdigest()  # noqa: S324 - Mailchimp's id


def member_body(row: Mapping[str, Any], status_if_new: str = "subscribed") -> dict[str, Any]:
    """A batch-subscribe / PUT member body from one CSV row (`email`, names, `tags`)."""
    email = str(row.get("email") or "").strip()
    merge: dict[str, str] = {}
    for column, value in row.items():
        if column in ("email", "tags") or value in (None, ""):
            continue
        tag = MERGE_FIELDS.get(column) or _TAG.sub("", str(column).upper())[:10]
        if tag:
            merge[tag] = str(value)
    body: dict[str, Any] = {"email_address": email, "status_if_new": status_if_new,
                            "status": status_if_new}  # fmt: skip
    if merge:
        body["merge_fields"] = merge
    tags = list(
        dict.fromkeys(t.strip() for t in re.split(r"[;,]", str(row.get("tags") or "")) if t.strip())
    )
    if tags:
        body["tags"] = tags
    return body


def batches(rows: Sequence[Mapping[str, Any]], size: int = MAX_BATCH) -> list[list[Any]]:
    if not 1 <= size <= MAX_BATCH:
        raise UsageError(f"A Mailchimp import batch holds 1 to {MAX_BATCH} members.")
    return [list(rows[i : i + size]) for i in range(0, len(rows), size)]


@dataclass(frozen=True)
class MemberError:
    """One member Mailchimp refused (the batch went on without it)."""

    email: str
    code: str  # error_code, e.g. ERROR_GENERIC, ERROR_CONTACT_EXISTS
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class BatchResult:
    """What one batch-subscribe call did."""

    created: int = 0
    updated: int = 0
    errors: list[MemberError] = field(default_factory=list)
    size: int = 0

    @classmethod
    def from_api(cls, data: Mapping[str, Any], size: int) -> BatchResult:
        errs = [
            MemberError(
                str(e.get("email_address") or ""),
                str(e.get("error_code") or "ERROR"),
                str(e.get("error") or e.get("field_message") or ""),
            )  # fmt: skip
            for e in data.get("errors") or []
            if isinstance(e, dict)
        ]
        return cls(int(data.get("total_created") or 0), int(data.get("total_updated") or 0),
                   errs, size)  # fmt: skip


@dataclass
class ImportSummary:
    audience: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    batches: int = 0
    duplicates: int = 0  # rows whose address came earlier in the file (merged into it)
    errors: list[MemberError] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)  # bad CSV rows

    def add(self, batch: BatchResult) -> None:
        self.batches += 1
        self.created += batch.created
        self.updated += batch.updated
        self.errors += batch.errors

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Audience:
    id: str
    name: str
    members: int
    from_name: str | None = None
    from_email: str | None = None
    has_address: bool = True  # the required footer address is filled in

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Audience:
        defaults = data.get("campaign_defaults") or {}
        contact = data.get("contact") or {}
        return cls(str(data["id"]), str(data.get("name") or ""),
                   int((data.get("stats") or {}).get("member_count") or 0),
                   defaults.get("from_name") or None, defaults.get("from_email") or None,
                   bool(contact.get("address1")) if "contact" in data else True)  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Campaign:
    id: str
    status: str  # save | paused | schedule | sending | sent | canceled ...
    title: str
    send_time: str | None = None
    emails_sent: int | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Campaign:
        return cls(str(data["id"]), str(data.get("status") or ""),
                   str((data.get("settings") or {}).get("title") or ""),
                   data.get("send_time") or None, data.get("emails_sent"))  # fmt: skip

    @property
    def went_out(self) -> bool:
        return self.status in SENT_STATES

    @property
    def scheduled(self) -> bool:
        return self.status == "schedule"


def campaign_body(spec: CampaignSpec) -> dict[str, Any]:
    """`POST /campaigns` for a regular campaign to an audience (optionally one tag of it)."""
    recipients: dict[str, Any] = {"list_id": spec.audience}
    if spec.segment_id is not None:
        recipients["segment_opts"] = {"saved_segment_id": spec.segment_id}
    settings = {"subject_line": spec.subject, "title": spec.title, "from_name": spec.from_name,
                "reply_to": spec.reply_to}  # fmt: skip
    if spec.preview:
        settings["preview_text"] = spec.preview
    return {"type": "regular", "recipients": recipients, "settings": settings}


def with_footer(html: str | None, text: str | None) -> tuple[str, str]:
    """HTML and plain text carrying the unsubscribe link and address Mailchimp requires."""
    from html import escape

    plain = text or ""
    markup = html or "<p>" + escape(plain).replace("\n\n", "</p><p>").replace("\n", "<br>") + "</p>"
    if UNSUB_TAG not in markup:
        footer = (f'<p style="font-size:12px;color:#666"><a href="{UNSUB_TAG}">Unsubscribe</a>'
                  f" · {ADDRESS_TAG}</p>")  # fmt: skip
        markup = (
            markup.replace("</body>", footer + "</body>", 1)
            if "</body>" in markup
            else markup + footer
        )
    if not plain:
        plain = re.sub(r"<[^>]+>", " ", markup)
    if UNSUB_TAG not in plain:
        plain = plain.rstrip() + f"\n\n--\nUnsubscribe: {UNSUB_TAG}\n{ADDRESS_TAG}\n"
    return markup, plain


def schedule_time(when: datetime) -> str:
    """`schedule_time` in UTC; Mailchimp takes only :00, :15, :30 and :45."""
    if when.tzinfo is None:
        raise UsageError("The schedule time needs a time zone.")
    utc = when.astimezone(UTC)
    if utc.minute % 15 or utc.second or utc.microsecond:
        raise UsageError(
            f"Mailchimp schedules on the quarter-hour only, not {utc:%H:%M:%S} UTC.",
            hint="--at with :00, :15, :30 or :45 (e.g. 'tomorrow 9:15')",
        )
    return utc.strftime("%Y-%m-%dT%H:%M:%S+00:00")


@dataclass(frozen=True)
class CampaignReport:
    """`GET /reports/{id}` in mktd's email-stats counters (the same columns as SendGrid's)."""

    campaign_id: str
    date: str  # the send day
    requests: int
    delivered: int
    opens: int
    unique_opens: int
    clicks: int
    unique_clicks: int
    bounces: int
    spam_reports: int
    unsubscribes: int

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> CampaignReport:
        def n(obj: Any, key: str) -> int:
            try:
                return int((obj or {}).get(key) or 0)
            except (TypeError, ValueError):
                return 0

        b, o, c = data.get("bounces"), data.get("opens"), data.get("clicks")
        sent = n(data, "emails_sent")
        bounced = n(b, "hard_bounces") + n(b, "soft_bounces") + n(b, "syntax_errors")
        return cls(
            str(data["id"]), str(data.get("send_time") or "")[:10], sent, max(sent - bounced, 0),
            n(o, "opens_total"), n(o, "unique_opens"), n(c, "clicks_total"),
            n(c, "unique_subscriber_clicks"), bounced, n(data, "abuse_reports"),
            n(data, "unsubscribed"),
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        # As an email-stats row: the campaign id is its category (emails rows carry it too).
        d = asdict(self)
        d["category"] = d.pop("campaign_id")
        d["platform"] = "mailchimp"
        return d


def reports_of(items: Iterable[Mapping[str, Any]]) -> list[CampaignReport]:
    return [CampaignReport.from_api(r) for r in items if isinstance(r, Mapping) and r.get("id")]
