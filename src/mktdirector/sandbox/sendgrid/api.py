"""SendGrid v3 as mktd uses it: scopes, mail/send, batches, scheduled-send status, stats.

Rules from the reference card §3 and the published schema (tests/contracts/specs): mail/send needs
`personalizations` (1-1,000, each with `to`; 1,000 recipients in all, each address once),
`from.email` (a verified sender, else the 403 with `"field": "from"`), `content` unless a
`template_id`, a subject, at most 10 categories, `send_at` no more than 72 h ahead and a
known `batch_id`; success is 202 with an empty body and `X-Message-Id`. Every answer carries
`X-RateLimit-Limit/Remaining/Reset`; errors are `{"errors": [{message, field, help}]}`.
Stats count what was sent here, with opens and clicks growing with the message's age.
"""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING, Any

from mktdirector.sandbox.base import (
    AuthFailure,
    Request,
    Response,
    empty,
    iso,
    json_response,
    route,
)
from mktdirector.sandbox.env import SENDGRID_FROM

if TYPE_CHECKING:
    from mktdirector.sandbox.emulator import Emulator

PLATFORM = "sendgrid"
MAX_PERSONALIZATIONS = MAX_RECIPIENTS = 1000
MAX_CATEGORIES, MAX_SCHEDULE = 10, 72 * 3600
MAX_BYTES = 30 * 1024 * 1024
HELP = "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html"
VERIFIED = {SENDGRID_FROM}
_EMAIL = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+")


def errors(
    status: int, *items: tuple[str | None, str], headers: dict[str, str] | None = None
) -> Response:
    body = {"errors": [{"message": m, "field": f, "help": HELP if f else None} for f, m in items]}
    return json_response(status, body, headers)


def error(emu: Emulator, status: int, message: str | None, platform: str = PLATFORM) -> Response:
    return errors(
        status, (None, message or ("internal error" if status >= 500 else f"HTTP {status}"))
    )


def unauthorized(emu: Emulator, reason: str, platform: str = PLATFORM) -> Response:
    return errors(401, (None, "authorization required"))


def rate_limited(emu: Emulator, reset: float | None, platform: str = PLATFORM) -> Response:
    headers = {}
    if reset is not None:
        headers = {
            "X-RateLimit-Limit": "600",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(int(emu.now() + reset)),
        }
    return errors(429, (None, "too many requests"), headers=headers)


def guard(emu: Emulator, req: Request, op: str, scope: str | None) -> dict[str, str] | Response:
    """Key, per-endpoint window and permission; the `X-RateLimit-*` headers to send."""
    who = emu.authenticate(req, PLATFORM)
    if isinstance(who, AuthFailure):
        return unauthorized(emu, who.reason)
    q = emu.limits.take("sendgrid.send" if op == "send" else "sendgrid.other", f"{who.user}:{op}")
    headers = {
        "X-RateLimit-Limit": str(q.limit),
        "X-RateLimit-Remaining": str(q.remaining),
        "X-RateLimit-Reset": str(int(q.reset)),
    }
    if not q.ok:
        return errors(429, (None, "too many requests"), headers=headers)
    if scope is not None and scope not in who.scopes:
        return errors(403, (None, "access forbidden"), headers=headers)
    return headers


def _addresses(p: dict[str, Any]) -> list[str]:
    return [str((r or {}).get("email", "")) for k in ("to", "cc", "bcc") for r in p.get(k) or []]


