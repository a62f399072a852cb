"""What a tool returns about a draft: its text and segments, lint findings, weighted length,
content hash and whether a person approved it (with the command that approves it if not)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mktdirector.agents.content.drafts import DraftView
from mktdirector.agents.social.assistant import human_approved


def draft(view: DraftView, **extra: Any) -> dict[str, Any]:
    d = view.draft
    segments = _segments(d)
    approved = human_approved(d)
    out = {
        "id": view.id,
        "platform": d["platform"],
        "kind": d["kind"],
        "status": d["status"],
        "text": "\n\n".join(segments),
        "segments": segments,
        "weighted_length": [_length(d["platform"], s) for s in segments],
        "findings": [f.to_dict() for f in view.findings],
        "content_hash": d["content_hash"],
        "approved": approved,
        "topic": d.get("topic"),
        "campaign": d.get("campaign"),
        "created_utc": d.get("created_utc"),
        "next_step": _next_step(d, approved),
    }
    return {**out, **extra}


def summary(d: Mapping[str, Any]) -> dict[str, Any]:
    """One row of list_drafts: enough to choose, not the whole draft."""
    segments = _segments(d)
    first = segments[0] if segments else ""
    return {
        "id": d["id"],
        "platform": d["platform"],
        "kind": d["kind"],
        "status": d["status"],
        "preview": first if len(first) <= 120 else first[:119] + "…",
        "segments": len(segments),
        "content_hash": d["content_hash"],
        "approved": human_approved(d),  # type: ignore[arg-type]
        "updated_utc": d.get("updated_utc"),
    }


def _segments(d: Mapping[str, Any]) -> list[str]:
    body = d.get("body")
    if isinstance(body, dict):  # an email: subject and text
        return [str(body.get("subject", "")), str(body.get("text", ""))]
    return [str(s) for s in body or []]


def _length(platform: str, text: str) -> int:
    """X counts by the twitter-text rules (URLs 23, emoji 2); elsewhere characters."""
    if platform == "twitter":
        from mktdirector.core.xtext import weighted_length

        return weighted_length(text)
    return len(text)


def _next_step(d: Mapping[str, Any], approved: bool) -> str:
    did, status = d["id"], d["status"]
    if status == "published":
        return "Published: post_analytics shows how it does."
    if approved:
        return "Approved by a person: publish_draft or schedule_draft can send it."
    if status in {"draft", "failed"}:
        return f"Waiting for a person to approve it: mktd drafts approve {did}"
    return f"It is {status}: mktd drafts show {did}"
