"""Mailchimp Marketing API 3.0 as mktd uses it: ping, audiences, members, campaigns, reports.

Rules from the reference card (api-crm-email.md §5): the API key is the HTTP Basic password and
ends in its data centre; members are addressed by the MD5 of the lowercased address (a PUT whose
hash and body disagree is refused); batch subscribe takes at most 500 members and reports
refused members per row (invalid, forgotten, compliance state) without failing the batch; a
campaign goes save → schedule (quarter-hours only) → sending → sent and cannot be sent twice;
at most 10 simultaneous connections per key (429 beyond); errors are problem+json.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
from typing import TYPE_CHECKING, Any

from mktdirector.sandbox.base import Request, Response, iso, json_response, route
from mktdirector.sandbox.env import MAILCHIMP_KEY

if TYPE_CHECKING:
    from mktdirector.sandbox.emulator import Emulator

PLATFORM = "mailchimp"
MAX_BATCH, MAX_CONNECTIONS, MAX_COUNT = 500, 10, 1000
DOCS = "https://mailchimp.com/developer/marketing/docs/errors/"
UNSUB = "*|UNSUB|*"
AUDIENCE = "sbxaud0001"
ACCOUNT = {"account_id": "sbx0mc0acct", "account_name": "Sandbox Marketing", "login_id": "1",
           "email": "owner@sandbox.example"}  # fmt: skip
# The API keys this room accepts (tests add distinctive ones, as for the other rooms' tokens).
KEYS: dict[str, str] = {MAILCHIMP_KEY: "sandbox"}
SEED_MEMBERS = ("ada@sandbox.example", "grace@sandbox.example", "alan@sandbox.example")
_EMAIL = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\".]+(\.[^@\s<>,;\".]+)+")
TITLES = {400: "Invalid Resource", 401: "API Key Invalid", 403: "Forbidden",
          404: "Resource Not Found", 405: "Method Not Allowed", 429: "Too Many Requests",
          500: "Internal Server Error", 503: "Service Unavailable"}  # fmt: skip


# errors in Mailchimp's shape ---------------------------------------------------------------------
def problem(status: int, title: str, detail: str, *, errors: list[dict[str, str]] | None = None,
            headers: dict[str, str] | None = None) -> Response:  # fmt: skip
    body: dict[str, Any] = {"type": DOCS, "title": title, "status": status, "detail": detail,
                            "instance": secrets.token_hex(16)}  # fmt: skip
    if errors:
        body["errors"] = errors
    h = {"Content-Type": "application/problem+json; charset=utf-8",
         "X-Request-Id": body["instance"],
         "Link": '<https://us1.api.mailchimp.com/schema/3.0/ProblemDetailDocument.json>; rel="describedBy"'}  # fmt: skip
    h.update(headers or {})
    return _problem_response(status, body, h)


def _problem_response(status: int, body: dict[str, Any], headers: dict[str, str]) -> Response:
    resp = json_response(status, body)
    resp.headers.update(headers)
    return resp


def error(emu: Emulator, status: int, message: str | None, platform: str = PLATFORM) -> Response:
    title = TITLES.get(status, "Error")
    return problem(status, title, message or ("An unexpected internal error has occurred."
                                              if status >= 500 else title))  # fmt: skip


def unauthorized(emu: Emulator, reason: str, platform: str = PLATFORM) -> Response:
    if reason == "missing":
        return problem(401, "API Key Missing", "Your request did not include an API key.")
    return problem(401, "API Key Invalid", "Your API key may be invalid, or you've attempted "
                   "to access the wrong datacenter.")  # fmt: skip


def rate_limited(emu: Emulator, reset: float | None, platform: str = PLATFORM) -> Response:
    headers = {"Retry-After": str(int(reset))} if reset is not None else {}
    return problem(429, "Too Many Requests", "You have exceeded the limit of 10 simultaneous "
                   "connections.", headers=headers)  # fmt: skip


# connections: at most 10 at once per key (counted by the server around each request) -----------
_inflight_lock = threading.Lock()


def _inflight(emu: Emulator) -> dict[str, int]:
    return emu.memory.setdefault("mailchimp.inflight", {})  # per sandbox, like a real server


def connection_key(headers: dict[str, str]) -> str:
    return hashlib.sha256((headers.get("authorization") or "").encode()).hexdigest()[:16]


def admit(emu: Emulator, headers: dict[str, str]) -> Response | None:
    """Take one of the key's connections, or the 429 Mailchimp answers past 10."""
    key, live = connection_key(headers), _inflight(emu)
    with _inflight_lock:
        if live.get(key, 0) >= MAX_CONNECTIONS:
            emu.state.incr("mailchimp.concurrency_refused")
            return rate_limited(emu, None)
        live[key] = live.get(key, 0) + 1
        peak = emu.state.meta("mailchimp.peak_connections", "0")
        if live[key] > int(peak or 0):
            emu.state.set_meta("mailchimp.peak_connections", str(live[key]))
    return None


