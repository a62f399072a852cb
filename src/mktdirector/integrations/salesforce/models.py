"""What the Salesforce client reads and writes: field mapping, SOQL text, records, attribution.

A Lead (or Contact) is read into `Record`, which satisfies the CRM capability's contact: its
`properties` carry the neutral names the agents use (email, firstname, lastname, company,
createdate) next to the org's own field names. Attribution is the standard `LeadSource` plus
the UTM custom fields the org uses, named by config `salesforce.utm_fields` (reference card
4.4: UTM capture needs custom fields). Shapes: developer.salesforce.com REST API guide
(resources_query, resources_composite_sobjects_collections*), Object Reference (Lead).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

from mktdirector.core import errors as E
from mktdirector.integrations.crm_models import Attribution

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
# Custom fields many orgs create for UTM capture; config `salesforce.utm_fields` renames them.
DEFAULT_UTM_FIELDS = {k: f"UTM_{k[4:].capitalize()}__c" for k in UTM_KEYS}
# CSV column (lowercased) -> Lead field. Columns not named here are sent under their own name,
# so a column `Industry` or `Region__c` reaches the field of that name.
DEFAULT_FIELD_MAP: dict[str, str] = {
    "email": "Email",
    "firstname": "FirstName",
    "first_name": "FirstName",
    "lastname": "LastName",
    "last_name": "LastName",
    "company": "Company",
    "phone": "Phone",
    "title": "Title",
    "jobtitle": "Title",
    "website": "Website",
    "lead_source": "LeadSource",
    "leadsource": "LeadSource",
    "city": "City",
    "country": "Country",
    **DEFAULT_UTM_FIELDS,
}
# What every read asks for on each object (the UTM fields are added when the org has them).
READ_FIELDS = {
    "Lead": ("Id", "Email", "FirstName", "LastName", "Company", "LeadSource", "CreatedDate",
             "SystemModstamp"),
    "Contact": ("Id", "Email", "FirstName", "LastName", "LeadSource", "CreatedDate",
                "SystemModstamp"),
}  # fmt: skip
NEUTRAL = {"Email": "email", "FirstName": "firstname", "LastName": "lastname",
           "Company": "company", "CreatedDate": "createdate",
           "SystemModstamp": "lastmodifieddate"}  # fmt: skip


def parse_mapping(text: str | None, setting: str) -> dict[str, str]:
    """`"col=Field, col2=Field2"` -> {"col": "Field", ...}; a clear error for a malformed one."""
    out: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise E.ConfigError(
                f"{setting} has a malformed entry {part.strip()!r}.",
                hint=f"mktd config set {setting} 'column=Field__c,other=Other__c'",
            )
        out[key.strip().lower()] = value.strip()
    return out


@dataclass(frozen=True)
class FieldMap:
    """How CSV columns become Lead fields, and which fields hold the UTM values."""

    columns: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_FIELD_MAP))
    utm: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_UTM_FIELDS))

    @cached_property
    def targets(self) -> frozenset[str]:
        """The field names the mapping writes to (with their Salesforce capitals)."""
        return frozenset(self.columns.values())

    @classmethod
    def from_config(
        cls, field_map: str | None, utm_fields: str | None, external_id: str | None = None
    ) -> FieldMap:
        utm = {**DEFAULT_UTM_FIELDS, **parse_mapping(utm_fields, "salesforce.utm_fields")}
        unknown = sorted(set(utm) - set(UTM_KEYS))
        if unknown:
            raise E.ConfigError(
                f"salesforce.utm_fields names {', '.join(unknown)}; only {', '.join(UTM_KEYS)} "
                "can be mapped.",
                hint="mktd config set salesforce.utm_fields 'utm_source=Your_Field__c,...'",
            )
        columns = {**DEFAULT_FIELD_MAP, **utm}
        if external_id:  # its column arrives lowercased like every CSV header
            columns[external_id.lower()] = external_id
        columns.update(parse_mapping(field_map, "salesforce.field_map"))
        return cls(columns, utm)

    def record(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """A CSV row as Lead fields; empty values are left out (never "clear this field")."""
        out: dict[str, Any] = {}
        for key, value in row.items():
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            name = self.columns.get(str(key).strip().lower(), str(key).strip())
            out[name] = value.strip() if isinstance(value, str) else value
        return out


class UnknownColumnError(E.ConfigError):
    """A CSV column that names no field of the org's Leads (found before anything is sent)."""

    kind = "invalid_field"

    def __init__(self, column: str, field: str | None = None) -> None:
        if field is None:  # a column no setting maps: sent under its own name
            hint = (f"Map it: mktd config set salesforce.field_map '{column}=YourField__c' "
                    "(or drop the column)")  # fmt: skip
        else:  # a column the mapping sends to a custom field the org does not have
            hint = (f"Create {field} on Lead in Salesforce Setup, or map {column} elsewhere "
                    "(salesforce.field_map, salesforce.utm_fields)")  # fmt: skip
        super().__init__(
            f"Salesforce Leads have no field {field or column!r} (the CSV column {column!r}).",
            hint=hint,
        )
        self.column = column


