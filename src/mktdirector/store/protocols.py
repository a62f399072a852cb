"""One protocol per aggregate: what agents and front ends may ask of the store.

A backend (today store/sqlite/, later PostgreSQL) implements all of them; the contract tests in
tests/store/contract/ hold every backend to the same behaviour. A caller types its store
parameter with the protocols it uses, or with `StoreLike`, the whole store.

Refusals are `RecordNotFoundError` / `StateRefusedError` (store/errors.py), never front-end
wording. Times are ISO-8601 UTC text (`*_utc`) unless a parameter says epoch seconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from mktdirector.store.rows import (
    AuditRow,
    AuthEvent,
    ConnectionRow,
    Draft,
    Email,
    Generation,
    Job,
    MetricSnapshot,
    Notification,
    Plan,
    Post,
    PublishAttempt,
    QueuedJob,
    RateLimitRow,
    Worker,
)

if TYPE_CHECKING:
    from mktdirector.core.credentials import Connection
    from mktdirector.core.http import Exchange
    from mktdirector.core.ratelimit import Transform


class Lifecycle(Protocol):
    def exists(self) -> bool:
        """Whether the store is there; reads that would create it return nothing instead."""
        ...

    def open(self) -> None:
        """Create and migrate the store now rather than on first use."""
        ...

    def close(self) -> None: ...


class DraftRepo(Protocol):
    """Drafts (the state machine is agents/content/drafts.py), their generations and plans."""

    def insert_draft(self, row: Mapping[str, Any]) -> Draft: ...

    def get_draft(self, draft_id: str) -> Draft:
        """By id, or by the end of exactly one id; else RecordNotFoundError."""
        ...

    def update_draft(self, draft_id: str, expected_status: str | None, **fields: Any) -> Draft:
        """Only from `expected_status` when given (checked atomically); else StateRefusedError."""
        ...

    def list_drafts(
        self, *, status: str | None = None, platform: str | None = None, limit: int = 100
    ) -> list[Draft]: ...

    def find_draft_by_input_key(self, input_key: str, statuses: Iterable[str]) -> Draft | None:
        """The newest draft made by the same request that is in one of `statuses`."""
        ...

    def draft_counts(self) -> list[dict[str, Any]]:
        """{platform, status, n} per platform and status."""
        ...

    def insert_generation(self, row: Mapping[str, Any]) -> str: ...

    def link_generation(
        self, generation_id: str, *, draft_id: str | None = None, plan_id: str | None = None
    ) -> None: ...

    def generation(self, generation_id: str) -> Generation | None: ...

    def generations_for_draft(self, draft_id: str) -> list[Generation]: ...

    def llm_cost_total(self, since_utc: str | None = None) -> float: ...

    def insert_plan(self, row: Mapping[str, Any]) -> Plan: ...

    def get_plan(self, plan_id: str) -> Plan: ...

    def set_plan_generation(self, plan_id: str, generation_id: str) -> None: ...

    def plan_draft_ids(self, plan_id: str) -> list[str]: ...

    def plan_steps_drafted(self, plan_id: str) -> set[int]: ...

    def list_plans(self, limit: int = 50) -> list[Plan]: ...


class PostLedger(Protocol):
    """Exactly-once publishing: the draft's lease, one intent row per segment, attempts."""

    def claim_draft(self, draft_id: str, owner: str, *, now: float, lease_s: float) -> Draft:
        """Take the publishing lease atomically, or StateRefusedError saying why not."""
        ...

    def renew_lease(self, draft_id: str, owner: str, until: float) -> None: ...

    def finish_draft(self, draft_id: str, owner: str, status: str, **fields: Any) -> None:
        """Leave `publishing` (only while `owner` holds the lease) and release the lease."""
        ...

    def draft_posts(self, draft_id: str) -> list[Post]: ...

    def write_intent(
        self,
        draft_id: str,
        segment: int,
        *,
        platform: str,
        account: str | None,
        text: str,
        reply_to: str | None,
    ) -> str:
        """Commit the intent to create one segment before the create call; the post row id."""
        ...

    def mark_post(self, post_id: str, status: str, **fields: Any) -> None: ...

    def record_attempt(
        self,
        draft_id: str,
        segment: int,
        outcome: str,
        *,
        error_kind: str | None = None,
        detail: str = "",
    ) -> None: ...

    def attempts(self, draft_id: str) -> list[PublishAttempt]: ...

    def published_posts(
        self, *, platform: str | None = None, since_utc: str | None = None
    ) -> list[Post]: ...


