"""Publishing exactly once, and the queue of scheduled and periodic work."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol

from mktdirector.store.rows import Draft, Job, Post, PublishAttempt, QueuedJob, Worker


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

    def outcome_batch(self, *, durable: bool = True) -> AbstractContextManager[None]:
        """One commit for the ledger writes made inside (never around a send)."""
        ...

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
        self,
        *,
        platform: str | None = None,
        since_utc: str | None = None,
        until_utc: str | None = None,
    ) -> list[Post]: ...

    def published_page(
        self,
        *,
        limit: int,
        before: tuple[str, str] | None = None,
        platform: str | None = None,
        since_utc: str | None = None,
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

    def renew_job_lease(self, job_id: str, owner: str, until: float) -> bool:
        """Extend a running job's lease (and its draft's) while `owner` still holds it."""
        ...

    def worker_rows(self, limit: int = 5) -> list[Worker]: ...
