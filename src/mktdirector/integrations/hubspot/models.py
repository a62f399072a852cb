"""What the HubSpot client returns: small dataclasses the store can keep, and their parsers.

Contacts carry their attribution: HubSpot's own source properties (`hs_analytics_source`, its
drill-downs, `hs_latest_source`) and the UTM values mktd put on its links, read from the
portal's UTM properties or, failing those, from the first/last page URL HubSpot recorded.
`utm_content` is the draft id (DESIGN.md section 7), so a contact leads back to a post.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from mktdirector.core.errors import BadRequestError, ConflictError, RateLimitError

DEFAULT_PROPERTIES = ("email", "firstname", "lastname", "createdate", "lastmodifieddate")
# HubSpot-maintained attribution properties; read-only, set from tracking URLs and referrers.
SOURCE_PROPERTIES = (
    "hs_analytics_source",
    "hs_analytics_source_data_1",
    "hs_analytics_source_data_2",
    "hs_latest_source",
    "hs_latest_source_data_1",
    "hs_latest_source_data_2",
    "hs_analytics_first_url",
    "hs_analytics_last_url",
)
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")


@dataclass(frozen=True)
class AccountInfo:
    """`GET /account-info/v3/details`: the portal a token belongs to."""

    portal_id: int
    account_type: str | None = None  # STANDARD | SANDBOX | DEVELOPER_TEST | APP_DEVELOPER
    time_zone: str | None = None
    currency: str | None = None
    utc_offset_ms: int | None = None
    ui_domain: str | None = None
    data_hosting_location: str | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> AccountInfo:
        offset = data.get("utcOffsetMilliseconds")
        return cls(
            portal_id=int(data["portalId"]),
            account_type=data.get("accountType"),
            time_zone=data.get("timeZone"),
            currency=data.get("companyCurrency"),
            utc_offset_ms=int(offset) if isinstance(offset, int | float) else None,
            ui_domain=data.get("uiDomain"),
            data_hosting_location=data.get("dataHostingLocation"),
        )


@dataclass(frozen=True)
class ContactRef:
    """A contact id after a write. `created` is False when the email already existed."""

    id: str
    email: str | None
    created: bool


@dataclass(frozen=True)
class Attribution:
    """Where a contact came from, as HubSpot recorded it and as our UTM links said."""

    original_source: str | None = None  # hs_analytics_source, e.g. SOCIAL_MEDIA
    original_source_data_1: str | None = None
    original_source_data_2: str | None = None  # for organic social: utm_campaign
    latest_source: str | None = None
    latest_source_data_1: str | None = None
    latest_source_data_2: str | None = None
    first_touch: dict[str, str] = field(default_factory=dict)  # utm_* of the first visit
    last_touch: dict[str, str] = field(default_factory=dict)  # utm_* of the latest visit

    @property
    def draft_id(self) -> str | None:
        """The mktd draft whose link brought the contact (`utm_content`), first touch first."""
        return self.first_touch.get("utm_content") or self.last_touch.get("utm_content")

    @property
    def campaign(self) -> str | None:
        return self.first_touch.get("utm_campaign") or self.last_touch.get("utm_campaign")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.update(draft_id=self.draft_id, campaign=self.campaign)
        return d


@dataclass(frozen=True)
class Contact:
    """A contact as read from HubSpot; property values are strings (or None), as sent."""

    id: str
    properties: dict[str, str | None]
    created_at: str | None = None
    updated_at: str | None = None
    archived: bool = False

    @property
    def email(self) -> str | None:
        return self.properties.get("email")

    @property
    def attribution(self) -> Attribution:
        return attribution_of(self.properties)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Contact:
        props = data.get("properties") or {}
        return cls(
            id=str(data["id"]),
            properties={str(k): (None if v is None else str(v)) for k, v in props.items()},
            created_at=data.get("createdAt"),
            updated_at=data.get("updatedAt"),
            archived=bool(data.get("archived", False)),
        )

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["attribution"] = self.attribution.to_dict()
        return d


def attribution_of(props: dict[str, str | None]) -> Attribution:
    """Read attribution from contact properties; portal UTM properties win over URL parsing."""
    first: dict[str, str] = {}
    last: dict[str, str] = {}
    for name, value in props.items():
        if not value:
            continue
        low = name.lower()
        key = next((k for k in UTM_KEYS if k in low), None)
        if key is None:
            continue
        # Portals name these freely (utm_source, first_utm_source, latest_utm_source, ...).
        target = last if ("last" in low or "latest" in low or "recent" in low) else first
        target.setdefault(key, value)
    for url_prop, target in (("hs_analytics_first_url", first), ("hs_analytics_last_url", last)):
        for k, v in _utm_from_url(props.get(url_prop)).items():
            target.setdefault(k, v)
    return Attribution(
        original_source=props.get("hs_analytics_source"),
        original_source_data_1=props.get("hs_analytics_source_data_1"),
        original_source_data_2=props.get("hs_analytics_source_data_2"),
        latest_source=props.get("hs_latest_source"),
        latest_source_data_1=props.get("hs_latest_source_data_1"),
        latest_source_data_2=props.get("hs_latest_source_data_2"),
        first_touch=first,
        last_touch=last,
    )


def _utm_from_url(url: str | None) -> dict[str, str]:
    if not url:
        return {}
    try:
        query = parse_qs(urlsplit(url).query)
    except ValueError:
        return {}
    return {k: query[k][0] for k in UTM_KEYS if query.get(k) and query[k][0]}


@dataclass(frozen=True)
class UpsertError:
    """Rows HubSpot refused. `rows` are 0-based positions in the caller's input."""

    message: str
    category: str | None = None
    rows: tuple[int, ...] = ()
    emails: tuple[str, ...] = ()