def release(emu: Emulator, headers: dict[str, str]) -> None:
    key, live = connection_key(headers), _inflight(emu)
    with _inflight_lock:
        live[key] = max(live.get(key, 1) - 1, 0)


# auth and seed --------------------------------------------------------------------------------
def _key(req: Request) -> str | None:
    scheme, _, value = (req.header("Authorization") or "").partition(" ")
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value).decode().partition(":")[2] or None
        except ValueError:
            return None
    return value.strip() or None if scheme.lower() in ("bearer", "apikey") else None


def guard(emu: Emulator, req: Request) -> Response | None:
    key = _key(req)
    if not key:
        return unauthorized(emu, "missing")
    if key not in KEYS:
        return unauthorized(emu, "invalid")
    _seed(emu)
    return None


def _seed(emu: Emulator) -> None:
    if emu.state.get("mc_list", AUDIENCE) is not None:
        return
    emu.state.put("mc_list", AUDIENCE, {
        "id": AUDIENCE, "name": "Sandbox newsletter",
        "contact": {"company": "Sandbox Inc.", "address1": "1 Loopback Way", "city": "Localhost",
                    "country": "US"},
        "campaign_defaults": {"from_name": "Sandbox Team", "from_email": "news@sandbox.example",
                              "subject": "", "language": "en"},
    })  # fmt: skip
    for email in SEED_MEMBERS:
        _put_member(emu, AUDIENCE, {"email_address": email, "status": "subscribed"}, [])
    _put_member(emu, AUDIENCE, {"email_address": "gone@sandbox.example", "status": "unsubscribed"},
                [])  # fmt: skip
    for address in ("forgotten@sandbox.example",):
        emu.state.put("mc_forgotten", _hash(address), {"email": address})


def _hash(email: str) -> str:
    return hashlib.md5(email.strip().lower().encode()).hexdigest()  # noqa: S324 - Mailchimp's id


def _list(emu: Emulator, list_id: str) -> dict[str, Any] | Response:
    doc = emu.state.get("mc_list", list_id)
    if doc is None:
        return problem(404, "Resource Not Found",
                       "The requested resource could not be found.")  # fmt: skip
    return doc


def _members(emu: Emulator, list_id: str) -> list[dict[str, Any]]:
    return emu.state.find("mc_member", owner=list_id)


def _list_view(emu: Emulator, doc: dict[str, Any]) -> dict[str, Any]:
    members = _members(emu, doc["id"])
    count = sum(1 for m in members if m["status"] == "subscribed")
    return {**doc, "stats": {"member_count": count,
                             "unsubscribe_count": sum(1 for m in members if m["status"] == "unsubscribed")}}  # fmt: skip


