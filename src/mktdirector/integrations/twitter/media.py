"""X v2 media upload (reference card §2.8).

Images up to 5 MB go in one `POST /2/media/upload` (multipart, `media_category=tweet_image`).
GIFs, videos and anything larger use the dedicated chunked endpoints: initialize → append
(≤ 4 MB segments) → finalize → poll `GET /2/media/upload?command=STATUS` while processing.
Uploads are marked idempotent for the retry policy: a repeated upload at worst leaves an unused
media id that X expires, it never publishes anything.
"""

from __future__ import annotations

import mimetypes
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from mktdirector.core import errors as E

if TYPE_CHECKING:
    import httpx


class Uploader(Protocol):
    """What an upload needs of the X client: its authenticated send and its JSON check."""

    def send(self, method: str, path: str, **kw: Any) -> httpx.Response: ...

    def json(self, response: httpx.Response, *required: str) -> Any: ...


MB = 1024 * 1024
SIMPLE_MAX = 5 * MB
CHUNK = 4 * MB
MAX_BYTES = {"tweet_image": 5 * MB, "tweet_gif": 15 * MB, "tweet_video": 512 * MB}
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}
VIDEO_TYPES = {"video/mp4", "video/quicktime", "video/webm"}
MAX_POLLS = 60


def category_for(media_type: str) -> str:
    if media_type == "image/gif":
        return "tweet_gif"
    if media_type in IMAGE_TYPES:
        return "tweet_image"
    if media_type in VIDEO_TYPES:
        return "tweet_video"
    raise E.UsageError(
        f"X cannot attach {media_type} media.",
        hint="Use a JPG, PNG, WEBP or GIF image, or an MP4 video",
    )


def read_media(path: str | Path) -> tuple[bytes, str]:
    """The bytes and MIME type of a local media file."""
    from mktdirector.core import inputs

    p = Path(path)
    media_type = mimetypes.guess_type(p.name)[0] or ""
    # Capped at X's own limit for the kind (never all of /dev/zero); the type is checked later.
    cap = MAX_BYTES.get(_category_or_none(media_type) or "", MAX_BYTES["tweet_image"])
    hint = "X takes images up to 5 MB, GIFs up to 15 MB, videos up to 512 MB"
    return inputs.read_bytes(p, cap=cap, hint=hint), media_type


def _category_or_none(media_type: str) -> str | None:
    try:
        return category_for(media_type)
    except E.UsageError:
        return None


def upload(
    client: Uploader,
    data: bytes,
    media_type: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Upload media and return the media id to put in `media.media_ids`."""
    category = category_for(media_type)
    limit = MAX_BYTES[category]
    if len(data) > limit:
        raise E.UsageError(
            f"The file is {len(data) / MB:.1f} MB; X accepts {category.split('_')[1]}s up to "
            f"{limit // MB} MB.",
            hint="Resize or compress it",
        )
    if category == "tweet_image" and len(data) <= SIMPLE_MAX:
        resp = client.send(
            "POST",
            "/2/media/upload",
            idempotent=True,
            files={"media": ("media", data, media_type)},
            data={"media_category": category},
        )
        out = client.json(resp, "data.id")["data"]
        return _wait(client, out, sleep)
    return _chunked(client, data, media_type, category, sleep)


def _chunked(
    client: Uploader,
    data: bytes,
    media_type: str,
    category: str,
    sleep: Callable[[float], None],
) -> str:
    resp = client.send(
        "POST",
        "/2/media/upload/initialize",
        idempotent=True,
        json={"media_type": media_type, "total_bytes": len(data), "media_category": category},
    )
    media_id = str(client.json(resp, "data.id")["data"]["id"])
    for index, start in enumerate(range(0, len(data), CHUNK)):
        client.send(
            "POST",
            "/2/media/upload/{id}/append",
            path_params={"id": media_id},
            idempotent=True,  # re-sending a segment index overwrites it
            files={"media": ("media", data[start : start + CHUNK], "application/octet-stream")},
            data={"segment_index": str(index)},
        )
    resp = client.send(
        "POST", "/2/media/upload/{id}/finalize", path_params={"id": media_id}, idempotent=True
    )
    return _wait(client, client.json(resp, "data.id")["data"], sleep)


def _wait(client: Uploader, out: dict[str, Any], sleep: Callable[[float], None]) -> str:
    media_id = str(out["id"])
    for _ in range(MAX_POLLS):
        info = out.get("processing_info") or {}
        state = info.get("state")
        if state in (None, "succeeded"):
            return media_id
        if state == "failed":
            err = info.get("error") or {}
            raise E.ApiResponseError(
                f"X could not process the media: {err.get('message') or err.get('name') or 'failed'}.",
                platform="twitter",
                hint="Check the file's format and size against docs/integrations/twitter.md",
            )
        sleep(float(info.get("check_after_secs") or 1))
        resp = client.send(
            "GET", "/2/media/upload", params={"media_id": media_id, "command": "STATUS"}
        )
        out = client.json(resp, "data.id")["data"]
    raise E.ApiResponseError(
        "X is still processing the media after many checks.",
        platform="twitter",
        hint="Try again later; the media id expires unused",
    )