@dataclass
class UpsertBatch:
    """One batch request's outcome (for progress bars)."""

    index: int  # batch number, from 0
    start: int  # position of the batch's first row in the input
    size: int  # rows in the batch (duplicates and rows without email included)
    results: list[ContactRef] = field(default_factory=list)
    errors: list[UpsertError] = field(default_factory=list)
    requests: int = 0


@dataclass
class UpsertSummary:
    """All batches so far. `rows_done` is where a resumed import starts."""

    rows_done: int = 0
    created: int = 0
    updated: int = 0
    batches: int = 0
    requests: int = 0
    results: list[ContactRef] = field(default_factory=list)
    errors: list[UpsertError] = field(default_factory=list)

    @property
    def failed_rows(self) -> int:
        return sum(max(len(e.rows), 1) for e in self.errors)

    def add(self, batch: UpsertBatch) -> None:
        self.rows_done = batch.start + batch.size
        self.batches += 1
        self.requests += batch.requests
        self.results.extend(batch.results)
        self.errors.extend(batch.errors)
        self.created += sum(1 for r in batch.results if r.created)
        self.updated += sum(1 for r in batch.results if not r.created)


class ContactExistsError(ConflictError):
    """409 on create: the email belongs to contact `existing_id` (parsed from the message)."""

    kind = "exists"

    def __init__(self, message: str, *, existing_id: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.existing_id = existing_id


class ImportRateLimited(RateLimitError):
    """A bulk upsert stopped on a rate limit; `summary.rows_done` rows are in HubSpot."""

    def __init__(self, error: RateLimitError, summary: UpsertSummary, total: int | None) -> None:
        of = f" of {total:,}" if total is not None else ""
        message = (
            f"{error.message.rstrip('.')}. {summary.rows_done:,}{of} rows were sent before "
            f"the stop; nothing after row {summary.rows_done:,} was."
        )
        super().__init__(
            message,
            retry_after=error.retry_after,
            platform=error.platform,
            status_code=error.status_code,
            method=error.method,
            path=error.path,
            request_id=error.request_id,
            code=error.code,
            hint=(
                f"Run the same import again after the reset (contacts are upserted by email, "
                f"so re-sending rows is safe), or skip the first {summary.rows_done:,} rows."
            ),
        )
        self.summary = summary


class UnknownPropertyError(BadRequestError):
    """400 PROPERTY_DOESNT_EXIST: a column names a property the portal does not have."""

    kind = "unknown_property"
