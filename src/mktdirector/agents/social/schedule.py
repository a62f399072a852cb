"""Scheduling approved drafts: read WHEN in the user's zone, queue one publish job per draft.

Neither LinkedIn nor X schedules organic posts, so mktd keeps the schedule (the `jobs` table) and
the worker publishes when a job is due. The approval is re-checked when the job runs (the
publisher's claim compares the content hash), so an edit after scheduling publishes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from mktdirector.core import slots
from mktdirector.core import when as W
from mktdirector.core.errors import UsageError
from mktdirector.store import StoreLike
from mktdirector.store.rows import DraftStatus, JobStatus

ConfigGetter = Callable[[str], Any]


@dataclass
class QueuedJob:
    """A publish job as the user sees it: when (their zone), what, and how it went."""

    job_id: str
    draft_id: str | None
    platform: str | None
    due_utc: datetime
    tz: tzinfo
    status: str
    kind: str = "publish"
    attempts: int = 0
    last_error: str | None = None
    preview: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def when(self) -> str:
        return W.local_label(self.due_utc, self.tz)

    @property
    def short_when(self) -> str:
        """`Tue 10 Mar 09:00 CET` (the year only when it is not this one), for tables."""
        local = self.due_utc.astimezone(self.tz)
        fmt = "%a %d %b %H:%M" if local.year == datetime.now(self.tz).year else "%a %d %b %Y %H:%M"
        return f"{local.strftime(fmt)} {local.tzname() or ''}".rstrip()

    @property
    def note(self) -> str:
        """Why the job will not do what it says (an edited draft), or its last error."""
        status = self.extra.get("draft_status")
        if (
            self.kind == "publish"
            and self.status == JobStatus.QUEUED
            and status in {DraftStatus.DRAFT, DraftStatus.REJECTED}
        ):
            return f"the draft is {status} now: it will not be published"
        return self.last_error or ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.job_id,
            "kind": self.kind,
            "draft_id": self.draft_id,
            "platform": self.platform,
            "status": self.status,
            "due_utc": W.to_iso(self.due_utc),
            "due_local": self.due_utc.astimezone(self.tz).isoformat(timespec="minutes"),
            "timezone": str(self.tz),
            "attempts": self.attempts,
            "last_error": self.last_error,
            "preview": self.preview,
            **self.extra,
        }


@dataclass(frozen=True)
class When:
    """A resolved WHEN: the moment (UTC) and the zone it is shown in."""

    at: datetime
    tz: tzinfo

    @property
    def label(self) -> str:
        return W.local_label(self.at, self.tz)


def user_tz(config: ConfigGetter, override: str | None = None) -> ZoneInfo:
    """`--tz` if given, else `schedule.timezone` (MKTD_TZ), else TZ, else the system zone."""
    if override is not None:
        return W.zone(override)
    return W.user_zone(config("schedule.timezone"))


def resolve_when(
    text: str,
    *,
    store: StoreLike,
    config: ConfigGetter,
    platform: str,
    tz: tzinfo,
    now: datetime | None = None,
    draft_id: str | None = None,
) -> datetime:
    """WHEN as a UTC time: a time the user typed, or `next-slot` from `schedule.<platform>`."""
    now = now or datetime.now(UTC)
    if text.strip().lower() != W.NEXT_SLOT:
        return W.parse_when(text, now=now, tz=tz)
    spec = config(f"schedule.{platform}")
    if not spec:
        raise UsageError(
            f"No recurring slots are set for {platform}.",
            hint=f'mktd config set schedule.{platform} "Tue,Thu 09:00"',
        )
    taken = (
        [W.from_iso(t) for t in store.taken_slots(platform, exclude_draft=draft_id)]
        if store.exists()
        else []
    )
    return slots.next_slot(spec, now=now, tz=tz, taken=taken)


def check_schedulable(draft: Mapping[str, Any]) -> None:
    """Only an approved draft, unchanged since approval, for a social network."""
    from mktdirector.agents.social.publishing import check_publishable

    check_publishable(draft)
    did, status = draft["id"], draft["status"]
    if status in {DraftStatus.DRAFT, DraftStatus.REJECTED}:
        raise UsageError(
            f"Draft {did} is {status}; only approved drafts can be scheduled.",
            hint=f"mktd drafts approve {did}",
        )
    if status == DraftStatus.PUBLISHED:
        raise UsageError(f"Draft {did} is already published.", hint=f"mktd drafts show {did}")
    if status in {DraftStatus.PUBLISHING, DraftStatus.NEEDS_CHECK, DraftStatus.FAILED}:
        hint = (
            f"mktd publish {did} --resolve posted|not-posted"
            if status == DraftStatus.NEEDS_CHECK
            else f"mktd publish {did}"
        )
        raise UsageError(f"Draft {did} is {status}; it cannot be scheduled.", hint=hint)
    if not draft["approved_hash"] or draft["approved_hash"] != draft["content_hash"]:
        raise UsageError(
            f"Draft {did} changed since it was approved.",
            hint=f"Review and approve it again: mktd drafts approve {did}",
        )


def schedule(
    store: StoreLike,
    draft_id: str,
    at: datetime,
    *,
    tz: tzinfo,
    image: str | None = None,
) -> QueuedJob:
    """Queue the draft's publish job at `at` (moving an existing one); the draft is scheduled."""
    draft = store.get_draft(draft_id)
    check_schedulable(draft)
    payload: dict[str, Any] = {"slot_utc": W.to_iso(at), "timezone": str(tz)}
    if image:
        payload["image"] = image
    row = store.schedule_publish(
        draft["id"],
        platform=draft["platform"],
        account=draft.get("account"),
        due_utc=W.to_iso(at),
        payload=payload,
    )
    return _view(row, tz, preview=_preview(draft))


def cancel(store: StoreLike, ref: str, *, tz: tzinfo) -> QueuedJob:
    """Cancel a queued publish (by job or draft id); the draft goes back to approved."""
    job = store.find_publish_job(ref) if store.exists() else None
    if job is None or job["draft_id"] is None:
        raise UsageError(f"No queued publish job or draft {ref!r}.", hint="mktd queue list")
    row = store.cancel_publish(job["draft_id"])
    return _view(row, tz)


def queue(
    store: StoreLike, *, tz: tzinfo, everything: bool = False, limit: int = 200
) -> list[QueuedJob]:
    """Active publish jobs by due time; `everything` adds finished and periodic jobs."""
    if not store.exists():
        return []
    rows = (
        store.list_jobs(statuses=None, kinds=None, limit=limit)
        if everything
        else store.list_jobs(limit=limit)
    )
    return [_view(r, tz) for r in rows]


def _preview(draft: Mapping[str, Any]) -> str:
    body = draft.get("body")
    first = body[0] if isinstance(body, list) and body else ""
    return first if isinstance(first, str) else ""


def _view(row: Mapping[str, Any], tz: tzinfo, preview: str | None = None) -> QueuedJob:
    extra = {}
    if row.get("draft_status"):
        extra["draft_status"] = row["draft_status"]
    return QueuedJob(
        job_id=row["id"],
        draft_id=row.get("draft_id"),
        platform=row.get("platform"),
        due_utc=W.from_iso(row["due_utc"]),
        tz=tz,
        status=row["status"],
        kind=row["kind"],
        attempts=row.get("attempts") or 0,
        last_error=row.get("last_error"),
        preview=(preview if preview is not None else row.get("preview") or "")[:200],
        extra=extra,
    )
