"""sObject Collections in the sandbox: create, update, and upsert by external id, at most 200
records a request, `allOrNone` honoured (reference card 4.4, "sObject Collections").

Every record is checked before any is written; with `allOrNone=false` each answers
`{id, success, errors[{statusCode, message, fields}]}` (upsert adds `created`), with
`allOrNone=true` one bad record rolls back the rest (ALL_OR_NONE_OPERATION_ROLLED_BACK).
An unknown field or type, or more than 200 records, fails the whole request (400).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mktdirector.sandbox.base import Request, Response, route
from mktdirector.sandbox.salesforce import records as R
from mktdirector.sandbox.salesforce.api import (
    MAX_RECORDS,
    V,
    answer,
    body_of,
    guard,
    member_problem,
)

if TYPE_CHECKING:
    from mktdirector.sandbox.emulator import Emulator


def _collection(req: Request, h: dict[str, str]) -> tuple[list[dict[str, Any]], bool] | Response:
    data = body_of(req)
    if not isinstance(data, dict) or not isinstance(data.get("records"), list):
        return answer(400, [{"message": "Json Deserialization failed on token 'null' and has "
                             "left off in the middle of parsing a row.",
                             "errorCode": "JSON_PARSER_ERROR"}], h)  # fmt: skip
    recs = data["records"]
    if len(recs) > MAX_RECORDS:
        return answer(400, [{"message": f"Record limit exceeded: {MAX_RECORDS}",
                             "errorCode": "EXCEEDED_ID_LIMIT"}], h)  # fmt: skip
    for rec in recs:
        obj = str((rec.get("attributes") or {}).get("type") or "")
        if obj not in R.FIELDS or obj == "User":
            return answer(400, [{"message": f"sObject type '{obj}' is not supported.",
                                 "errorCode": "INVALID_TYPE"}], h)  # fmt: skip
        bad = R.unknown_field(obj, rec)
        if bad:
            return answer(400, [{"message": f"No such column '{bad}' on sobject of type {obj}",
                                 "errorCode": "INVALID_FIELD"}], h)  # fmt: skip
    return recs, bool(data.get("allOrNone"))


def _settle(results: list[dict[str, Any]], all_or_none: bool) -> list[dict[str, Any]]:
    if not all_or_none or all(r["success"] for r in results):
        return results
    rolled = {"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
              "message": "Record rolled back because not all records were valid and the "
              "request was using AllOrNone header", "fields": []}  # fmt: skip
    return [r if not r["success"] else {"success": False, "errors": [rolled]} for r in results]


def _apply(emu: Emulator, recs: list[dict[str, Any]], all_or_none: bool,
           one: Any) -> list[dict[str, Any]]:  # fmt: skip
    """Validate every record, then (allOrNone: only if all pass) write the good ones."""
    plans = [one(rec, False) for rec in recs]  # every record checked before any is written
    results = [p[0] for p in plans]
    if all_or_none and not all(r["success"] for r in results):
        return _settle(results, True)
    return [write() if res["success"] and write else res for res, write in plans]


def create_collection(emu: Emulator, req: Request, v: str) -> Response:
    h = guard(emu, req, v)
    if isinstance(h, Response):
        return h
    got = _collection(req, h)
    if isinstance(got, Response):
        return got
    recs, all_or_none = got
    pending: set[str] = set()  # members in this very request count as existing too

    def one(rec: dict[str, Any], _: bool) -> tuple[dict[str, Any], Any]:
        obj = rec["attributes"]["type"]
        errs = R.problems(obj, rec, insert=True)
        if obj == "CampaignMember" and not errs:
            errs = member_problem(emu, rec)
            key = R.key_of(obj, rec) or ""
            if not errs and key in pending:
                errs = [{"statusCode": "DUPLICATE_VALUE", "message": "Already a campaign member.",
                         "fields": []}]  # fmt: skip
            pending.add(key)
        if "Id" in rec:
            errs.append({"statusCode": "INVALID_FIELD",
                         "message": "cannot specify Id in an insert call", "fields": ["Id"]})  # fmt: skip
        if errs:
            return {"success": False, "errors": errs}, None

        def write() -> dict[str, Any]:
            made = R.create(emu, obj, rec)
            return {"id": made["Id"], "success": True, "errors": []}

        return {"success": True}, write

    return answer(200, _apply(emu, recs, all_or_none, one), h)


def update_collection(emu: Emulator, req: Request, v: str) -> Response:
    h = guard(emu, req, v)
    if isinstance(h, Response):
        return h
    got = _collection(req, h)
    if isinstance(got, Response):
        return got
    recs, all_or_none = got

    def one(rec: dict[str, Any], _: bool) -> tuple[dict[str, Any], Any]:
        obj = rec["attributes"]["type"]
        doc = R.find(emu, obj, str(rec.get("Id") or ""))
        if doc is None:
            return {"success": False, "errors": [{"statusCode": "MALFORMED_ID" if not rec.get("Id")
                    else "ENTITY_IS_DELETED", "message": "entity is deleted", "fields": []}]}, None  # fmt: skip
        errs = R.problems(obj, rec, insert=False)
        if errs:
            return {"success": False, "errors": errs}, None

        def write() -> dict[str, Any]:
            R.update(emu, obj, doc, rec)
            return {"id": doc["Id"], "success": True, "errors": []}

        return {"success": True}, write

    return answer(200, _apply(emu, recs, all_or_none, one), h)


def upsert_collection(emu: Emulator, req: Request, v: str, obj: str, field: str) -> Response:
    h = guard(emu, req, v)
    if isinstance(h, Response):
        return h
    if field not in R.EXTERNAL_IDS.get(obj, set()) and field != "Id":
        return answer(400, [{"message": f"Field {field} is not an External ID or an Id field",
                             "errorCode": "INVALID_FIELD"}], h)  # fmt: skip
    got = _collection(req, h)
    if isinstance(got, Response):
        return got
    recs, all_or_none = got
    stored = {str(r.get(field) or ""): r for r in R.records(emu, obj)}

    def one(rec: dict[str, Any], _: bool) -> tuple[dict[str, Any], Any]:
        value = str(rec.get(field) or "")
        if not value:
            return {"success": False, "errors": [{"statusCode": "MISSING_ARGUMENT",
                    "message": f"{field} not specified", "fields": [field]}]}, None  # fmt: skip
        doc = stored.get(value)
        errs = R.problems(obj, rec, insert=doc is None)
        if errs:
            return {"success": False, "errors": errs}, None

        def write() -> dict[str, Any]:
            if doc is None:
                made = R.create(emu, obj, rec)
                stored[value] = made
                return {"id": made["Id"], "success": True, "errors": [], "created": True}
            R.update(emu, obj, doc, rec)
            return {"id": doc["Id"], "success": True, "errors": [], "created": False}

        return {"success": True}, write

    return answer(200, _apply(emu, recs, all_or_none, one), h)


ROUTES = [
    route("POST", V + r"/composite/sobjects/?", "salesforce.create", create_collection),
    route("PATCH", V + r"/composite/sobjects/?", "salesforce.update", update_collection),
    route(
        "PATCH",
        V + r"/composite/sobjects/(?P<obj>\w+)/(?P<field>\w+)",
        "salesforce.upsert",
        upsert_collection,
    ),
]
