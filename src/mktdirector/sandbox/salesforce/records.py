"""The sandbox org's records: schema, validation, ids, and the leads that posts bring in.

Objects and fields are the few mktd touches (Object Reference: Lead, Contact, Campaign,
CampaignMember, User), plus the UTM custom fields and an external-id field `Mktd_Key__c` the
sandbox org has on Lead (its Contacts have no UTM fields: mktd must probe per object). Lead
requires LastName and Company (REQUIRED_FIELD_MISSING), Email must look like an address
(INVALID_EMAIL_ADDRESS), a Campaign's members are unique (DUPLICATE_VALUE).
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any

from mktdirector.sandbox.base import iso
from mktdirector.sandbox.env import SALESFORCE_USER
from mktdirector.sandbox.hubspot.leads import leads as post_leads

if TYPE_CHECKING:
    from mktdirector.sandbox.emulator import Emulator

UTM = ("UTM_Source__c", "UTM_Medium__c", "UTM_Campaign__c", "UTM_Content__c", "UTM_Term__c")
STAMPS = ("CreatedDate", "LastModifiedDate", "SystemModstamp")
# fmt: off
FIELDS: dict[str, set[str]] = {
    "Lead": {"Id", "Email", "FirstName", "LastName", "Company", "Phone", "Title", "Website",
             "LeadSource", "City", "Country", "Status", "IsConverted", "ConvertedContactId",
             "Mktd_Key__c", *UTM,
             *STAMPS},
    "Contact": {"Id", "Email", "FirstName", "LastName", "LeadSource", "AccountId", *STAMPS},
    "Campaign": {"Id", "Name", "IsActive", "Status", "Type", "StartDate", "Mktd_Key__c",
                 *STAMPS},
    "CampaignMember": {"Id", "CampaignId", "LeadId", "ContactId", "Status", "HasResponded",
                       *STAMPS},
    "User": {"Id", "Username", "Name", "Email"},
}
# fmt: on
READ_ONLY = {"Id", "IsConverted", "ConvertedContactId", "HasResponded", *STAMPS}
REQUIRED = {"Lead": ("LastName", "Company"), "Contact": ("LastName",), "Campaign": ("Name",),
            "CampaignMember": ("CampaignId",)}  # fmt: skip
ID_PREFIX = {"Lead": "00Q", "Contact": "003", "Campaign": "701", "CampaignMember": "00v",
             "User": "005"}  # fmt: skip
EXTERNAL_IDS = {"Lead": {"Mktd_Key__c"}, "Campaign": {"Mktd_Key__c"}}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def kind(obj: str) -> str:
    return f"salesforce.{obj}"


def stamp(epoch: float) -> str:
    """Salesforce's dateTime format: `2026-09-03T09:00:00.000+0000`."""
    return iso(epoch).replace("Z", "+0000")


def new_id(emu: Emulator, obj: str) -> str:
    n = emu.state.incr(f"salesforce.ids.{obj}")
    return f"{ID_PREFIX[obj]}SB{n:013d}"


def key_of(obj: str, rec: dict[str, Any]) -> str | None:
    if obj in ("Lead", "Contact"):
        return str(rec.get("Email") or "").lower() or None
    if obj == "Campaign":
        return str(rec.get("Name") or "").lower()
    if obj == "CampaignMember":
        return f"{rec.get('CampaignId')}|{rec.get('LeadId') or rec.get('ContactId')}"
    return None


def unknown_field(obj: str, fields: dict[str, Any]) -> str | None:
    return next((f for f in fields if f != "attributes" and f not in FIELDS[obj]), None)


