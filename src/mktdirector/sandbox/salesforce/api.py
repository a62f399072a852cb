"""Salesforce REST as mktd uses it: versions, limits, SOQL with paging, describe, sObject
Collections (create / update / upsert by external id, at most 200), single sObjects, userinfo.

Rules from the reference card §4: calls go to the instance under `/services/data/vXX.X`
(retired versions 404), Bearer tokens from the sandbox's OAuth server (`/oauth/salesforce`) or
the static dev token; every answer carries `Sforce-Limit-Info: api-usage=USED/LIMIT`; over the
org's rolling daily allocation the answer is **403 REQUEST_LIMIT_EXCEEDED** (never 429);
errors are `[{"message", "errorCode", "fields"}]`. Collections with `allOrNone=false` answer
per record `{id, success, errors[{statusCode, message, fields}]}` (and `created` on upsert).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mktdirector.sandbox.base import AuthFailure, Request, Response, empty, json_response, route
from mktdirector.sandbox.env import SALESFORCE_ORG, SALESFORCE_USER
from mktdirector.sandbox.salesforce import records as R
from mktdirector.sandbox.salesforce.soql import SoqlError, parse, run

if TYPE_CHECKING:
    from mktdirector.sandbox.emulator import Emulator

PLATFORM = "salesforce"
SERVED = (("Winter '26", "65.0"), ("Spring '26", "66.0"), ("Summer '26", "67.0"))
MAX_RECORDS, PAGE, MIN_PAGE = 200, 2000, 200
V = r"/services/data/v(?P<v>\d+\.\d)"
CODES = {400: "BAD_REQUEST", 403: "INSUFFICIENT_ACCESS", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 500: "UNKNOWN_EXCEPTION",
         503: "SERVER_UNAVAILABLE"}  # fmt: skip


def fail(status: int, code: str, message: str, fields: list[str] | None = None) -> Response:
    item: dict[str, Any] = {"message": message, "errorCode": code}
    if fields is not None:
        item["fields"] = fields
    return json_response(status, [item])


def error(emu: Emulator, status: int, message: str | None, platform: str = PLATFORM) -> Response:
    code = CODES.get(status, "UNKNOWN_EXCEPTION" if status >= 500 else "BAD_REQUEST")
    default = {404: "The requested resource does not exist",
               403: "insufficient access rights on object id"}.get(status, f"HTTP {status}")  # fmt: skip
    return fail(status, code, message or default)


def unauthorized(emu: Emulator, reason: str, platform: str = PLATFORM) -> Response:
    return fail(401, "INVALID_SESSION_ID", "Session expired or invalid")


def rate_limited(emu: Emulator, reset: float | None, platform: str = PLATFORM) -> Response:
    # Salesforce has no 429: a short fault is the concurrent-requests limit, a bare one the
    # daily allocation. Neither sends Retry-After.
    text = "ConcurrentPerOrgLongTxn Limit exceeded." if reset else "TotalRequests Limit exceeded."
    return fail(403, "REQUEST_LIMIT_EXCEEDED", text)


def guard(emu: Emulator, req: Request, v: str | None) -> dict[str, str] | Response:
    """Token, version and the daily allocation; the Sforce-Limit-Info header to send."""
    who = emu.authenticate(req, PLATFORM)
    if isinstance(who, AuthFailure):
        return unauthorized(emu, who.reason)
    day = emu.limits.take("salesforce.daily", SALESFORCE_ORG)
    used = day.limit - day.remaining
    headers = {"Sforce-Limit-Info": f"api-usage={used}/{day.limit}"}
    if not day.ok:
        r = rate_limited(emu, None)
        r.headers.update(headers)
        return r
    if v is not None and v not in {s[1] for s in SERVED}:
        r = fail(404, "NOT_FOUND", "The requested resource does not exist")
        r.headers.update(headers)
        return r
    return headers


def answer(status: int, data: Any, headers: dict[str, str]) -> Response:
    return json_response(status, data, headers)


def body_of(req: Request) -> Any:
    try:
        return req.json()
    except ValueError:
        return None


# no auth -------------------------------------------------------------------------------------
def versions(emu: Emulator, req: Request) -> Response:
    return json_response(
        200, [{"label": label, "url": f"/services/data/v{v}", "version": v} for label, v in SERVED]
    )


# reads ---------------------------------------------------------------------------------------
def limits(emu: Emulator, req: Request, v: str) -> Response:
    h = guard(emu, req, v)
    if isinstance(h, Response):
        return h
    quota = emu.limits.peek("salesforce.daily", SALESFORCE_ORG)
    data = {"DailyApiRequests": {"Max": quota.limit, "Remaining": quota.remaining},
            "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000}}  # fmt: skip
    return answer(200, data, h)


def userinfo(emu: Emulator, req: Request) -> Response:
    h = guard(emu, req, None)
    if isinstance(h, Response):
        return h
    data = {"user_id": SALESFORCE_USER["Id"], "organization_id": SALESFORCE_ORG,
            "preferred_username": SALESFORCE_USER["Username"], "name": SALESFORCE_USER["Name"],
            "email": SALESFORCE_USER["Email"]}  # fmt: skip
    return answer(200, data, h)


def describe(emu: Emulator, req: Request, v: str, obj: str) -> Response:
    h = guard(emu, req, v)
    if isinstance(h, Response):
        return h
    if obj not in R.FIELDS:
        return answer(404, [{"errorCode": "NOT_FOUND",
                             "message": "The requested resource does not exist"}], h)  # fmt: skip
    fields = [{"name": f, "externalId": f in R.EXTERNAL_IDS.get(obj, set())}
              for f in sorted(R.FIELDS[obj])]  # fmt: skip
    return answer(200, {"name": obj, "fields": fields}, h)


def _page(emu: Emulator, v: str, rows: list[dict[str, Any]], total: int, size: int,
          offset: int, h: dict[str, str]) -> Response:  # fmt: skip
    part = rows[offset : offset + size]
    data: dict[str, Any] = {"totalSize": total, "done": offset + size >= len(rows),
                            "records": part}  # fmt: skip
    if not data["done"]:
        n = emu.state.incr("salesforce.cursors")
        locator = f"01gSB{n:010d}-{offset + size}"
        emu.memory.setdefault("salesforce.cursors", {})[locator] = (rows, total, size,
                                                                     offset + size)  # fmt: skip
        data["nextRecordsUrl"] = f"/services/data/v{v}/query/{locator}"
    return answer(200, data, h)


def query(emu: Emulator, req: Request, v: str) -> Response:
    h = guard(emu, req, v)
    if isinstance(h, Response):
        return h
    soql = req.arg("q") or ""
    try:
        q = parse(soql, lambda obj: R.FIELDS.get(obj))
    except SoqlError as e:
        return answer(400, [{"message": e.message, "errorCode": e.code}], h)
    found = run(q, R.records(emu, q.obj))
    rows = [{"attributes": {"type": q.obj, "url": f"/services/data/v{v}/sobjects/{q.obj}/{r['Id']}"},
             **{f: r.get(f) for f in q.fields}} for r in found]  # fmt: skip
    size = PAGE
    options = req.header("Sforce-Query-Options") or ""
    if "batchSize=" in options:
        try:
            size = max(MIN_PAGE, min(PAGE, int(options.split("batchSize=")[1].split(",")[0])))
        except ValueError:
            pass
    return _page(emu, v, rows, len(rows), size, 0, h)


def query_more(emu: Emulator, req: Request, v: str, locator: str) -> Response:
    h = guard(emu, req, v)
    if isinstance(h, Response):
        return h
    cursor = emu.memory.get("salesforce.cursors", {}).pop(locator, None)
    if cursor is None:
        return answer(
            400, [{"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}], h
        )
    rows, total, size, offset = cursor
    return _page(emu, v, rows, total, size, offset, h)


def member_problem(emu: Emulator, rec: dict[str, Any]) -> list[dict[str, Any]]:
    if not (rec.get("LeadId") or rec.get("ContactId")):
        return [
            {
                "statusCode": "REQUIRED_FIELD_MISSING",
                "message": "Required fields are missing: [LeadId]",
                "fields": ["LeadId"],
            }
        ]
    if R.find(emu, "Campaign", str(rec.get("CampaignId"))) is None:
        return [{"statusCode": "INVALID_CROSS_REFERENCE_KEY",
                 "message": "invalid cross reference id", "fields": ["CampaignId"]}]  # fmt: skip
    if emu.state.find(R.kind("CampaignMember"), key=R.key_of("CampaignMember", rec)):
        return [{"statusCode": "DUPLICATE_VALUE", "message": "Already a campaign member.",
                 "fields": []}]  # fmt: skip
    return []


def create_one(emu: Emulator, req: Request, v: str, obj: str) -> Response:
    h = guard(emu, req, v)
    if isinstance(h, Response):
        return h
    rec = body_of(req)
    if obj not in R.FIELDS or obj == "User" or not isinstance(rec, dict):
        return answer(400 if isinstance(rec, dict) else 400,
                      [{"message": f"sObject type '{obj}' is not supported.",
                        "errorCode": "INVALID_TYPE"}], h)  # fmt: skip
    bad = R.unknown_field(obj, rec)
    if bad:
        return answer(400, [{"message": f"No such column '{bad}' on sobject of type {obj}",
                             "errorCode": "INVALID_FIELD"}], h)  # fmt: skip
    errs = R.problems(obj, rec, insert=True)
    if obj == "CampaignMember" and not errs:
        errs = member_problem(emu, rec)
    if errs:
        return answer(400, [{"message": e["message"], "errorCode": e["statusCode"],
                             "fields": e["fields"]} for e in errs], h)  # fmt: skip
    made = R.create(emu, obj, rec)
    return answer(201, {"id": made["Id"], "success": True, "errors": []}, h)


def get_one(emu: Emulator, req: Request, v: str, obj: str, rid: str) -> Response:
    h = guard(emu, req, v)
    if isinstance(h, Response):
        return h
    doc = R.find(emu, obj, rid) if obj in R.FIELDS else None
    if doc is None:
        return answer(404, [{"errorCode": "NOT_FOUND",
                             "message": "The requested resource does not exist"}], h)  # fmt: skip
    return answer(200, doc, h)


def patch_one(emu: Emulator, req: Request, v: str, obj: str, rid: str) -> Response:
    h = guard(emu, req, v)
    if isinstance(h, Response):
        return h
    doc = R.find(emu, obj, rid) if obj in R.FIELDS else None
    rec = body_of(req)
    if doc is None or not isinstance(rec, dict):
        return answer(404, [{"errorCode": "NOT_FOUND",
                             "message": "The requested resource does not exist"}], h)  # fmt: skip
    errs = R.problems(obj, rec, insert=False)
    if errs:
        return answer(400, [{"message": e["message"], "errorCode": e["statusCode"],
                             "fields": e["fields"]} for e in errs], h)  # fmt: skip
    R.update(emu, obj, doc, rec)
    return empty(204, h)


def snapshot(emu: Emulator, out: dict[str, Any]) -> None:
    leads = emu.state.find(R.kind("Lead"))
    out["salesforce"] = {
        "leads": [
            {"id": r["Id"], "email": r.get("Email"), "company": r.get("Company")} for r in leads
        ],  # fmt: skip
        "campaigns": [
            {"id": r["Id"], "name": r.get("Name")} for r in emu.state.find(R.kind("Campaign"))
        ],  # fmt: skip
        "members": len(emu.state.find(R.kind("CampaignMember"))),
    }


ROUTES = [
    route("GET", r"/services/data/?", "salesforce.versions", versions),
    route("GET", V + r"/limits/?", "salesforce.limits", limits),
    route("GET", V + r"/query/?", "salesforce.query", query),
    route("GET", V + r"/query/(?P<locator>[\w-]+)", "salesforce.query_more", query_more),
    route("GET", V + r"/sobjects/(?P<obj>\w+)/describe/?", "salesforce.describe", describe),
    route("POST", V + r"/sobjects/(?P<obj>\w+)/?", "salesforce.{obj}.create", create_one),
    route("GET", V + r"/sobjects/(?P<obj>\w+)/(?P<rid>\w+)", "salesforce.get", get_one),
    route("PATCH", V + r"/sobjects/(?P<obj>\w+)/(?P<rid>\w+)", "salesforce.patch", patch_one),
    route("GET", r"/services/oauth2/userinfo", "salesforce.userinfo", userinfo),
]