def _put_member(emu: Emulator, list_id: str, body: dict[str, Any], tags: list[str]) -> tuple[dict[str, Any], bool]:  # fmt: skip
    email = str(body["email_address"]).strip()
    mid = _hash(email)
    old = emu.state.get("mc_member", f"{list_id}:{mid}")
    status = body.get("status") if old is not None and body.get("status") else None
    doc = dict(old or {"id": mid, "email_address": email, "list_id": list_id, "tags": [],
                       "merge_fields": {}, "timestamp_signup": iso(emu.now())})  # fmt: skip
    doc["status"] = (
        status
        or (old or {}).get("status")
        or body.get("status_if_new")
        or body.get("status")
        or "subscribed"
    )
    doc["merge_fields"] = {**doc.get("merge_fields", {}), **(body.get("merge_fields") or {})}
    doc["tags"] = sorted({*doc.get("tags", []), *tags})
    emu.state.put("mc_member", f"{list_id}:{mid}", doc, owner=list_id)
    for tag in tags:
        _tag_segment(emu, list_id, tag)
    return doc, old is None


def _tag_segment(emu: Emulator, list_id: str, name: str) -> dict[str, Any]:
    for seg in emu.state.find("mc_segment", owner=list_id):
        if seg["name"] == name:
            return seg
    seg = {"id": emu.state.incr("mailchimp.segment_ids") + 100, "name": name, "type": "static",
           "list_id": list_id}  # fmt: skip
    emu.state.put("mc_segment", f"{list_id}:{seg['id']}", seg, owner=list_id)
    return seg


def _refusal(emu: Emulator, email: str) -> tuple[str, str] | None:
    """Why Mailchimp would refuse to subscribe this address (None: it would not)."""
    if not _EMAIL.fullmatch(email) or email.lower().endswith("@example.com"):
        return "ERROR_GENERIC", f"{email} looks fake or invalid, please enter a real email address."
    if emu.state.get("mc_forgotten", _hash(email)) is not None:
        return "ERROR_GENERIC", (f"{email} was permanently deleted and cannot be re-imported. The "
                                 "contact must re-subscribe to get back on the list.")  # fmt: skip
    if email.lower().startswith("compliance"):
        return "ERROR_GENERIC", (f"{email} is in a compliance state due to unsubscribe, bounce, "
                                 "or compliance review and cannot be subscribed.")  # fmt: skip
    return None


# handlers ---------------------------------------------------------------------------------------
def ping(emu: Emulator, req: Request) -> Response:
    return guard(emu, req) or json_response(200, {"health_status": "Everything's Chimpy!"})


def root(emu: Emulator, req: Request) -> Response:
    return guard(emu, req) or json_response(
        200, {**ACCOUNT, "total_subscribers": len(SEED_MEMBERS)}
    )


def lists(emu: Emulator, req: Request) -> Response:
    if (g := guard(emu, req)) is not None:
        return g
    every = [_list_view(emu, d) for d in emu.state.find("mc_list")]
    offset, count = int(req.arg("offset") or 0), min(int(req.arg("count") or 10), MAX_COUNT)
    return json_response(200, {"lists": every[offset : offset + count], "total_items": len(every)})


def get_list(emu: Emulator, req: Request, list_id: str) -> Response:
    if (g := guard(emu, req)) is not None:
        return g
    doc = _list(emu, list_id)
    return doc if isinstance(doc, Response) else json_response(200, _list_view(emu, doc))


