"""X v2 media upload (reference card §2.8): one-shot upload and the chunked endpoints.

Images up to 5 MB go in one multipart `POST /2/media/upload`; GIFs and videos use
initialize → append (segments) → finalize, and videos then process for two STATUS polls
(pending → in_progress → succeeded). A post may attach up to 4 processed media ids of its
author.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from mktdirector.sandbox.base import Principal, Request, Response, json_response, route
from mktdirector.sandbox.twitter import common as x

if TYPE_CHECKING:
    from mktdirector.sandbox.emulator import Emulator

MB = 1024 * 1024
MAX_BYTES = {
    "tweet_image": 5 * MB,
    "tweet_gif": 15 * MB,
    "tweet_video": 512 * MB,
    "subtitles": 1 * MB,
}
EXPIRES = 86_400


def parts(req: Request) -> dict[str, bytes]:
    """Fields of a multipart/form-data, urlencoded or JSON (base64 `media`) body."""
    ctype = req.header("Content-Type") or ""
    if ctype.startswith("multipart/form-data"):
        from email.parser import BytesParser
        from email.policy import HTTP

        msg = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + req.body
        )
        out: dict[str, bytes] = {}
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if name:
                out[str(name)] = payload if isinstance(payload, bytes) else b""
        return out
    if "json" in ctype:
        try:
            data = req.json()
        except ValueError:
            return {}
        out = {str(k): str(v).encode() for k, v in data.items() if k != "media"}
        if "media" in data:
            out["media"] = base64.b64decode(str(data["media"]), validate=False)
        return out
    return {k: v.encode() for k, v in req.form().items()}


def _info(media: dict[str, Any]) -> dict[str, Any]:
    out = {
        "id": media["id"],
        "media_key": f"3_{media['id']}",
        "size": media.get("size", 0),
        "expires_after_secs": EXPIRES,
    }
    state = media.get("state", "succeeded")
    if media.get("category") == "tweet_video" and media.get("finalized"):
        out["processing_info"] = {
            "state": state,
            "check_after_secs": 1,
            "progress_percent": {"pending": 0, "in_progress": 50}.get(state, 100),
        }
    return out


def _new(emu: Emulator, who: Principal, category: str, size: int) -> dict[str, Any]:
    mid = x.snowflake(emu)
    media = {
        "id": mid,
        "owner": who.user,
        "category": category,
        "size": size,
        "state": "succeeded",
        "segments": {},
        "finalized": False,
    }
    return media


def upload(emu: Emulator, req: Request) -> Response:
    g = x.guard(emu, req, "media")
    if isinstance(g, Response):
        return g
    who, headers = g
    fields = parts(req)
    category = fields.get("media_category", b"").decode() or "tweet_image"
    if category not in MAX_BYTES:
        return x.invalid(
            f"media_category {category!r} is not one of {sorted(MAX_BYTES)}",
            "media_category",
            category,
        )
    data = fields.get("media")
    if not data:
        return x.invalid("media: is missing but it is required", "media")
    if len(data) > MAX_BYTES[category] or category != "tweet_image":
        return x.invalid(
            f"media: {category} of {len(data)} bytes must use the chunked upload "
            "(initialize/append/finalize)",
            "media",
        )
    media = _new(emu, who, category, len(data))
    media["finalized"] = True
    emu.state.put("x.media", media["id"], media, owner=who.user)
    return json_response(200, {"data": _info(media)}, headers)


def initialize(emu: Emulator, req: Request) -> Response:
    g = x.guard(emu, req, "media")
    if isinstance(g, Response):
        return g
    who, headers = g
    try:
        body = req.json()
        total = int(body["total_bytes"])
        category = str(body.get("media_category") or "tweet_image")
    except (ValueError, KeyError, TypeError):
        return x.invalid("total_bytes and media_type are required", "total_bytes")
    if category not in MAX_BYTES or not 0 < total <= MAX_BYTES[category]:
        return x.invalid(
            f"total_bytes {total} is too large for {category}", "total_bytes", str(total)
        )
    media = _new(emu, who, category, total)
    media["state"] = "uploading"
    emu.state.put("x.media", media["id"], media, owner=who.user)
    return json_response(200, {"data": _info(media)}, headers)


def _mine(emu: Emulator, who: Principal, mid: str) -> dict[str, Any] | None:
    media = emu.state.get("x.media", mid)
    return media if media is not None and media["owner"] == who.user else None


def append(emu: Emulator, req: Request, mid: str) -> Response:
    g = x.guard(emu, req, "media")
    if isinstance(g, Response):
        return g
    who, headers = g
    media = _mine(emu, who, mid)
    if media is None or media.get("finalized"):
        return x.invalid(f"media id {mid} is not an upload in progress", "id", mid)
    fields = parts(req)
    index = fields.get("segment_index", b"").decode()
    if not index.isdigit() or int(index) > 999 or "media" not in fields:
        return x.invalid("segment_index (0-999) and media are required", "segment_index", index)
    media["segments"][index] = len(fields["media"])
    emu.state.put("x.media", mid, media, owner=who.user)
    return json_response(200, {"data": {"expires_at": int(emu.now()) + EXPIRES}}, headers)


def finalize(emu: Emulator, req: Request, mid: str) -> Response:
    g = x.guard(emu, req, "media")
    if isinstance(g, Response):
        return g
    who, headers = g
    media = _mine(emu, who, mid)
    if media is None:
        return x.invalid(f"media id {mid} was not found", "id", mid)
    got = sum(media["segments"].values())
    if got != media["size"]:
        return x.invalid(f"File size mismatch: received {got} bytes of {media['size']}", "id", mid)
    media["finalized"] = True
    media["state"] = "pending" if media["category"] == "tweet_video" else "succeeded"
    emu.state.put("x.media", mid, media, owner=who.user)
    return json_response(200, {"data": _info(media)}, headers)


def status(emu: Emulator, req: Request) -> Response:
    g = x.guard(emu, req, "media")
    if isinstance(g, Response):
        return g
    who, headers = g
    mid = req.arg("media_id") or ""
    media = _mine(emu, who, mid)
    if media is None:
        return x.invalid(f"media id {mid} was not found", "media_id", mid)
    order = ["pending", "in_progress", "succeeded"]
    if media["state"] in order[:-1]:
        media["state"] = order[order.index(media["state"]) + 1]
        emu.state.put("x.media", mid, media, owner=who.user)
    return json_response(200, {"data": _info(media)}, headers)


def check_attach(emu: Emulator, who: Principal, media: Any) -> list[str] | Response:
    """The media ids of a create body, each the author's and fully processed."""
    if media is None:
        return []
    ids = media.get("media_ids") if isinstance(media, dict) else None
    if not isinstance(ids, list) or not 1 <= len(ids) <= 4:
        return x.invalid("$.media.media_ids: must have 1 to 4 items", "$.media.media_ids")
    for mid in map(str, ids):
        found = _mine(emu, who, mid)
        if found is None or not found.get("finalized") or found.get("state") != "succeeded":
            return x.invalid("Your media IDs are invalid.", "media.media_ids", mid)
    return [str(i) for i in ids]


ROUTES = [
    route("POST", r"/2/media/upload", "x.media", upload),
    route("GET", r"/2/media/upload", "x.media", status),
    route("POST", r"/2/media/upload/initialize", "x.media", initialize),
    route("POST", r"/2/media/upload/(?P<mid>\d+)/append", "x.media", append),
    route("POST", r"/2/media/upload/(?P<mid>\d+)/finalize", "x.media", finalize),
]
