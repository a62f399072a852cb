"""LinkedIn as mktd uses it: OIDC userinfo, the Posts API, the Images API, member analytics.

Rules from the reference card §1: every `/rest` call needs `LinkedIn-Version: YYYYMM` (active
for 12 months: older or future versions get 426 NONEXISTENT_VERSION) and
`X-Restli-Protocol-Version: 2.0.0`; the post body's required fields (422 with LinkedIn's
`ERROR :: /field ::` text), commentary in escaped "little text" (real LinkedIn silently cuts a
post at the first unescaped reserved character; the sandbox refuses it with 422 so the bug
shows), 3,000 characters, 422 DUPLICATE_POST naming the earlier URN (also for 24 h after that
post was deleted: the "ghost duplicate" users report), the id in `x-restli-id`, daily limits
without any rate-limit header, analytics only for tokens granted r_member_postAnalytics.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from mktdirector.core.urls import url_spans
from mktdirector.sandbox.base import (
    AuthFailure,
    Principal,
    Request,
    Response,
    empty,
    iso,
    json_response,
    route,
)
from mktdirector.sandbox.env import LINKEDIN_MEMBER

if TYPE_CHECKING:
    from mktdirector.sandbox.emulator import Emulator

PLATFORM = "linkedin"
MAX_CHARS = 3000
GHOST_S = 86_400.0
RESERVED = set("\\|{}@[]()<>#*_~")
REQUIRED = ("author", "commentary", "visibility", "distribution", "lifecycleState")
ENUMS = {
    "visibility": {"PUBLIC", "CONNECTIONS", "LOGGED_IN", "CONTAINER"},
    "lifecycleState": {"PUBLISHED", "DRAFT"},
}
METRICS = ("IMPRESSION", "MEMBERS_REACHED", "RESHARE", "REACTION", "COMMENT")
_TEMPLATE = re.compile(r"\{hashtag\|\\#\|[^{}|]+\}")
_MENTION = re.compile(r"@\[[^\]\\]*\]\(urn:li:(?:person|organization):[A-Za-z0-9_-]+\)")
_VERSION = re.compile(r"^(\d{4})(\d{2})(?:\.\d{2})?$")


def body(status: int, message: str, code: str | None = None, **extra: Any) -> Response:
    data: dict[str, Any] = {"status": status, "message": message}
    if code:
        data["code"] = code
    data.update(extra)
    return json_response(status, data, {"x-restli-protocol-version": "2.0.0"})


def error(emu: Emulator, status: int, message: str | None, platform: str = PLATFORM) -> Response:
    codes = {
        404: "NOT_FOUND",
        405: "METHOD_NOT_ALLOWED",
        500: "INTERNAL_SERVER_ERROR",
        502: "BAD_GATEWAY",
        503: "SERVICE_UNAVAILABLE",
        504: "GATEWAY_TIMEOUT",
    }
    return body(
        status,
        message or codes.get(status, "Error").replace("_", " ").title(),
        codes.get(status, "ERROR"),
    )


def unauthorized(emu: Emulator, reason: str, platform: str = PLATFORM) -> Response:
    if reason == "missing":
        return json_response(
            401, {"message": "Empty oauth2_access_token", "serviceErrorCode": 401, "status": 401}
        )
    if reason == "expired":
        return body(
            401,
            "The token used in the request has expired",
            "EXPIRED_ACCESS_TOKEN",
            serviceErrorCode=65601,
        )
    if reason == "revoked":
        return body(
            401,
            "The token used in the request has been revoked by the user",
            "REVOKED_ACCESS_TOKEN",
            serviceErrorCode=65602,
        )
    return body(401, "Invalid access token", "INVALID_ACCESS_TOKEN", serviceErrorCode=65600)


def rate_limited(emu: Emulator, reset: float | None, platform: str = PLATFORM) -> Response:
    # LinkedIn sends no reset or Retry-After header, whatever the fault asked for.
    return body(
        429,
        "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
        "TOO_MANY_REQUESTS",
    )


def denied(what: str) -> Response:
    return body(
        403, f"Not enough permissions to access: {what}", "ACCESS_DENIED", serviceErrorCode=100
    )


def guard(
    emu: Emulator, req: Request, op: str, *, rest: bool = True, scope: str | None = None
) -> Principal | Response:
    """Token, version headers, scope and the daily windows, in LinkedIn's order."""
    who = emu.authenticate(req, PLATFORM)
    if isinstance(who, AuthFailure):
        return unauthorized(emu, who.reason)
    if rest:
        version = (req.header("LinkedIn-Version") or "").strip()
        if not version:
            return body(
                400,
                "A version must be present. Please specify a version by adding the "
                "LinkedIn-Version header.",
                "VERSION_MISSING",
            )
        if not active(version, emu.now()):
            return body(426, f"Requested version {version} is not active", "NONEXISTENT_VERSION")
        if (req.header("X-Restli-Protocol-Version") or "").strip() != "2.0.0":
            return body(
                400,
                "X-Restli-Protocol-Version: 2.0.0 is required for this resource",
                "ILLEGAL_ARGUMENT",
            )
    if scope and scope not in who.scopes:
        return denied(f"{req.method} {req.path.split('?')[0]}")
    ok = emu.limits.take("linkedin.app", "app").ok
    if ok and op == "create":
        ok = emu.limits.take("linkedin.create.member", who.user).ok
    if not ok:
        kind = "MEMBER" if op == "create" else "APPLICATION"
        return body(
            429,
            f"Resource level throttle {kind} DAY limit for calls to this resource is reached.",
            "TOO_MANY_REQUESTS",
        )
    return who


