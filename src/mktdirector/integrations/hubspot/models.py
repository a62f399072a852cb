"""What the HubSpot client returns: small dataclasses the store can keep, and their parsers.

Contacts carry their attribution: HubSpot's own source properties (`hs_analytics_source`, its
drill-downs, `hs_latest_source`) and the UTM values mktd put on its links, read from the
portal's UTM properties or, failing those, from the first/last page URL HubSpot recorded.
`utm_content` is the draft id (DESIGN.md section 7), so a contact leads back to a post.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from mktdirector.core.errors import BadRequestError, ConflictError
from mktdirector.integrations.crm_models import Attribution
from mktdirector.integrations.crm_models import ContactImportStopped as ImportRateLimited  # noqa: F401
from mktdirector.integrations.crm_models import ContactRef as ContactRef
from mktdirector.integrations.crm_models import UpsertBatch as UpsertBatch
from mktdirector.integrations.crm_models import UpsertError as UpsertError
from mktdirector.integrations.crm_models import UpsertSummary as UpsertSummary

# The upsert and attribution types are vendor-neutral (crm_models); they are re-exported here
# because the HubSpot client and its tests know them by these names. `ImportRateLimited` is
# HubSpot's name for the neutral ContactImportStopped.

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


class ContactExistsError(ConflictError):
    """409 on create: the email belongs to contact `existing_id` (parsed from the message)."""

    kind = "exists"

    def __init__(self, message: str, *, existing_id: str | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.existing_id = existing_id


class UnknownPropertyError(BadRequestError):
    """400 PROPERTY_DOESNT_EXIST: a column names a property the portal does not have."""

    kind = "unknown_property"
