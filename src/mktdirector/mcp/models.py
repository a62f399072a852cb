"""The tools' output schemas (what `structured_content` holds on success).

Each names the fields an assistant relies on; `extra="allow"` keeps the rest of what the agent
flow returned (the same fields `--json` prints), so the schema never hides information.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class DraftOut(_Open):
    id: str
    platform: str
    kind: str
    status: str
    text: str
    segments: list[str]
    weighted_length: list[int]
    findings: list[dict[str, Any]]
    content_hash: str | None
    approved: bool
    next_step: str


class DraftSummary(_Open):
    id: str
    platform: str
    status: str
    preview: str
    content_hash: str | None
    approved: bool


class DraftList(_Open):
    drafts: list[DraftSummary]
    count: int


class TopicsOut(_Open):
    topics: list[dict[str, Any]]
    generation_id: str | None


class PlanOut(_Open):
    plan: dict[str, Any]
    drafts: list[DraftOut]


class ScheduleOut(_Open):
    draft_id: str | None
    status: str
    due_utc: str
    due_local: str
    approved_by: str


class PublishOut(_Open):
    draft_id: str
    platform: str
    status: str
    url: str | None
    thread_results: list[dict[str, Any]]
    approved_by: str
    already_published: bool


class AnalyticsOut(_Open):
    draft_id: str | None
    platform: str
    posts: list[dict[str, Any]]


class ReportOut(_Open):
    timeframe: dict[str, Any]


class StatusOut(_Open):
    platforms: list[dict[str, Any]]