def soql_quote(value: str) -> str:
    """A SOQL string literal: backslashes and quotes escaped (SOQL reference, quoted strings)."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    escaped = escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f"'{escaped}'"


def soql_datetime(epoch_iso: str) -> str:
    """An ISO timestamp as a SOQL dateTime literal (unquoted, UTC, no fraction)."""
    return epoch_iso[:19] + "Z"


def iso_utc(value: str | None) -> str | None:
    """`2026-09-03T09:00:00.000+0000` (Salesforce) -> `2026-09-03T09:00:00.000Z`."""
    if not value:
        return None
    for suffix in ("+0000", "+00:00"):
        if value.endswith(suffix):
            return value[: -len(suffix)] + "Z"
    return value


@dataclass(frozen=True)
class Record:
    """A Lead or Contact as read; `properties` holds neutral names and the org's field names."""

    id: str
    sobject: str  # "Lead" | "Contact"
    properties: dict[str, str | None]
    utm_fields: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def email(self) -> str | None:
        return self.properties.get("email")

    @property
    def created_at(self) -> str | None:
        return self.properties.get("createdate")

    @property
    def attribution(self) -> Attribution:
        touch = {k: v for k, f in self.utm_fields.items() if (v := self.properties.get(f))}
        source = self.properties.get("LeadSource")
        return Attribution(original_source=source, latest_source=source, first_touch=touch)

    @classmethod
    def from_api(cls, data: Mapping[str, Any], utm_fields: Mapping[str, str]) -> Record:
        sobject = str((data.get("attributes") or {}).get("type") or "Lead")
        props: dict[str, str | None] = {}
        for k, v in data.items():
            if k == "attributes" or isinstance(v, dict | list):
                continue
            props[k] = None if v is None else str(v)
        for sf, neutral in NEUTRAL.items():
            value = props.get(sf)
            props[neutral] = iso_utc(value) if sf in ("CreatedDate", "SystemModstamp") else value
        return cls(str(data["Id"]), sobject, props, dict(utm_fields))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("utm_fields")
        d["attribution"] = self.attribution.to_dict()
        return d


@dataclass(frozen=True)
class ApiVersion:
    """One entry of `GET /services/data/`."""

    version: str
    label: str
    url: str


@dataclass(frozen=True)
class Campaign:
    id: str
    name: str
    created: bool  # False when an existing Campaign was found by name or external id


@dataclass
class MemberResult:
    """CampaignMembers added for one Campaign: new, already there, refused."""

    campaign: Campaign
    added: int = 0
    existing: int = 0
    errors: list[str] = field(default_factory=list)
    requests: int = 0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["campaign"] = asdict(self.campaign)
        return d
