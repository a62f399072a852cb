"""Typed rows of every aggregate, and the states of its lifecycle.

Rows are `TypedDict`s, not classes: the ~100 call sites that index rows (`d["status"]`) keep
working unchanged while mypy checks every key they read. A row holds exactly the columns of its
table (see store/sqlite/migrations.py); `*_json` columns are also given decoded (`body_json` →
`body`) where the store decodes them. Status columns hold plain text from the database, so they
are typed `str`; the StrEnums below name the values, and a StrEnum member compares equal to its
text, so `d["status"] == DraftStatus.PUBLISHED` works and what is stored does not change.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, NotRequired, TypedDict


class DraftStatus(StrEnum):
    """draft → approved → scheduled → publishing → published | failed | needs-check; rejected."""

    DRAFT = "draft"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"
    NEEDS_CHECK = "needs-check"
    REJECTED = "rejected"


class PostStatus(StrEnum):
    """One thread segment: the intent is committed before the create call."""

    INTENT = "intent"
    PUBLISHED = "published"
    FAILED = "failed"
    NEEDS_CHECK = "needs-check"
    DELETED = "deleted"  # deleted on the platform by `mktd posts delete`; the row is kept


class AttemptOutcome(StrEnum):
    """What one create call (or its reconciliation) of a segment ended in."""

    CREATED = "created"
    DUPLICATE = "duplicate"
    RECONCILED = "reconciled"
    NOT_FOUND = "not_found"
    UNKNOWN = "unknown"
    FAILED = "failed"
    NEEDS_CHECK = "needs-check"
    RESOLVED = "resolved"  # a human said whether a needs-check segment went out
    DELETED = "deleted"  # `mktd posts delete` removed the segment from the platform
    DELETE_UNKNOWN = "delete-unknown"  # the delete's answer was lost even after a re-check


class JobStatus(StrEnum):
    """queued until due, running under a lease, then one of the four ends."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


class EmailStatus(StrEnum):
    """An email send, exactly once like posts: intent first, message id after."""

    INTENT = "intent"
    SENT = "sent"
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    FAILED = "failed"
    NEEDS_CHECK = "needs-check"


# Content ---------------------------------------------------------------------------------------
class Draft(TypedDict):
    id: str
    created_utc: str
    updated_utc: str
    platform: str
    kind: str  # post | thread | email
    topic: str | None
    style: str | None
    body_json: str
    content_hash: str | None
    status: str  # a DraftStatus
    approved_hash: str | None
    approved_utc: str | None
    rejected_reason: str | None
    lint_json: str | None
    source: str | None  # llm | text | file | plan
    campaign: str | None
    plan_id: str | None
    plan_step: int | None
    account: str | None
    generation_id: str | None
    brand_hash: str | None
    lease_owner: str | None
    lease_until: float | None
    published_utc: str | None
    error: str | None
    media_json: str | None
    input_key: str | None
    approved_by: NotRequired[str | None]  # m016: who (MKTD_USER, else the OS user)
    edited_by: NotRequired[str | None]
    published_by: NotRequired[str | None]
    # decoded from the *_json columns that are set
    body: NotRequired[Any]  # list of segments, or {subject, preheader, text, html} for email
    lint: NotRequired[Any]
    media: NotRequired[Any]


class Generation(TypedDict):
    id: str
    created_utc: str
    purpose: str
    model: str | None
    endpoint_host: str | None
    template: str | None
    template_version: str | None
    brand_hash: str | None
    system_prompt: str | None
    user_prompt: str | None
    output: str | None
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    duration_ms: int | None
    attempts: int | None
    draft_id: str | None
    plan_id: str | None


class Plan(TypedDict):
    id: str
    created_utc: str
    # every plan is written whole (agents/content/orchestrator.py)
    objective: str
    timeframe: str
    start_date: str
    channels_json: str
    slug: str
    plan_json: str
    generation_id: str | None
    channels: NotRequired[Any]
    plan: NotRequired[Any]


# Publishing ------------------------------------------------------------------------------------
class Post(TypedDict):
    """One segment of a published (or being published) draft."""

    id: str
    draft_id: str
    platform: str
    account: str | None
    segment: int  # 0-based position in the thread
    text: str
    status: str  # a PostStatus
    remote_id: str | None
    url: str | None
    reply_to: str | None
    intent_utc: str | None
    published_utc: str | None
    error: str | None
    cost_usd: float | None


class PublishAttempt(TypedDict):
    id: str
    draft_id: str
    segment: int
    time_utc: str
    outcome: str  # an AttemptOutcome
    error_kind: str | None
    detail: str | None