class JobQueue(Protocol):
    """Scheduled publishes and periodic work, claimed by workers under a lease."""

    def schedule_publish(
        self,
        draft_id: str,
        *,
        platform: str,
        account: str | None,
        due_utc: str,
        payload: dict[str, Any],
    ) -> Job: ...

    def cancel_publish(self, draft_id: str) -> Job: ...

    def get_job(self, job_id: str) -> Job: ...

    def find_publish_job(self, ref: str) -> Job | None: ...

    def list_jobs(
        self,
        *,
        statuses: tuple[str, ...] | None = ...,
        kinds: tuple[str, ...] | None = ...,
        limit: int = 200,
    ) -> list[QueuedJob]: ...

    def taken_slots(self, platform: str, *, exclude_draft: str | None = None) -> list[str]: ...

    def claim_job(
        self, owner: str, *, now: float, now_iso: str, due_before: str, lease_s: float
    ) -> Job | None:
        """The next due job (or one whose lease ran out before `now`), leased to `owner`."""
        ...

    def finish_job(
        self,
        job_id: str,
        owner: str,
        status: str,
        *,
        error: str | None = None,
        result: dict[str, Any] | None = None,
    ) -> bool: ...

    def requeue_job(
        self,
        job_id: str,
        owner: str,
        *,
        due_utc: str,
        error: str | None = None,
        result: dict[str, Any] | None = None,
        reset_attempts: bool = False,
    ) -> bool: ...

    def ensure_job(
        self, kind: str, *, due_utc: str, platform: str | None = None, account: str | None = None
    ) -> bool: ...

    def heartbeat(
        self, worker_id: str, *, host: str, pid: int, started_utc: str, jobs_done: int
    ) -> None: ...

    def prune_workers(self, before_utc: str) -> None: ...

    def worker_rows(self, limit: int = 5) -> list[Worker]: ...


class AuditLog(Protocol):
    """Every HTTP attempt and every auth event; never headers or bodies."""

    def record_exchange(self, ex: Exchange) -> None: ...

    def calls(
        self,
        *,
        platform: str | None = None,
        errors_only: bool = False,
        after_id: str | None = None,
        since_utc: str | None = None,
        limit: int = 50,
    ) -> list[AuditRow]:
        """The newest `limit` matching calls, oldest first."""
        ...

    def record_auth_event(
        self, platform: str, account: str | None, event: str, ok: bool, detail: str = ""
    ) -> None: ...

    def auth_events(self, platform: str | None = None, limit: int = 20) -> list[AuthEvent]: ...

    def platform_call_summary(self, since_utc: str) -> dict[str, dict[str, Any]]: ...


class MetricsRepo(Protocol):
    """Engagement snapshots of published posts, and which posts are due for one."""

    def add_snapshots(self, rows: Sequence[Mapping[str, Any]]) -> int: ...

    def latest_snapshots(
        self, *, draft_id: str | None = None, remote_id: str | None = None
    ) -> list[MetricSnapshot]:
        """The newest snapshot of each post."""
        ...

    def recent_snapshots(self, limit: int = 200) -> list[MetricSnapshot]: ...

    def platforms_with_posts_since(self, since_utc: str) -> list[str]: ...

    def posts_due_for_metrics(
        self,
        platform: str,
        *,
        hourly_since: str,
        daily_since: str,
        hour_ago: str,
        day_ago: str,
    ) -> list[Post]: ...


class ContactRepo(Protocol):
    """CRM contacts and web traffic, joined to drafts by utm_content."""

    def known_draft_ids(self, ids: Iterable[str]) -> set[str]: ...

    def drafts_with_posts(self, draft_ids: Iterable[str]) -> dict[str, dict[str, Any]]: ...

    def upsert_contacts(self, rows: Sequence[Mapping[str, Any]]) -> int: ...

    def contact_attribution(self, since_utc: str | None = None) -> list[dict[str, Any]]: ...

    def contact_count(self) -> int: ...

    def upsert_traffic(
        self,
        property_id: str,
        rows: Sequence[Mapping[str, Any]],
        *,
        start: str,
        end: str,
        taken: str,
    ) -> int: ...

    def traffic_summary(
        self, by: str, *, since: str, property_id: str | None = None
    ) -> list[dict[str, Any]]: ...

    def traffic_totals(self, *, since: str, property_id: str | None = None) -> dict[str, Any]: ...


class EmailLedger(Protocol):
    """Email sends, exactly once: an intent row (unique by send key) before the send call."""

    def write_email_intent(self, row: Mapping[str, Any]) -> str:
        """The new row's id; StateRefusedError when a send with the same key may have gone out."""
        ...

    def update_email(self, email_id: str, **fields: Any) -> None: ...

    def get_email(self, email_id: str) -> Email: ...

    def email_by_key(self, send_key: str) -> Email | None: ...

    def emails(
        self,
        *,
        draft_id: str | None = None,
        batch_id: str | None = None,
        status: str | None = None,
        limit: int = 50,
    ) -> list[Email]: ...

    def upsert_email_stats(self, rows: Sequence[Mapping[str, Any]]) -> int: ...