def active(version: str, now: float) -> bool:
    """A YYYYMM version is served from its month for 12 months."""
    m = _VERSION.match(version)
    if not m:
        return False
    today = datetime.fromtimestamp(now, UTC)
    months = (today.year - int(m.group(1))) * 12 + today.month - int(m.group(2))
    return 1 <= int(m.group(2)) <= 12 and 0 <= months <= 12


def little_text_problem(text: str) -> str | None:
    """Where `text` breaks the little-text rules (an unescaped reserved character), or None."""
    skip = {i for start, end in url_spans(text) for i in range(start, end)}
    i = 0
    while i < len(text):
        ch = text[i]
        if i in skip or ch not in RESERVED:
            i += 1
            continue
        if ch == "\\":
            if i + 1 >= len(text):
                return f"a lone backslash at position {i}"
            i += 2
            continue
        m = _TEMPLATE.match(text, i) or _MENTION.match(text, i)
        if m:
            i = m.end()
            continue
        if ch == "#" and i + 1 < len(text) and text[i + 1].isalnum():
            i += 1  # a plain #tag is a hashtag element
            continue
        return f"unescaped reserved character {ch!r} at position {i}"
    return None


def display(text: str) -> str:
    """What members see: templates as #tags, escapes removed."""
    text = _TEMPLATE.sub(lambda m: "#" + m.group(0)[12:-1], text)
    return re.sub(r"\\(.)", r"\1", text)


def unprocessable(path: str, what: str, code: str) -> Response:
    return json_response(
        422,
        {
            "errorDetailType": "com.linkedin.common.error.BadRequest",
            "message": f"ERROR :: {path} :: {what}\n",
            "errorDetails": {
                "inputErrors": [
                    {"description": what, "input": {"inputPath": {"fieldPath": path}}, "code": code}
                ]
            },
            "status": 422,
        },
    )


def post_id(emu: Emulator) -> str:
    return str((int(emu.now() * 1000) << 22) | (emu.state.incr("linkedin.sequence") & 0x3FFFFF))


# handlers ---------------------------------------------------------------------------------------
def userinfo(emu: Emulator, req: Request) -> Response:
    who = guard(emu, req, "me", rest=False, scope="openid")
    if isinstance(who, Response):
        return who
    data: dict[str, Any] = {"sub": who.user, "locale": {"country": "US", "language": "en"}}
    if "profile" in who.scopes:
        data.update(
            {k: LINKEDIN_MEMBER[k] for k in ("name", "given_name", "family_name")},
            picture="https://media.licdn.com/dms/image/sandbox/profile.jpg",
        )
    if "email" in who.scopes:
        data.update(email=LINKEDIN_MEMBER["email"], email_verified=True)
    return json_response(200, data)