class Job(TypedDict):
    id: str
    kind: str  # publish | analytics | tokens | …
    draft_id: str | None
    platform: str | None
    account: str | None
    due_utc: str
    status: str  # a JobStatus
    lease_owner: str | None
    lease_until: float | None
    attempts: int | None
    last_error: str | None
    payload_json: str | None
    result_json: str | None
    created_utc: str
    updated_utc: str
    finished_utc: str | None
    payload: dict[str, Any]  # decoded payload_json ({} when empty)
    result: dict[str, Any]
    taken_over_from: NotRequired[str]  # set by claim_job: the dead worker that held it


class QueuedJob(Job):
    """A job as the queue lists it: with its draft's status and first segment."""

    draft_status: str | None
    preview: str


class Worker(TypedDict):
    id: str
    host: str
    pid: int
    started_utc: str
    last_seen_utc: str
    jobs_done: int


# Measuring -------------------------------------------------------------------------------------
class MetricSnapshot(TypedDict):
    id: int
    platform: str
    remote_id: str
    draft_id: str | None
    post_row_id: str | None
    taken_utc: str
    impressions: int | None
    reach: int | None
    likes: int | None
    reposts: int | None
    replies: int | None
    quotes: int | None
    bookmarks: int | None
    link_clicks: int | None
    profile_clicks: int | None
    engagements: int | None
    private: int
    raw_json: str | None


class Contact(TypedDict):
    platform: str  # the CRM's platform id (m011)
    id: str  # the CRM's contact id
    email: str
    firstname: str | None
    lastname: str | None
    created_utc: str | None
    source: str | None
    source_data_1: str | None
    source_data_2: str | None
    latest_source: str | None
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    utm_content: str | None
    draft_id: str | None  # utm_content when it names one of our drafts
    synced_utc: str | None
    raw_json: str | None


# The counters of one day's email stats (per category, "" for all), as the sender reports them.
EMAIL_STATS_COLUMNS = (
    "requests", "delivered", "opens", "unique_opens", "clicks", "unique_clicks", "bounces",
    "spam_reports", "unsubscribes",  # unsubscribes: m014
)  # fmt: skip


class Email(TypedDict):
    id: str
    platform: str  # the email platform's id (m011)
    draft_id: str | None
    status: str  # an EmailStatus
    recipients: int | None
    from_email: str | None
    category: str | None
    batch_id: str | None
    message_id: str | None
    send_at_utc: str | None
    created_utc: str
    sent_utc: str | None
    error: str | None
    send_key: str | None
    subject: str | None
    lease_owner: NotRequired[str | None]  # m014: the process sending it (campaign sends)
    lease_until: NotRequired[float | None]


# Operations ------------------------------------------------------------------------------------
class AuditRow(TypedDict):
    """One HTTP attempt (`http_calls`): never headers or bodies."""

    id: str
    time_utc: str
    platform: str
    account: str | None
    method: str
    path: str  # a template, without query string
    status: int | None
    duration_ms: int | None
    attempt: int | None
    request_id: str | None
    error_kind: str | None
    error_code: str | None
    rate_remaining: int | None
    rate_reset_utc: str | None
    correlation_id: str | None  # the draft, job or command run it was made for (m012)
    actor: NotRequired[str | None]  # who caused it (m025; NULL on older rows)


class ActionRow(TypedDict):
    """One act through a front end (`actions`, m013): an MCP tool call, an approval, a publish."""

    id: str
    time_utc: str
    source: str  # cli | web | mcp | api
    actor: str | None  # who: a person, or "assistant" (an MCP client)
    action: str  # the tool or command, e.g. publish_draft
    arguments: dict[str, Any]  # secrets removed before they are written
    outcome: str  # ok | refused | error | invalid_arguments ...
    detail: str | None  # the error kind and message, or what was done
    draft_id: str | None
    correlation_id: str | None
    duration_ms: int | None


class AuthEvent(TypedDict):
    id: str
    time_utc: str
    platform: str
    account: str | None
    event: str
    ok: int
    detail: str | None


class Notification(TypedDict):
    id: str
    created_utc: str
    kind: str
    severity: str
    platform: str | None
    account: str | None
    subject: str
    message: str
    hint: str | None
    dedupe_key: str | None
    read_utc: str | None
    sent_json: str  # {channel: {sent_utc | claimed_utc | error, attempts}}


class ConnectionRow(TypedDict):
    """The index of stored credentials (the secrets themselves are in the keyring)."""

    platform: str
    account: str
    store: str
    user_id: str | None
    scopes: str | None  # JSON list
    expires_utc: str | None
    obtained_utc: str | None
    has_refresh: int
    created_utc: str
    updated_utc: str


class RateLimitRow(TypedDict):
    key: str  # platform:account:name
    platform: str
    account: str | None
    name: str | None
    kind: str | None
    tokens: float | None
    window_start: float | None
    count: int | None
    limit_value: int | None
    remaining: int | None
    reset_at: float | None
    blocked_until: float | None
    updated_at: float | None