def validate(
    emu: Emulator, body: Any
) -> list[tuple[str | None, str]] | tuple[int, list[tuple[str | None, str]]]:
    """The problems SendGrid would report for a mail/send body (empty: acceptable)."""
    if not isinstance(body, dict):
        return [(None, "Bad Request")]
    out: list[tuple[str | None, str]] = []
    ps = body.get("personalizations")
    if not isinstance(ps, list) or not ps:
        out.append(
            (
                "personalizations",
                "The personalizations field is required and must have at "
                "least one personalization.",
            )
        )
        ps = []
    if len(ps) > MAX_PERSONALIZATIONS:
        out.append(
            (
                "personalizations",
                f"The personalizations field cannot have more than "
                f"{MAX_PERSONALIZATIONS} personalizations.",
            )
        )
    every: list[str] = []
    for i, p in enumerate(ps):
        if not isinstance(p, dict) or not p.get("to"):
            out.append(
                (
                    f"personalizations.{i}.to",
                    "The to array is required for all personalization "
                    "objects, and must have at least one email object with a valid email address.",
                )
            )
            continue
        every += _addresses(p)
    bad = [a for a in every if not _EMAIL.fullmatch(a)]
    if bad:
        out.append(("personalizations", f"Does not contain a valid address: {bad[0]}"))
    if len(every) > MAX_RECIPIENTS:
        out.append(
            (
                "personalizations",
                f"The total number of recipients must be {MAX_RECIPIENTS} or fewer.",
            )
        )
    lowered = [a.lower() for a in every]
    dupes = sorted({a for a in lowered if lowered.count(a) > 1})
    if dupes:
        out.append(
            (
                "personalizations",
                "Each email address in the personalization block should be "
                f"unique between to, cc, and bcc. We found the first duplicate instance of "
                f"[{dupes[0]}] in the personalizations.0.to field.",
            )
        )
    sender = (body.get("from") or {}).get("email") if isinstance(body.get("from"), dict) else None
    if not sender:
        out.append(
            (
                "from.email",
                "The from object must be provided for every email send. It is an "
                "object that requires an email parameter, but may also contain a name parameter.",
            )
        )
    elif not _EMAIL.fullmatch(str(sender)):
        out.append(("from.email", "The from email does not contain a valid address."))
    template = body.get("template_id")
    content = body.get("content")
    if not template:
        if not isinstance(content, list) or not content:
            out.append(
                (
                    "content",
                    "Unless a valid template_id is provided, the content parameter is "
                    "required. There must be at least one defined content block.",
                )
            )
        elif any(
            not isinstance(c, dict) or not c.get("type") or not c.get("value") for c in content
        ):
            out.append(
                (
                    "content.0.value",
                    "The content value must be a string at least one character in length.",
                )
            )
        elif (
            len(content) > 1
            and content[0].get("type") != "text/plain"
            and any(c.get("type") == "text/plain" for c in content)
        ):
            out.append(
                (
                    "content.0.type",
                    "If present, text/plain content must be first, followed by any other content.",
                )
            )
        if not body.get("subject") and not all(
            isinstance(p, dict) and p.get("subject") for p in ps
        ):
            out.append(
                (
                    "subject",
                    "The subject is required. You can get around this requirement if "
                    "you use a template with a subject defined or if every personalization has "
                    "a subject defined.",
                )
            )
    cats = body.get("categories") or []
    if len(cats) > MAX_CATEGORIES or any(not c or len(str(c)) > 255 for c in cats):
        out.append(
            (
                "categories",
                f"You may not have more than {MAX_CATEGORIES} categories per "
                "request, each 1-255 characters.",
            )
        )
    if body.get("reply_to") and body.get("reply_to_list"):
        out.append(("reply_to", "reply_to and reply_to_list are mutually exclusive."))
    send_at = body.get("send_at")
    if send_at is not None and not emu.now() - 60 <= float(send_at) <= emu.now() + MAX_SCHEDULE:
        out.append(
            (
                "send_at",
                "The send_at parameter must be a unix timestamp no more than 72 "
                "hours in the future.",
            )
        )
    batch_id = body.get("batch_id")
    if batch_id and emu.state.get("sendgrid.batch", str(batch_id)) is None:
        out.append(("batch_id", "The batch id is not valid."))
    if out:
        return out
    if sender not in VERIFIED:
        return 403, [
            (
                "from",
                "The from address does not match a verified Sender Identity. Mail "
                "cannot be sent until this error is resolved. Visit "
                "https://sendgrid.com/docs/for-developers/sending-email/sender-identity/ to "
                "see the Sender Identity requirements",
            )
        ]
    return []


# handlers ---------------------------------------------------------------------------------------
def scopes(emu: Emulator, req: Request) -> Response:
    g = guard(emu, req, "scopes", None)  # any valid key may read its own scopes
    if isinstance(g, Response):
        return g
    who = emu.authenticate(req, PLATFORM)
    scopes = [] if isinstance(who, AuthFailure) else sorted(who.scopes)
    return json_response(200, {"scopes": scopes}, g)


def send(emu: Emulator, req: Request) -> Response:
    g = guard(emu, req, "send", "mail.send")
    if isinstance(g, Response):
        return g
    if len(req.body) > MAX_BYTES:
        return errors(
            413,
            (None, "The JSON payload you have included in your request is too large."),
            headers=g,
        )
    try:
        body = req.json()
    except ValueError:
        return errors(400, (None, "Bad Request"), headers=g)
    problems = validate(emu, body)
    if isinstance(problems, tuple):
        return errors(problems[0], *problems[1], headers=g)
    if problems:
        return errors(400, *problems, headers=g)
    message_id = secrets.token_urlsafe(16)[:22]
    ps = body["personalizations"]
    doc = {
        "message_id": message_id,
        "from": body["from"]["email"],
        "subject": body.get("subject"),
        "recipients": [a for p in ps for a in _addresses(p)],
        "personalizations": len(ps),
        "categories": body.get("categories") or [],
        "batch_id": body.get("batch_id"),
        "custom_args": [p.get("custom_args") for p in ps if p.get("custom_args")]
        or body.get("custom_args"),
        "send_at": body.get("send_at"),
        "sent_at": float(body.get("send_at") or emu.now()),
        "created_at": emu.now(),
    }
    emu.state.put("sendgrid.email", message_id, doc, key=doc["batch_id"], created=doc["created_at"])
    return empty(202, dict(g, **{"X-Message-Id": message_id}))