def create(emu: Emulator, req: Request) -> Response:
    who = guard(emu, req, "create", scope="w_member_social")
    if isinstance(who, Response):
        return who
    try:
        post = req.json()
        assert isinstance(post, dict)
    except (ValueError, AssertionError):
        return body(400, "Request body could not be converted to data map", "ILLEGAL_ARGUMENT")
    missing = [f for f in REQUIRED if f not in post]
    if missing:
        return unprocessable(
            f"/{missing[0]}",
            "field is required but not found and has no default value",
            "FIELD_VALUE_REQUIRED",
        )
    for field, allowed in ENUMS.items():
        if post[field] not in allowed:
            return unprocessable(
                f"/{field}", f'"{post[field]}" is not an enum symbol', "INVALID_VALUE"
            )
    if not isinstance(post["distribution"], dict) or post["distribution"].get(
        "feedDistribution"
    ) not in ("MAIN_FEED", "NONE"):
        return unprocessable(
            "/distribution/feedDistribution",
            "field is required but not found and has no default value",
            "FIELD_VALUE_REQUIRED",
        )
    me_urn = f"urn:li:person:{who.user}"
    if post["author"] != me_urn:
        return denied(f"author {post['author']} (the token is {me_urn}'s)")
    text = post["commentary"]
    if not isinstance(text, str):
        return unprocessable("/commentary", "is not a string", "INVALID_VALUE")
    problem = little_text_problem(text)
    if problem:
        return unprocessable(
            "/commentary",
            f"little text: {problem} (escape it with a backslash; "
            "real LinkedIn silently truncates the post there)",
            "INVALID_VALUE",
        )
    length = len(display(text))
    if length > MAX_CHARS:
        return body(
            400,
            f"ERROR :: /commentary :: length of {length} exceeds the maximum allowed "
            f"length of {MAX_CHARS}",
            "FIELD_LENGTH_TOO_LONG",
        )
    image = ((post.get("content") or {}).get("media") or {}).get("id")
    if image:
        found = emu.state.get("linkedin.image", image)
        if found is None or found["owner"] != me_urn or not found.get("uploaded"):
            return unprocessable(
                "/content/media/id",
                f"{image} is not an available image of the author",
                "INVALID_VALUE",
            )
    key = text_key(text)
    for old in emu.state.find("linkedin.post", owner=who.user, key=key):
        if not old.get("deleted_at") or emu.now() - old["deleted_at"] < GHOST_S:
            return json_response(
                422,
                {
                    "errorDetailType": "com.linkedin.common.error.BadRequest",
                    "message": f"ERROR :: /commentary :: Content is a duplicate of {old['urn']}",
                    "errorDetails": {
                        "inputErrors": [
                            {
                                "description": "Duplicate post is detected",
                                "input": {},
                                "code": "DUPLICATE_POST",
                            }
                        ]
                    },
                    "status": 422,
                },
            )
    urn = f"urn:li:share:{post_id(emu)}"
    doc = {
        "urn": urn,
        "commentary": text,
        "text": display(text),
        "author": me_urn,
        "visibility": post["visibility"],
        "lifecycleState": post["lifecycleState"],
        "image": image,
        "created_at": emu.now(),
    }
    emu.state.put("linkedin.post", urn, doc, owner=who.user, key=key, created=doc["created_at"])
    return empty(
        201,
        {
            "x-restli-id": urn,
            "x-linkedin-id": urn,
            "Location": f"/rest/posts/{quote(urn, safe='')}",
        },
    )


def delete(emu: Emulator, req: Request, urn: str) -> Response:
    who = guard(emu, req, "delete", scope="w_member_social")
    if isinstance(who, Response):
        return who
    urn = unquote(urn)
    doc = emu.state.get("linkedin.post", urn)
    if doc is None:
        return body(404, f"Post {urn} does not exist", "NOT_FOUND")
    if doc["author"] != f"urn:li:person:{who.user}":
        return denied(f"DELETE /rest/posts/{urn}")
    if not doc.get("deleted_at"):  # deletions are idempotent: 204 again
        doc["deleted_at"] = emu.now()
        emu.state.put("linkedin.post", urn, doc, owner=who.user, key=text_key(doc["commentary"]))
    return empty(204)


def text_key(text: str) -> str:
    """Duplicate detection compares the commentary exactly (after NFC and trimming)."""
    return hashlib.sha256(unicodedata.normalize("NFC", text).strip().encode()).hexdigest()


def read_post(emu: Emulator, req: Request, urn: str) -> Response:
    who = guard(emu, req, "get", scope="r_member_social")  # closed: the sandbox grants it to no one
    return who if isinstance(who, Response) else body(404, "Not Found", "NOT_FOUND")


def snapshot(emu: Emulator, out: dict[str, Any]) -> None:
    out["posts"]["linkedin"] = [
        {
            "urn": p["urn"],
            "id": p["urn"],
            "text": p["text"],
            "commentary": p["commentary"],
            "author": p["author"],
            "visibility": p["visibility"],
            "created_at": iso(p["created_at"]),
            "deleted": bool(p.get("deleted_at")),
            "image": p.get("image"),
        }
        for p in emu.state.find("linkedin.post")
    ]


ROUTES = [
    route("GET", r"/v2/userinfo", "linkedin.me", userinfo),
    route("POST", r"/rest/posts", "linkedin.create", create),
    route("DELETE", r"/rest/posts/(?P<urn>[^/]+)", "linkedin.delete", delete),
    route("GET", r"/rest/posts/(?P<urn>[^/]+)", "linkedin.get", read_post),
]
