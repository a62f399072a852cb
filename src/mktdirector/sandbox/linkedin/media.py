"""LinkedIn member post analytics and the Images API.

`GET /rest/memberCreatorPostAnalytics` (q=entity or q=me; IMPRESSION, MEMBERS_REACHED, RESHARE,
REACTION, COMMENT; TOTAL or DAILY, reach not daily) needs r_member_postAnalytics: other tokens
get 403, as apps without LinkedIn's approval do. Counts grow with the post's age
(engagement.py). Images: initializeUpload returns an upload URL on the sandbox; the PUT of
the bytes makes the image AVAILABLE to attach to a post.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from mktdirector.sandbox import engagement as eng
from mktdirector.sandbox.base import Request, Response, empty, json_response, route
from mktdirector.sandbox.linkedin.api import METRICS, body, denied, guard, unprocessable

if TYPE_CHECKING:
    from mktdirector.sandbox.emulator import Emulator


def analytics(emu: Emulator, req: Request) -> Response:
    who = guard(emu, req, "analytics", scope="r_member_postAnalytics")
    if isinstance(who, Response):
        return who
    q, metric, agg = req.arg("q"), req.arg("queryType") or "", req.arg("aggregation") or "TOTAL"
    if metric not in METRICS or agg not in ("TOTAL", "DAILY") or q not in ("entity", "me"):
        return body(
            400, f"Invalid query: q={q} queryType={metric} aggregation={agg}", "ILLEGAL_ARGUMENT"
        )
    if metric == "MEMBERS_REACHED" and agg == "DAILY":
        return body(
            400, "MEMBERS_REACHED is not supported with DAILY aggregation", "ILLEGAL_ARGUMENT"
        )
    posts = [p for p in emu.state.find("linkedin.post", owner=who.user) if not p.get("deleted_at")]
    if q == "entity":
        m = re.fullmatch(r"\((?:share|ugc|ugcPost):(.+)\)", req.arg("entity") or "")
        urn = unquote(m.group(1)) if m else ""
        posts = [p for p in posts if p["urn"] == urn]
        if not posts:
            return body(404, f"Entity {urn or req.arg('entity')} not found", "NOT_FOUND")
    name = {
        "IMPRESSION": "impressions",
        "MEMBERS_REACHED": "reach",
        "RESHARE": "repost",
        "REACTION": "like",
        "COMMENT": "reply",
    }[metric]

    def at(p: dict[str, Any], t: float) -> int:
        prof = eng.profile(emu.seed, p["urn"], has_link=bool(eng.links(p["text"])))
        return eng.counts(prof, t - p["created_at"])[name]

    now = emu.now()
    target = {"share": posts[0]["urn"]} if q == "entity" else None
    if agg == "TOTAL":
        el: dict[str, Any] = {"count": sum(at(p, now) for p in posts), "metricType": metric}
        if target:
            el["targetEntity"] = target
        elements = [el]
    else:
        start = min((p["created_at"] for p in posts), default=now) // 86400 * 86400
        elements = []
        for day in range(int(start), int(now) + 1, 86400):
            end = min(day + 86400, now)
            n = sum(at(p, end) - at(p, day) for p in posts)
            d = datetime.fromtimestamp(day, UTC)
            elements.append(
                {
                    "count": n,
                    "metricType": metric,
                    "dateRange": {"start": {"year": d.year, "month": d.month, "day": d.day}},
                }
            )
    return json_response(
        200, {"paging": {"start": 0, "count": 10, "links": []}, "elements": elements}
    )


def init_image(emu: Emulator, req: Request) -> Response:
    who = guard(emu, req, "images", scope="w_member_social")
    if isinstance(who, Response):
        return who
    try:
        owner = req.json()["initializeUploadRequest"]["owner"]
    except (ValueError, KeyError, TypeError):
        return unprocessable(
            "/initializeUploadRequest/owner",
            "field is required but not found and has no default value",
            "FIELD_VALUE_REQUIRED",
        )
    if req.arg("action") != "initializeUpload":
        return body(400, "action=initializeUpload is required", "ILLEGAL_ARGUMENT")
    if owner != f"urn:li:person:{who.user}":
        return denied(f"images owner {owner}")
    key = "D4D10AQ" + secrets.token_urlsafe(12).replace("-", "x").replace("_", "y")
    urn = f"urn:li:image:{key}"
    emu.state.put("linkedin.image", urn, {"urn": urn, "owner": owner, "uploaded": False})
    return json_response(
        200,
        {
            "value": {
                "uploadUrlExpiresAt": int((emu.now() + 86400) * 1000),
                "uploadUrl": f"{emu.base_url}/linkedin/_upload/{key}",
                "image": urn,
            }
        },
    )


def upload(emu: Emulator, req: Request, key: str) -> Response:
    who = guard(emu, req, "upload", rest=False)
    if isinstance(who, Response):
        return who
    urn = f"urn:li:image:{key}"
    doc = emu.state.get("linkedin.image", urn)
    if doc is None or not req.body:
        return body(400, "Upload URL is unknown or the body is empty", "ILLEGAL_ARGUMENT")
    doc.update(uploaded=True, size=len(req.body), type=req.header("Content-Type"))
    emu.state.put("linkedin.image", urn, doc)
    return empty(201)


def get_image(emu: Emulator, req: Request, urn: str) -> Response:
    who = guard(emu, req, "images")
    if isinstance(who, Response):
        return who
    doc = emu.state.get("linkedin.image", unquote(urn))
    if doc is None:
        return body(404, "Not Found", "NOT_FOUND")
    return json_response(
        200,
        {
            "id": doc["urn"],
            "owner": doc["owner"],
            "status": "AVAILABLE" if doc.get("uploaded") else "WAITING_UPLOAD",
        },
    )


ROUTES = [
    route("GET", r"/rest/memberCreatorPostAnalytics", "linkedin.analytics", analytics),
    route("POST", r"/rest/images", "linkedin.images", init_image),
    route("GET", r"/rest/images/(?P<urn>[^/]+)", "linkedin.images", get_image),
    route("PUT", r"/_upload/(?P<key>[^/]+)", "linkedin.upload", upload),
]