def new_batch(emu: Emulator, req: Request) -> Response:
    g = guard(emu, req, "batch", "mail.batch.create")
    if isinstance(g, Response):
        return g
    batch_id = secrets.token_urlsafe(24)
    emu.state.put("sendgrid.batch", batch_id, {"batch_id": batch_id, "status": None})
    return json_response(201, {"batch_id": batch_id}, g)


def get_batch(emu: Emulator, req: Request, batch_id: str) -> Response:
    g = guard(emu, req, "batch", "mail.batch.read")
    if isinstance(g, Response):
        return g
    if emu.state.get("sendgrid.batch", batch_id) is None:
        return errors(400, ("batch_id", "invalid batch id"), headers=g)
    return json_response(200, {"batch_id": batch_id}, g)


def schedule(emu: Emulator, req: Request, batch_id: str | None = None) -> Response:
    """POST sets a batch's status; PATCH changes it; GET reads it; DELETE removes it."""
    scope = {"GET": "read", "POST": "create", "PATCH": "update", "DELETE": "delete"}[req.method]
    g = guard(emu, req, "scheduled", f"user.scheduled_sends.{scope}")
    if isinstance(g, Response):
        return g
    try:
        body = req.json() if req.body else {}
    except ValueError:
        return errors(400, (None, "Bad Request"), headers=g)
    batch_id = batch_id or str(body.get("batch_id") or "")
    batch = emu.state.get("sendgrid.batch", batch_id)
    if batch is None and req.method == "GET":
        return json_response(200, [], g)  # a batch without a status (or unknown) lists nothing
    if batch is None:
        return errors(
            400 if req.method == "POST" else 404, ("batch_id", "invalid batch id"), headers=g
        )
    if req.method == "GET":
        return json_response(
            200, [{"batch_id": batch_id, "status": batch["status"]}] if batch["status"] else [], g
        )
    if req.method == "DELETE":
        batch["status"] = None
    else:
        status = body.get("status")
        if status not in ("pause", "cancel"):
            return errors(400, ("status", "status must be pause or cancel"), headers=g)
        if req.method == "POST" and batch["status"]:
            return errors(
                400,
                ("batch_id", "batch id already has a status; use PATCH to change it"),
                headers=g,
            )
        batch["status"] = status
    emu.state.put("sendgrid.batch", batch_id, batch)
    if req.method == "POST":
        return json_response(201, {"batch_id": batch_id, "status": batch["status"]}, g)
    return empty(204, g)


def snapshot(emu: Emulator, out: dict[str, Any]) -> None:
    out["emails"] = [
        {
            "message_id": e["message_id"],
            "from": e["from"],
            "subject": e["subject"],
            "recipients": e["recipients"],
            "personalizations": e["personalizations"],
            "categories": e["categories"],
            "custom_args": e["custom_args"],
            "send_at": e["send_at"],
            "batch_id": e["batch_id"],
            "created_at": iso(e["created_at"]),
        }
        for e in emu.state.find("sendgrid.email")
    ]
    out["batches"] = emu.state.find("sendgrid.batch")


ROUTES = [
    route("GET", r"/v3/scopes", "sendgrid.scopes", scopes),
    route("POST", r"/v3/mail/send", "sendgrid.send", send),
    route("POST", r"/v3/mail/batch", "sendgrid.batch", new_batch),
    route("GET", r"/v3/mail/batch/(?P<batch_id>[^/]+)", "sendgrid.batch", get_batch),
    route("POST", r"/v3/user/scheduled_sends", "sendgrid.scheduled", schedule),
    route("GET", r"/v3/user/scheduled_sends/(?P<batch_id>[^/]+)", "sendgrid.scheduled", schedule),
    route("PATCH", r"/v3/user/scheduled_sends/(?P<batch_id>[^/]+)", "sendgrid.scheduled", schedule),
    route(
        "DELETE", r"/v3/user/scheduled_sends/(?P<batch_id>[^/]+)", "sendgrid.scheduled", schedule
    ),
]
