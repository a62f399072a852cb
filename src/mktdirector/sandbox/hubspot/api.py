"""HubSpot CRM v3 contacts as mktd uses them: account info, properties, create, get, upsert, search.

Rules from the reference card §1: Bearer private-app token; `X-HubSpot-RateLimit-*` headers
and 100 calls per rolling 10 s (search: 5 per second, no headers); the 429 body with its
`policyName`; batch upsert of at most 100 inputs by `idProperty=email` (duplicate ids or an
unknown property fail the whole batch with 400, a bad email fails only its row with 207);
409 "Contact already exists. Existing ID: N" on create; search with at most 5 filter groups,
25 filters, 200 per page and 10,000 results. Besides the contacts mktd writes, the portal has
leads that arrive through the links of published posts (see engagement.py), with HubSpot's
attribution properties and the links' UTM values.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

from mktdirector.sandbox.base import AuthFailure, Request, Response, iso, json_response, route
from mktdirector.sandbox.env import HUBSPOT_PORTAL
from mktdirector.sandbox.hubspot.leads import by_email, contacts, leads

if TYPE_CHECKING:
    from mktdirector.sandbox.emulator import Emulator

PLATFORM = "hubspot"
MAX_BATCH, MAX_PAGE, SEARCH_CAP = 100, 200, 10_000
MAX_GROUPS, MAX_PER_GROUP, MAX_FILTERS = 5, 10, 25
DEFAULTS = ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname")
# fmt: off
READ_ONLY = frozenset({
    "hs_object_id", "createdate", "lastmodifieddate", "hs_analytics_source",
    "hs_analytics_source_data_1", "hs_analytics_source_data_2", "hs_latest_source",
    "hs_latest_source_data_1", "hs_latest_source_data_2", "hs_analytics_first_url",
    "hs_analytics_last_url",
})
WRITABLE = frozenset({
    "email", "firstname", "lastname", "company", "phone", "website", "jobtitle", "lifecyclestage",
    "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term", "mktd_draft_id",
})
# fmt: on
DATES = {"createdate", "lastmodifieddate"}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
V = r"/crm/(?:v3/objects|objects/20\d\d-\d\d)/contacts"


def fail(status: int, message: str, category: str, **extra: Any) -> Response:
    data = {
        "status": "error",
        "message": message,
        "correlationId": str(uuid.uuid4()),
        "category": category,
    }
    data.update(extra)
    return json_response(status, data)


def error(emu: Emulator, status: int, message: str | None, platform: str = PLATFORM) -> Response:
    cat = {404: "OBJECT_NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(status, "INTERNAL_ERROR")
    return fail(status, message or f"HTTP {status}", cat)


def unauthorized(emu: Emulator, reason: str, platform: str = PLATFORM) -> Response:
    return fail(
        401,
        "Authentication credentials not found. This API supports OAuth 2.0 "
        "authentication and you can find more details at "
        "https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        "INVALID_AUTHENTICATION",
    )


def rate_limited(emu: Emulator, reset: float | None, platform: str = PLATFORM) -> Response:
    resp = fail(
        429,
        "You have reached your ten_secondly_rolling limit.",
        "RATE_LIMITS",
        errorType="RATE_LIMIT",
        policyName="TEN_SECONDLY_ROLLING",
        groupName=f"publicapi:private-app:{HUBSPOT_PORTAL}",
    )
    if reset is not None:
        resp.headers.update(
            {
                "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(reset * 1000)),
                "X-HubSpot-RateLimit-Max": "100",
                "X-HubSpot-RateLimit-Remaining": "0",
            }
        )
    return resp


def guard(emu: Emulator, req: Request, *, search: bool = False) -> dict[str, str] | Response:
    """Token and limits; the rate-limit headers to send (none on search, as HubSpot does)."""
    who = emu.authenticate(req, PLATFORM)
    if isinstance(who, AuthFailure) or req.arg("hapikey"):
        return unauthorized(emu, "invalid")
    day = emu.limits.take("hubspot.daily", who.user)
    burst = emu.limits.take("hubspot.search" if search else "hubspot.burst", who.user)
    headers = (
        {}
        if search
        else {
            "X-HubSpot-RateLimit-Daily": str(day.limit),
            "X-HubSpot-RateLimit-Daily-Remaining": str(day.remaining),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(
                int(emu.limits.table["hubspot.burst"][1] * 1000)
            ),
            "X-HubSpot-RateLimit-Max": str(burst.limit),
            "X-HubSpot-RateLimit-Remaining": str(burst.remaining),
        }
    )
    if not day.ok:
        r = fail(
            429,
            "You have reached your daily limit.",
            "RATE_LIMITS",
            errorType="RATE_LIMIT",
            policyName="DAILY",
        )
        r.headers.update(headers)
        return r
    if not burst.ok:
        policy = "SECONDLY" if search else "TEN_SECONDLY_ROLLING"
        r = fail(
            429,
            f"You have reached your {policy.lower()} limit.",
            "RATE_LIMITS",
            errorType="RATE_LIMIT",
            policyName=policy,
        )
        r.headers.update(headers)
        return r
    return headers


# contacts ----------------------------------------------------------------------------------------


def check_props(props: Any) -> Response | None:
    if not isinstance(props, dict):
        return fail(400, "Invalid input JSON: properties must be an object", "VALIDATION_ERROR")
    for name in props:
        if name in READ_ONLY:
            return fail(
                400,
                f'Property values were not valid: [{{"isValid":false,"message":"\\"{name}'
                f'\\" is a read only property; its value cannot be set.","error":'
                f'"READ_ONLY_VALUE","name":"{name}"}}]',
                "VALIDATION_ERROR",
            )
        if name not in WRITABLE:
            return fail(
                400,
                f'Property values were not valid: [{{"isValid":false,"message":'
                f'"Property \\"{name}\\" does not exist","error":"PROPERTY_DOESNT_EXIST",'
                f'"name":"{name}"}}]',
                "VALIDATION_ERROR",
            )
    return None


def save(emu: Emulator, existing: dict[str, Any] | None, props: dict[str, Any]) -> dict[str, Any]:
    """Create or update a stored contact; returns it."""
    now = iso(emu.now())
    if existing is None:
        cid = str(emu.state.incr("hubspot.contact_id") + 100_000)
        existing = {
            "id": cid,
            "properties": {"hs_object_id": cid, "createdate": now},
            "createdAt": now,
            "archived": False,
            "source": "api",
        }
    existing["properties"].update({k: str(v) for k, v in props.items() if v is not None})
    existing["properties"]["lastmodifieddate"] = now
    existing["updatedAt"] = now
    existing.pop("post", None)
    email = str(existing["properties"].get("email") or "").lower()
    emu.state.put("hubspot.contact", existing["id"], existing, owner="portal", key=email)
    return existing


def shown(contact: dict[str, Any], wanted: list[str] | None = None) -> dict[str, Any]:
    names = set(DEFAULTS) | set(wanted or [])
    props = {k: contact["properties"].get(k) for k in sorted(names)}
    return {
        "id": contact["id"],
        "properties": props,
        "createdAt": contact["createdAt"],
        "updatedAt": contact.get("updatedAt", contact["createdAt"]),
        "archived": False,
    }


# handlers ------------------------------------------------------------------------------------------
def account(emu: Emulator, req: Request) -> Response:
    g = guard(emu, req)
    if isinstance(g, Response):
        return g
    return json_response(
        200,
        {
            "portalId": HUBSPOT_PORTAL,
            "accountType": "STANDARD",
            "timeZone": "Etc/UTC",
            "companyCurrency": "USD",
            "additionalCurrencies": [],
            "utcOffset": "+00:00",
            "utcOffsetMilliseconds": 0,
            "uiDomain": "app.hubspot.com",
            "dataHostingLocation": "na1",
        },
        g,
    )


def properties(emu: Emulator, req: Request) -> Response:
    g = guard(emu, req)
    if isinstance(g, Response):
        return g
    names = sorted(WRITABLE | READ_ONLY)
    results = [
        {
            "name": n,
            "label": n.replace("_", " ").title(),
            "type": "datetime" if n in DATES else "string",
            "fieldType": "text",
            "modificationMetadata": {"readOnlyValue": n in READ_ONLY},
        }
        for n in names
    ]
    return json_response(200, {"results": results}, g)


def create(emu: Emulator, req: Request) -> Response:
    g = guard(emu, req)
    if isinstance(g, Response):
        return g
    try:
        props = req.json().get("properties")
    except (ValueError, AttributeError):
        return fail(400, "Invalid input JSON on line 1", "VALIDATION_ERROR")
    bad = check_props(props)
    if bad:
        return bad
    email = str(props.get("email") or "")
    if email and not _EMAIL.fullmatch(email):
        return fail(
            400,
            f"Property values were not valid: Email address {email} is invalid",
            "VALIDATION_ERROR",
        )
    found = by_email(emu, email) if email else None
    if found is not None:
        return fail(409, f"Contact already exists. Existing ID: {found['id']}", "CONFLICT")
    contact = save(emu, None, props)
    return json_response(201, shown(contact, list(props)), g)


def get(emu: Emulator, req: Request, cid: str) -> Response:
    g = guard(emu, req)
    if isinstance(g, Response):
        return g
    from urllib.parse import unquote

    cid = unquote(cid)
    if req.arg("idProperty") == "email":
        found = by_email(emu, cid)
    else:
        found = emu.state.get("hubspot.contact", cid) or next(
            (c for c in leads(emu) if c["id"] == cid), None
        )
    if found is None:
        return fail(
            404,
            "Object not found.  objectId are usually numeric.",
            "OBJECT_NOT_FOUND",
            context={"id": [cid]},
        )
    wanted = [p for p in (req.arg("properties") or "").split(",") if p]
    return json_response(200, shown(found, wanted), g)


def listing(emu: Emulator, req: Request) -> Response:
    g = guard(emu, req)
    if isinstance(g, Response):
        return g
    limit = min(int(req.arg("limit") or 10), 100)
    start = int(req.arg("after") or 0)
    every = contacts(emu)
    wanted = [p for p in (req.arg("properties") or "").split(",") if p]
    out: dict[str, Any] = {"results": [shown(c, wanted) for c in every[start : start + limit]]}
    if start + limit < len(every):
        out["paging"] = {"next": {"after": str(start + limit)}}
    return json_response(200, out, g)


def upsert(emu: Emulator, req: Request) -> Response:
    g = guard(emu, req)
    if isinstance(g, Response):
        return g
    started = iso(emu.now())
    try:
        inputs = req.json()["inputs"]
        assert isinstance(inputs, list)
    except (ValueError, KeyError, TypeError, AssertionError):
        return fail(400, "Invalid input JSON: inputs is required", "VALIDATION_ERROR")
    if not 1 <= len(inputs) <= MAX_BATCH:
        return fail(
            400,
            f"Batch input must contain between 1 and {MAX_BATCH} inputs (got {len(inputs)}).",
            "VALIDATION_ERROR",
        )
    ids = [str(i.get("id") or "").lower() for i in inputs if isinstance(i, dict)]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes or len(ids) != len(inputs):
        return fail(
            400,
            f"Duplicate IDs found in batch input: {dupes}. IDs must be unique",
            "VALIDATION_ERROR",
        )
    for item in inputs:
        if item.get("idProperty") != "email":
            return fail(
                400,
                f"idProperty {item.get('idProperty')!r} is not a unique property of "
                "contacts in this portal (use email)",
                "VALIDATION_ERROR",
            )
        bad = check_props(item.get("properties") or {})
        if bad:
            return bad
    results, errors = [], []
    for item in inputs:
        email = str(item["id"])
        trace = item.get("objectWriteTraceId")
        if not _EMAIL.fullmatch(email):
            errors.append(
                {
                    "status": "error",
                    "category": "VALIDATION_ERROR",
                    "message": f"Email address {email} is invalid",
                    "context": {"objectWriteTraceId" if trace else "id": [trace or email]},
                }
            )
            continue
        found = by_email(emu, email)
        contact = save(emu, found, dict(item.get("properties") or {}, email=email.lower()))
        result = dict(shown(contact, list(item.get("properties") or {})), new=found is None)
        if trace:
            result["objectWriteTraceId"] = trace
        results.append(result)
    out: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": started,
        "completedAt": iso(emu.now()),
    }
    if errors:
        out.update(numErrors=len(errors), errors=errors)
    return json_response(207 if errors else 200, out, g)


def snapshot(emu: Emulator, out: dict[str, Any]) -> None:
    out["contacts"] = [
        {
            "id": c["id"],
            "email": c["properties"].get("email"),
            "source": c.get("source", "api"),
            "properties": c["properties"],
            "created_at": c["createdAt"],
        }
        for c in contacts(emu)
    ]


ROUTES = [
    route("GET", r"/account-info/(?:v3|20\d\d-\d\d)/details", "hubspot.account", account),
    route("GET", r"/crm/v3/properties/contacts", "hubspot.properties", properties),
    route("POST", V + r"/batch/upsert", "hubspot.upsert", upsert),
    route("GET", V, "hubspot.list", listing),
    route("POST", V, "hubspot.create", create),
    route("GET", V + r"/(?P<cid>[^/]+)", "hubspot.get", get),
]