class RateState(Protocol):
    """Rate-limit state shared by every process (a CLI is many short processes)."""

    def transact(self, keys: list[str], fn: Transform) -> float:
        """Read the rows of `keys`, let `fn` decide, write its updates: one transaction."""
        ...

    def rate_limit_rows(self, platform: str | None = None) -> list[RateLimitRow]: ...


class SecretRows(Protocol):
    """Encrypted secrets, for hosts without a keyring (the store never sees plaintext)."""

    def get_secret(self, key: str) -> bytes | None: ...

    def put_secret(self, key: str, ciphertext: bytes) -> None: ...

    def delete_secret(self, key: str) -> None: ...


class Connections(Protocol):
    """The index of stored credentials: platform, account, expiry, scopes (no secrets)."""

    def record_connection(self, conn: Connection, store: str) -> None: ...

    def remove_connection(self, platform: str, account: str) -> None: ...

    def connections(self, platform: str | None = None) -> list[ConnectionRow]: ...


class Notifications(Protocol):
    """In-tool alerts, de-duplicated by cause, and their delivery to other channels."""

    def notify(
        self,
        kind: str,
        subject: str,
        message: str,
        *,
        severity: str = "error",
        platform: str | None = None,
        account: str | None = None,
        hint: str | None = None,
        dedupe_key: str | None = None,
        dedupe_since_utc: str | None = None,
    ) -> str | None:
        """The new notification's id, or None when the same cause is already known."""
        ...

    def notifications(self, *, unread_only: bool = True, limit: int = 50) -> list[Notification]: ...

    def unread_count(self) -> int: ...

    def unread_notifications(self, limit: int = 5) -> list[dict[str, Any]]: ...

    def ack(self, notification_id: str | None = None) -> int: ...

    def find_notification(self, ref: str) -> Notification | None: ...

    def alert_seen(self, cause: str, occurrence_key: str | None, since_utc: str) -> bool: ...

    def claim_undelivered(
        self, channel: str, *, since_utc: str, stale_utc: str, max_attempts: int, limit: int = 50
    ) -> list[Notification]: ...

    def mark_delivery(self, ids: list[str], channel: str, *, error: str | None = None) -> None: ...


class Monitoring(Protocol):
    """What `mktd status` and the alert rules read from the audit and state."""

    def call_windows(self, since_7d: str, since_24h: str) -> list[dict[str, Any]]: ...

    def failures_by_kind(self, since_7d: str, since_24h: str) -> list[dict[str, Any]]: ...

    def calls_by_platform(self) -> list[dict[str, Any]]: ...

    def latency_percentiles(self, since_utc: str) -> list[dict[str, Any]]: ...

    def last_success(self, platform: str, account: str) -> str | None: ...

    def latest_auth_events(self, since_utc: str) -> list[dict[str, Any]]: ...

    def queue_summary(self, now_utc: str) -> dict[str, Any]: ...

    def queued_by_platform(self) -> dict[str, int]: ...

    def troubled_drafts(self, since_utc: str) -> list[dict[str, Any]]: ...

    def auth_failures_from_calls(self, since_utc: str) -> list[dict[str, Any]]: ...

    def expiring_connections(self, until_utc: str) -> list[dict[str, Any]]: ...

    def failure_rates(self, since_utc: str) -> list[dict[str, Any]]: ...

    def skipped_jobs(self, since_utc: str) -> list[dict[str, Any]]: ...


class Reporting(Protocol):
    """Report figures, aggregated by the backend so a report costs what it matches."""

    def report_figures(
        self, channels: list[str], start: str, end: str, *, now_utc: str, rank_by: str
    ) -> dict[str, Any]: ...

    def report_daily_traffic(
        self, channels: list[str], first: str, last: str
    ) -> list[dict[str, Any]]: ...

    def report_daily_leads(
        self, channels: list[str], start: str, end: str
    ) -> list[dict[str, Any]]: ...


class StoreLike(
    Lifecycle,
    DraftRepo,
    PostLedger,
    JobQueue,
    AuditLog,
    MetricsRepo,
    ContactRepo,
    EmailLedger,
    RateState,
    SecretRows,
    Connections,
    Notifications,
    Monitoring,
    Reporting,
    Protocol,
):
    """The whole store, for the composition root and callers that use most of it."""