def problems(obj: str, fields: dict[str, Any], *, insert: bool) -> list[dict[str, Any]]:
    """Per-record errors, Salesforce-shaped: [{statusCode, message, fields}]."""
    out: list[dict[str, Any]] = []
    ro = sorted(f for f in fields if f in READ_ONLY and f != "Id")
    if ro:
        out.append({"statusCode": "INVALID_FIELD_FOR_INSERT_UPDATE",
                    "message": f"Unable to create/update fields: {', '.join(ro)}. Please check "
                    "the security settings of this field and verify that it is read/write for "
                    "your profile or permission set.", "fields": ro})  # fmt: skip
    if insert:
        missing = [f for f in REQUIRED.get(obj, ()) if not str(fields.get(f) or "").strip()]
        if missing:
            out.append({"statusCode": "REQUIRED_FIELD_MISSING",
                        "message": f"Required fields are missing: [{', '.join(missing)}]",
                        "fields": missing})  # fmt: skip
    email = fields.get("Email")
    if email and not _EMAIL.fullmatch(str(email)):
        out.append({"statusCode": "INVALID_EMAIL_ADDRESS",
                    "message": f"Email: invalid email address: {email}",
                    "fields": ["Email"]})  # fmt: skip
    return out


def engagement_leads(emu: Emulator) -> list[dict[str, Any]]:
    """Leads that arrived through published posts' links (the HubSpot room's people), with
    LeadSource and the links' UTM values in the org's UTM fields."""
    out = []
    for lead in post_leads(emu):
        p = lead["properties"]
        tag = hashlib.sha256(str(lead["id"]).encode()).hexdigest()[:13].upper()
        at = p["createdate"].replace("Z", "+0000")
        out.append({
            "attributes": {"type": "Lead"}, "Id": f"00QPL{tag}", "Email": p["email"],
            "FirstName": p["firstname"], "LastName": p["lastname"], "Company": "[not provided]",
            "LeadSource": "Social Media", "Status": "Open - Not Contacted", "IsConverted": False,
            "UTM_Source__c": p.get("utm_source"), "UTM_Medium__c": p.get("utm_medium"),
            "UTM_Campaign__c": p.get("utm_campaign"), "UTM_Content__c": p.get("utm_content"),
            "UTM_Term__c": p.get("utm_term"), "CreatedDate": at, "LastModifiedDate": at,
            "SystemModstamp": at,
        })  # fmt: skip
    return out


def records(emu: Emulator, obj: str) -> list[dict[str, Any]]:
    """Every record of `obj`: stored ones, then (Leads) those from posts not written over."""
    if obj == "User":
        return [{"attributes": {"type": "User"}, **SALESFORCE_USER}]
    stored = emu.state.find(kind(obj))
    if obj != "Lead":
        return stored
    ids = {r["Id"] for r in stored}
    return stored + [r for r in engagement_leads(emu) if r["Id"] not in ids]


def find(emu: Emulator, obj: str, rid: str) -> dict[str, Any] | None:
    doc = emu.state.get(kind(obj), rid)
    if doc is None and obj == "Lead":
        doc = next((r for r in engagement_leads(emu) if r["Id"] == rid), None)
    return doc


def save(emu: Emulator, obj: str, rec: dict[str, Any]) -> None:
    emu.state.put(kind(obj), rec["Id"], rec, key=key_of(obj, rec), created=emu.now())


def create(emu: Emulator, obj: str, fields: dict[str, Any]) -> dict[str, Any]:
    now = stamp(emu.now())
    rec: dict[str, Any] = {"attributes": {"type": obj}, "Id": new_id(emu, obj)}
    if obj == "Lead":
        rec.update(IsConverted=False, Status="Open - Not Contacted")
    rec.update({k: v for k, v in fields.items() if k != "attributes"})
    rec.update(CreatedDate=now, LastModifiedDate=now, SystemModstamp=now)
    save(emu, obj, rec)
    return rec


def update(emu: Emulator, obj: str, rec: dict[str, Any], fields: dict[str, Any]) -> None:
    now = stamp(emu.now())
    rec.update({k: v for k, v in fields.items() if k not in ("attributes", "Id")})
    rec.update(LastModifiedDate=now, SystemModstamp=now)
    save(emu, obj, rec)
