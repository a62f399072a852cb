"""Campaigns and their reports in the Mailchimp room: the send state machine.

save ──send──▶ sent (sending is instant here), save ──schedule──▶ schedule ──(time)──▶ sent,
schedule ──unschedule──▶ save. Sending needs the audience's required footer merge tags
(`*|UNSUB|*`) in the content; a campaign that is not in save/paused cannot be sent or
scheduled again (400), which is what makes a repeated send visible instead of silent.
Scheduled times must fall on :00/:15/:30/:45 and lie in the future.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mktdirector.sandbox.base import Request, Response, empty, iso, json_response, route
from mktdirector.sandbox.mailchimp import api as A

if TYPE_CHECKING:
    from mktdirector.sandbox.emulator import Emulator

_REQUIRED = ("subject_line", "from_name", "reply_to")


def _campaign(emu: Emulator, cid: str) -> dict[str, Any] | Response:
    doc = emu.state.get("mc_campaign", cid)
    if doc is None:
        return A.problem(404, "Resource Not Found", "The requested resource could not be found.")
    if doc["status"] == "schedule" and doc.get("schedule_at", 0) <= emu.now():
        _deliver(emu, doc, doc["schedule_at"])  # a scheduled send goes out at its time
    return doc


def _recipients(emu: Emulator, doc: dict[str, Any]) -> list[dict[str, Any]]:
    seg = ((doc.get("recipients") or {}).get("segment_opts") or {}).get("saved_segment_id")
    list_id = doc["recipients"]["list_id"]
    name = None
    if seg is not None:
        found = emu.state.get("mc_segment", f"{list_id}:{seg}")
        name = found["name"] if found else "\0none"
    return [m for m in A._members(emu, list_id)
            if m["status"] == "subscribed" and (name is None or name in m.get("tags", []))]  # fmt: skip


def _deliver(emu: Emulator, doc: dict[str, Any], when: float) -> None:
    to = _recipients(emu, doc)
    doc.update(status="sent", send_time=iso(when, millis=False), emails_sent=len(to))
    doc["send_count"] = doc.get("send_count", 0) + 1
    doc["sent_to"] = [m["email_address"] for m in to]
    emu.state.put("mc_campaign", doc["id"], doc, owner=doc["recipients"]["list_id"],
                  key=doc["settings"].get("title"))  # fmt: skip
    emu.state.incr("mailchimp.deliveries")


def create(emu: Emulator, req: Request) -> Response:
    if (g := A.guard(emu, req)) is not None:
        return g
    try:
        body = req.json()
        assert isinstance(body, dict)
    except (ValueError, AssertionError):
        return A.problem(400, "Invalid Resource", "The resource submitted could not be validated.")
    errors = []
    if body.get("type") not in ("regular", "plaintext", "absplit", "rss", "variate"):
        errors.append({"field": "type", "message": "Value is not one of the allowed values"})
    list_id = (body.get("recipients") or {}).get("list_id")
    if list_id and emu.state.get("mc_list", list_id) is None:
        return A.problem(400, "Invalid Resource", f"Invalid List ID: {list_id}")
    settings = body.get("settings") or {}
    errors += [{"field": f"settings.{k}", "message": "Required field"} for k in _REQUIRED
               if not str(settings.get(k) or "").strip()]  # fmt: skip
    if errors:
        return A.problem(400, "Invalid Resource", "The resource submitted could not be validated.",
                         errors=errors)  # fmt: skip
    cid = secrets.token_hex(5)
    doc = {"id": cid, "web_id": emu.state.incr("mailchimp.campaign_ids"), "type": body["type"],
           "status": "save", "create_time": iso(emu.now(), millis=False),
           "recipients": body.get("recipients") or {}, "settings": settings, "content": None,
           "send_time": "", "emails_sent": 0, "tests": 0}  # fmt: skip
    emu.state.put("mc_campaign", cid, doc, owner=list_id, key=settings.get("title"))
    return json_response(200, _view(doc))


def _view(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in ("content", "sent_to", "send_count")}


def listing(emu: Emulator, req: Request) -> Response:
    if (g := A.guard(emu, req)) is not None:
        return g
    docs = (
        emu.state.find("mc_campaign", owner=req.arg("list_id"))
        if req.arg("list_id")
        else emu.state.find("mc_campaign")
    )
    docs = [d if not isinstance(d2 := _campaign(emu, d["id"]), dict) else d2 for d in docs]
    if (req.arg("sort_dir") or "").upper() == "DESC":
        docs.reverse()
    offset, count = int(req.arg("offset") or 0), min(int(req.arg("count") or 10), A.MAX_COUNT)
    page = [_view(d) for d in docs[offset : offset + count]]
    return json_response(200, {"campaigns": page, "total_items": len(docs)})


def get(emu: Emulator, req: Request, campaign_id: str) -> Response:
    if (g := A.guard(emu, req)) is not None:
        return g
    doc = _campaign(emu, campaign_id)
    return doc if isinstance(doc, Response) else json_response(200, _view(doc))


def content(emu: Emulator, req: Request, campaign_id: str) -> Response:
    if (g := A.guard(emu, req)) is not None:
        return g
    doc = _campaign(emu, campaign_id)
    if isinstance(doc, Response):
        return doc
    if doc["status"] not in ("save", "paused"):
        return A.problem(
            400, "Bad Request", f"This campaign is {doc['status']}; its content cannot change."
        )
    try:
        body = req.json()
    except ValueError:
        return A.problem(400, "Invalid Resource", "The resource submitted could not be validated.")
    doc["content"] = {"html": body.get("html") or "", "plain_text": body.get("plain_text") or ""}
    emu.state.put("mc_campaign", campaign_id, doc, owner=doc["recipients"].get("list_id"),
                  key=doc["settings"].get("title"))  # fmt: skip
    return json_response(
        200, {"html": doc["content"]["html"], "plain_text": doc["content"]["plain_text"]}
    )


def _checklist(emu: Emulator, doc: dict[str, Any]) -> list[dict[str, Any]]:
    items = []
    html = (doc.get("content") or {}).get("html") or ""
    if not html:
        items.append(
            {
                "type": "error",
                "id": 1,
                "heading": "Content",
                "details": "Add content to the campaign.",
            }
        )
    elif A.UNSUB not in html:
        items.append({"type": "error", "id": 2, "heading": "Required footer",
                      "details": "The unsubscribe link (*|UNSUB|*) is missing."})  # fmt: skip
    if not doc["recipients"].get("list_id"):
        items.append({"type": "error", "id": 3, "heading": "To", "details": "Choose an audience."})
    return items


def checklist(emu: Emulator, req: Request, campaign_id: str) -> Response:
    if (g := A.guard(emu, req)) is not None:
        return g
    doc = _campaign(emu, campaign_id)
    if isinstance(doc, Response):
        return doc
    items = _checklist(emu, doc)
    return json_response(200, {"is_ready": not items, "items": items})


def _ready(emu: Emulator, doc: dict[str, Any], verb: str) -> Response | None:
    if doc["status"] not in ("save", "paused"):
        return A.problem(
            400, "Bad Request", f"Cannot {verb} a campaign whose status is {doc['status']}."
        )
    items = _checklist(emu, doc)
    if items:
        return A.problem(400, "Bad Request", "Your Campaign is not ready to send.",
                         errors=[{"field": i["heading"], "message": i["details"]} for i in items])  # fmt: skip
    return None


def test(emu: Emulator, req: Request, campaign_id: str) -> Response:
    if (g := A.guard(emu, req)) is not None:
        return g
    doc = _campaign(emu, campaign_id)
    if isinstance(doc, Response):
        return doc
    try:
        emails = req.json().get("test_emails") or []
    except ValueError:
        emails = []
    if not emails:
        return A.problem(400, "Invalid Resource", "test_emails is required.",
                         errors=[{"field": "test_emails", "message": "Required field"}])  # fmt: skip
    doc["tests"] = doc.get("tests", 0) + 1
    emu.state.put("mc_campaign", campaign_id, doc, owner=doc["recipients"].get("list_id"),
                  key=doc["settings"].get("title"))  # fmt: skip
    return empty(204)


def send(emu: Emulator, req: Request, campaign_id: str) -> Response:
    if (g := A.guard(emu, req)) is not None:
        return g
    doc = _campaign(emu, campaign_id)
    if isinstance(doc, Response):
        return doc
    if (refused := _ready(emu, doc, "send")) is not None:
        return refused
    _deliver(emu, doc, emu.now())
    return empty(204)


def schedule(emu: Emulator, req: Request, campaign_id: str) -> Response:
    if (g := A.guard(emu, req)) is not None:
        return g
    doc = _campaign(emu, campaign_id)
    if isinstance(doc, Response):
        return doc
    if (refused := _ready(emu, doc, "schedule")) is not None:
        return refused
    try:
        at = datetime.fromisoformat(str(req.json()["schedule_time"]).replace("Z", "+00:00"))
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
    except (ValueError, KeyError, TypeError):
        return A.problem(400, "Invalid Resource", "schedule_time is required (ISO 8601).")
    if at.minute % 15 or at.second:
        return A.problem(
            400, "Bad Request", "Schedule time must be on the quarter-hour (:00, :15, :30, :45)."
        )
    if at.timestamp() <= emu.now():
        return A.problem(400, "Bad Request", "Schedule time must be in the future.")
    doc.update(
        status="schedule", schedule_at=at.timestamp(), send_time=iso(at.timestamp(), millis=False)
    )
    emu.state.put("mc_campaign", campaign_id, doc, owner=doc["recipients"].get("list_id"),
                  key=doc["settings"].get("title"))  # fmt: skip
    return empty(204)


def unschedule(emu: Emulator, req: Request, campaign_id: str) -> Response:
    if (g := A.guard(emu, req)) is not None:
        return g
    doc = _campaign(emu, campaign_id)
    if isinstance(doc, Response):
        return doc
    if doc["status"] != "schedule":
        return A.problem(
            400, "Bad Request", f"Cannot unschedule a campaign whose status is {doc['status']}."
        )
    doc.update(status="save", send_time="")
    doc.pop("schedule_at", None)
    emu.state.put("mc_campaign", campaign_id, doc, owner=doc["recipients"].get("list_id"),
                  key=doc["settings"].get("title"))  # fmt: skip
    return empty(204)


# reports: opens and clicks grow with the campaign's age, like the SendGrid room's stats ---------
def _report(emu: Emulator, doc: dict[str, Any]) -> dict[str, Any]:
    sent = int(doc.get("emails_sent") or 0)
    sent_at = datetime.fromisoformat(doc["send_time"].replace("Z", "+00:00")).timestamp()
    grown = min(max(emu.now() - sent_at, 0) / 86400, 1.0)
    unique_opens = int(sent * 0.5 * grown)
    unique_clicks = int(unique_opens * 0.4)
    return {"id": doc["id"], "campaign_title": doc["settings"].get("title"), "type": doc["type"],
            "list_id": doc["recipients"].get("list_id"), "subject_line": doc["settings"].get("subject_line"),
            "emails_sent": sent, "abuse_reports": 0, "unsubscribed": sent // 50,
            "send_time": doc["send_time"],
            "bounces": {"hard_bounces": sent // 100, "soft_bounces": 0, "syntax_errors": 0},
            "opens": {"opens_total": unique_opens * 2, "unique_opens": unique_opens,
                      "open_rate": unique_opens / sent if sent else 0},
            "clicks": {"clicks_total": unique_clicks * 2, "unique_clicks": unique_clicks,
                       "unique_subscriber_clicks": unique_clicks,
                       "click_rate": unique_clicks / sent if sent else 0}}  # fmt: skip


def report(emu: Emulator, req: Request, campaign_id: str) -> Response:
    if (g := A.guard(emu, req)) is not None:
        return g
    doc = _campaign(emu, campaign_id)
    if isinstance(doc, Response):
        return doc
    if doc["status"] != "sent":
        return A.problem(404, "Resource Not Found", "The requested resource could not be found.")
    return json_response(200, _report(emu, doc))


def reports(emu: Emulator, req: Request) -> Response:
    if (g := A.guard(emu, req)) is not None:
        return g
    since = req.arg("since_send_time")
    docs = [d for d in (_campaign(emu, c["id"]) for c in emu.state.find("mc_campaign"))
            if isinstance(d, dict) and d["status"] == "sent"]  # fmt: skip
    if since:
        floor = datetime.fromisoformat(since.replace("Z", "+00:00")).timestamp()
        docs = [
            d
            for d in docs
            if datetime.fromisoformat(d["send_time"].replace("Z", "+00:00")).timestamp() >= floor
        ]
    offset, count = int(req.arg("offset") or 0), min(int(req.arg("count") or 10), A.MAX_COUNT)
    return json_response(200, {"reports": [_report(emu, d) for d in docs[offset : offset + count]],
                               "total_items": len(docs)})  # fmt: skip


def snapshot(emu: Emulator, out: dict[str, Any]) -> None:
    """`GET /_sandbox/state` → `mailchimp`: audiences, members, campaigns (with send counts)."""
    members = emu.state.find("mc_member")
    out["mailchimp"] = {
        "members": {m["email_address"].lower(): {"status": m["status"], "tags": m.get("tags", []),
                                                 "merge_fields": m.get("merge_fields", {})} for m in members},
        "campaigns": [{k: d.get(k) for k in ("id", "status", "emails_sent", "send_count", "tests", "send_time")}
                      | {"title": d["settings"].get("title"), "subject": d["settings"].get("subject_line"),
                         "list_id": d["recipients"].get("list_id"), "html": (d.get("content") or {}).get("html")}
                      for d in emu.state.find("mc_campaign")],
        "batch_calls": emu.state.counters("mailchimp.batch_calls").get("mailchimp.batch_calls", 0),
        "concurrency_refused": emu.state.counters("mailchimp.concurrency_refused").get("mailchimp.concurrency_refused", 0),
        "peak_connections": int(emu.state.meta("mailchimp.peak_connections", "0") or 0),
    }  # fmt: skip


_C = r"/3\.0/campaigns/(?P<campaign_id>[^/]+)"
ROUTES = [
    route("POST", r"/3\.0/campaigns", "mailchimp.create", create),
    route("GET", r"/3\.0/campaigns", "mailchimp.campaigns", listing),
    route("GET", _C, "mailchimp.campaign", get),
    route("PUT", _C + "/content", "mailchimp.content", content),
    route("GET", _C + "/send-checklist", "mailchimp.checklist", checklist),
    route("POST", _C + "/actions/test", "mailchimp.test", test),
    route("POST", _C + "/actions/send", "mailchimp.send", send),
    route("POST", _C + "/actions/schedule", "mailchimp.schedule", schedule),
    route("POST", _C + "/actions/unschedule", "mailchimp.unschedule", unschedule),
    route("GET", r"/3\.0/reports/(?P<campaign_id>[^/]+)", "mailchimp.report", report),
    route("GET", r"/3\.0/reports", "mailchimp.reports", reports),
]
