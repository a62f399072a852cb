"""The inbox: drafts a page at a time, filtered, each with the text as the platform will count
it (X: weighted length per post of the thread, limit 280; LinkedIn: characters, limit 3,000).

The cursor is opaque: the (created_utc, id) of the last row shown, so the next page starts
right after it (a keyset). A draft created while someone pages lands before page one instead of
shifting every later page by one, and a deep page costs what the first does (m020's index).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from mktdirector.agents.content.brand import Brand, Finding, lint_draft
from mktdirector.agents.content.drafts import body_to_text, findings_of
from mktdirector.core.errors import UsageError
from mktdirector.core.linkedin_text import LINKEDIN_MAX_CHARS
from mktdirector.core.xtext import X_MAX_WEIGHTED_LENGTH, weighted_length
from mktdirector.store.protocols import StoreLike
from mktdirector.store.rows import Draft

MAX_PAGE = 200
_PREVIEW_CHARS = 280


@dataclass(frozen=True)
class Segment:
    text: str
    length: int
    limit: int | None

    @property
    def over(self) -> bool:
        return self.limit is not None and self.length > self.limit


def segments(draft: Draft) -> list[Segment]:
    """Each post of a draft with its length as its platform counts it."""
    body = draft.get("body")
    if draft["kind"] == "email" or not isinstance(body, list):
        text = body_to_text(draft)
        return [Segment(text, len(text), None)]
    if draft["platform"] == "twitter":
        return [Segment(s, weighted_length(s), X_MAX_WEIGHTED_LENGTH) for s in body]
    limit = LINKEDIN_MAX_CHARS if draft["platform"] == "linkedin" else None
    return [Segment(s, len(s), limit) for s in body]


def summary(draft: Draft) -> dict[str, Any]:
    text = body_to_text(draft)
    preview = text if len(text) <= _PREVIEW_CHARS else text[: _PREVIEW_CHARS - 1] + "…"
    keys = ("id", "created_utc", "updated_utc", "platform", "kind", "status", "topic",
            "campaign", "account", "content_hash")  # fmt: skip
    out: dict[str, Any] = {k: draft.get(k) for k in keys}
    out["preview"] = preview
    out["findings"] = len(findings_of(draft))
    return out


def make_cursor(stamp: str, row_id: str) -> str:
    raw = json.dumps([stamp, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_cursor(cursor: str | None) -> tuple[str, str] | None:
    """The (stamp, id) a cursor from `make_cursor` carries; UsageError for anything else."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, row_id = json.loads(raw)
        if isinstance(stamp, str) and isinstance(row_id, str):
            return stamp, row_id
    except (ValueError, TypeError):
        pass
    raise UsageError("That cursor is not one this server gave out.", hint="Start without cursor")


def page(
    store: StoreLike,
    *,
    status: str | None = None,
    platform: str | None = None,
    campaign: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[Draft], str | None]:
    """One page of drafts, newest first, and the cursor of the next page (None at the end)."""
    from mktdirector.agents.content.drafts import STATUSES
    from mktdirector.core.platforms import resolve_platform

    if status and status not in STATUSES:
        raise UsageError(f"Unknown status {status!r}.", hint=f"Use one of: {', '.join(STATUSES)}")
    pid = platform if platform in (None, "email") else resolve_platform(platform)
    limit = max(1, min(limit, MAX_PAGE))
    after = read_cursor(cursor)
    # One row more than the page says whether there is a next one.
    rows = store.list_drafts(
        status=status, platform=pid, campaign=campaign, limit=limit + 1, after=after
    )
    chunk, more = rows[:limit], len(rows) > limit
    last = chunk[-1] if chunk else None
    return chunk, (make_cursor(last["created_utc"], last["id"]) if more and last else None)


def made_by(store: StoreLike, draft: Draft) -> dict[str, Any] | None:
    """The model and cost of the generation that wrote a draft (None for a typed text)."""
    gid = draft.get("generation_id")
    if not gid:
        return None
    gen = store.generation(gid)
    if gen is None:
        return None
    return {"model": gen.get("model"), "cost_usd": gen.get("cost_usd") or 0.0}


def live_check(draft: Draft, brand: Brand, text: str) -> tuple[list[Segment], list[Finding]]:
    """An edited text as saving it would make it: its posts with their lengths and findings."""
    from mktdirector.agents.content.drafts import text_to_body

    body = text_to_body(draft["kind"], text, draft["platform"])
    edited: Any = {**draft, "body": body}
    return segments(edited), lint_draft(body, draft["kind"], draft["platform"], brand)
