"""The API's request and answer models: what /openapi.json promises and schemathesis checks."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Style = Literal["professional", "casual", "storytelling", "contrarian"]


class PostIn(BaseModel):
    """The brief's fields: `topic` (the LLM writes) or `text` (used as is), and what to do next."""

    model_config = ConfigDict(extra="forbid")
    topic: str | None = Field(None, min_length=1, max_length=500)
    text: str | None = Field(None, min_length=1, max_length=30_000)
    style: Style = "professional"
    include_cta: bool = True
    thread_length: int | None = Field(None, ge=1, le=25)
    publish: bool = False
    schedule_at: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description='"tomorrow 9:00", "in 2h", ISO 8601, next-slot',
    )
    campaign: str | None = Field(None, min_length=1, max_length=100)
    account: str | None = Field(None, min_length=1, max_length=100)
    new: bool = Field(False, description="Always a new draft (default: resume the same request's).")
    no_brand: bool = Field(
        False,
        description="Publish or schedule LLM text although no brand voice is set (else refused).",
    )


class Finding(BaseModel):
    severity: str
    rule: str
    message: str
    line: int
    column: int
    segment: int | None = None


class ThreadPost(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str | None = None
    text: str = ""
    url: str | None = None
    created_at: str | None = None


class PostResult(BaseModel):
    """The brief's result shape plus the draft and the thread."""

    id: str | None
    post_id: str | None
    draft_id: str
    platform: str
    text: str
    url: str | None
    created_at: str | None
    status: str
    thread_results: list[ThreadPost]
    message: str = ""
    cost_usd: float = 0.0
    resumed: str | None = None
    findings: list[Finding] = []
    schedule: dict[str, Any] | None = None


class DraftSummary(BaseModel):
    id: str
    created_utc: str
    updated_utc: str
    platform: str
    kind: str
    status: str
    topic: str | None
    campaign: str | None
    account: str | None
    content_hash: str | None
    preview: str
    findings: int


class DraftPage(BaseModel):
    items: list[DraftSummary]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page.")


class Draft(BaseModel):
    """A draft with its text as segments, lint findings and (on request) provenance."""

    model_config = ConfigDict(extra="allow")
    id: str
    platform: str
    kind: str
    status: str
    content_hash: str | None
    approved_hash: str | None
    body: Any
    text: str
    findings: list[Finding]


class DraftEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(
        min_length=1, max_length=30_000, description="Thread posts separated by --- lines."
    )


class Rejection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=1000)


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: str = Field(min_length=1, max_length=100, description='"tomorrow 9:00", "in 2h", next-slot')
    timezone: str | None = Field(None, min_length=1, max_length=64)


class Job(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    kind: str
    draft_id: str | None
    platform: str | None
    status: str
    due_utc: str
    due_local: str
    timezone: str


class Notification(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    created_utc: str
    kind: str
    severity: str
    subject: str
    message: str
    hint: str | None
    read_utc: str | None


class NotificationPage(BaseModel):
    items: list[Notification]
    unread: int
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page.")


class Ack(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(None, min_length=1, max_length=64, description="Default: all unread.")


class Acked(BaseModel):
    acknowledged: int


class PostRow(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    draft_id: str
    platform: str
    segment: int
    text: str | None  # rows from before mktd kept the text (or written by hand) may have none
    status: str
    remote_id: str | None
    url: str | None
    published_utc: str | None


class PostPage(BaseModel):
    items: list[PostRow]
    next_cursor: str | None = None


class PostDeleted(BaseModel):
    """A published post (every segment of a thread) deleted on its platform; the ledger keeps
    it as deleted. `already_gone`: ids the platform no longer had when asked."""

    draft_id: str
    platform: str
    status: str
    deleted: list[str]
    already_gone: list[str]


class LoginLink(BaseModel):
    url: str


class AuditCall(BaseModel):
    """One HTTP attempt as `mktd logs --json` shows it (never headers, bodies or queries)."""

    model_config = ConfigDict(extra="allow")
    id: str
    time_utc: str
    platform: str
    method: str
    path: str
    status: int | None
    error_kind: str | None
    correlation_id: str | None
    actor: str | None = Field(None, description="Who caused it; null on rows from before m025.")


class AuditPage(BaseModel):
    items: list[AuditCall]