def batch_subscribe(emu: Emulator, req: Request, list_id: str) -> Response:
    if (g := guard(emu, req)) is not None:
        return g
    doc = _list(emu, list_id)
    if isinstance(doc, Response):
        return doc
    try:
        body = req.json()
        members = body["members"]
        assert isinstance(members, list)
    except (ValueError, KeyError, AssertionError, TypeError):
        return problem(400, "Invalid Resource", "The resource submitted could not be validated.",
                       errors=[{"field": "members", "message": "Required field"}])  # fmt: skip
    if len(members) > MAX_BATCH:
        return problem(400, "Invalid Resource", f"You may only submit {MAX_BATCH} members at a time.",
                       errors=[{"field": "members", "message": f"at most {MAX_BATCH} items"}])  # fmt: skip
    emu.state.incr("mailchimp.batch_calls")
    new: list[dict[str, Any]] = []
    updated: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    for m in members:
        email = str((m or {}).get("email_address") or "").strip()
        why = _refusal(emu, email)
        exists = emu.state.get("mc_member", f"{list_id}:{_hash(email)}") is not None
        if why is None and exists and not body.get("update_existing"):
            why = ("ERROR_CONTACT_EXISTS", f"{email} is already a list member. Use PUT to insert "
                   "or update list members.")  # fmt: skip
        if why is not None:
            errors.append({"email_address": email, "error": why[1], "error_code": why[0]})
            continue
        member, created = _put_member(emu, list_id, m, [str(t) for t in m.get("tags") or []])
        (new if created else updated).append({"id": member["id"], "email_address": email,
                                              "status": member["status"]})  # fmt: skip
    return json_response(200, {"new_members": new, "updated_members": updated, "errors": errors,
                               "total_created": len(new), "total_updated": len(updated),
                               "error_count": len(errors)})  # fmt: skip


def put_member(emu: Emulator, req: Request, list_id: str, subscriber_hash: str) -> Response:
    if (g := guard(emu, req)) is not None:
        return g
    doc = _list(emu, list_id)
    if isinstance(doc, Response):
        return doc
    try:
        body = req.json()
        email = str(body["email_address"])
    except (ValueError, KeyError, TypeError):
        return problem(400, "Invalid Resource", "The resource submitted could not be validated.",
                       errors=[{"field": "email_address", "message": "Required field"}])  # fmt: skip
    if _hash(email) != subscriber_hash.lower() and email.lower() != subscriber_hash.lower():
        return problem(400, "Invalid Resource", "The subscriber hash does not match the email "
                       "address in the body: hash the lowercased address you send.")  # fmt: skip
    why = _refusal(emu, email)
    if why is not None:
        title = "Forgotten Email Not Subscribed" if "permanently" in why[1] else "Invalid Resource"
        return problem(400, title, why[1])
    member, _ = _put_member(emu, list_id, body, [str(t) for t in body.get("tags") or []])
    return json_response(200, member)


def get_member(emu: Emulator, req: Request, list_id: str, subscriber_hash: str) -> Response:
    if (g := guard(emu, req)) is not None:
        return g
    doc = emu.state.get("mc_member", f"{list_id}:{subscriber_hash.lower()}")
    if doc is None:
        return problem(404, "Resource Not Found", "The requested resource could not be found.")
    return json_response(200, doc)


def segments(emu: Emulator, req: Request, list_id: str) -> Response:
    if (g := guard(emu, req)) is not None:
        return g
    segs = emu.state.find("mc_segment", owner=list_id)
    return json_response(200, {"segments": segs, "total_items": len(segs)})


ROUTES = [
    route("GET", r"/3\.0/ping", "mailchimp.ping", ping),
    route("GET", r"/3\.0/?", "mailchimp.root", root),
    route("GET", r"/3\.0/lists", "mailchimp.lists", lists),
    route("GET", r"/3\.0/lists/(?P<list_id>[^/]+)", "mailchimp.list", get_list),
    route("POST", r"/3\.0/lists/(?P<list_id>[^/]+)", "mailchimp.batch", batch_subscribe),
    route(
        "PUT",
        r"/3\.0/lists/(?P<list_id>[^/]+)/members/(?P<subscriber_hash>[^/]+)",
        "mailchimp.member",
        put_member,
    ),  # fmt: skip
    route(
        "GET",
        r"/3\.0/lists/(?P<list_id>[^/]+)/members/(?P<subscriber_hash>[^/]+)",
        "mailchimp.member",
        get_member,
    ),  # fmt: skip
    route("GET", r"/3\.0/lists/(?P<list_id>[^/]+)/segments", "mailchimp.segments", segments),
]
