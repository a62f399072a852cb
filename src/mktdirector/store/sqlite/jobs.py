"""The job queue (`jobs`) and worker heartbeats (`workers`).

A job is `queued` until `due_utc`, then `running` under one worker's lease (`lease_owner`,
`lease_until`), taken in one BEGIN IMMEDIATE transaction so two workers never hold the same job.
A lease that runs out (the worker crashed) makes the job claimable again; what the dead worker
may have sent is settled by the publisher's intent rows, not by doing the job blindly again.
Ends: done | failed | cancelled | skipped. Periodic jobs (analytics, tokens) are re-queued in
place, so there is at most one active row per kind and platform (m009's unique indexes).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any, cast

from mktdirector.core.leases import owner_is_gone
from mktdirector.store.errors import RecordNotFoundError, Refusal, StateRefusedError
from mktdirector.store.rows import DraftStatus, Job, JobStatus, Post, QueuedJob
from mktdirector.store.sqlite.db import INHERIT, RELAXED, Connected, immediate
from mktdirector.store.sqlite.dialect import SQLITE
from mktdirector.store.stamps import new_id, now_utc

ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
# The partial (status, due_utc) index's condition (m030), a term of each query that reads it:
# SQLite uses a partial index only when the query's WHERE has its condition word for word.
ACTIVE_WHERE = "status in ('queued', 'running')"
SCHEDULABLE = (DraftStatus.APPROVED, DraftStatus.SCHEDULED)
_WORKER_COLUMNS = ("id", "host", "pid", "started_utc", "last_seen_utc", "jobs_done")
# The published posts of a platform in the daily window, with the newer of their last snapshot
# and their publication. The last snapshot's time is the post's own latest_taken_utc (m028,
# kept by add_snapshots, mark_post and `db copy`): grouping the platform's whole
# metric_snapshots table for it cost a scan of every snapshot on each analytics run.
DUE_FOR_METRICS = """
    select p.*, max(coalesce(p.latest_taken_utc, p.published_utc), p.published_utc) as fresh
    from posts p
    where p.platform = :platform and p.status = 'published'
      and p.remote_id is not null and p.published_utc >= :daily_since
"""


def _abandoned_by_dead_owner(
    conn: sqlite3.Connection, *, exclude: str, skip_locked: str
) -> Job | None:
    """A running job whose lease is still on the clock but whose owner is certainly dead."""
    cur = conn.execute(
        "select * from jobs where status = 'running' and lease_owner is not null "
        f"and lease_owner != ? and {ACTIVE_WHERE} order by due_utc {skip_locked}",
        [exclude],
    )
    cols = [c[0] for c in cur.description]
    for values in cur.fetchall():
        row = dict(zip(cols, values, strict=True))
        if owner_is_gone(row["lease_owner"]):
            return _decode(row)
    return None


def _decode(row: Mapping[str, Any]) -> Job:
    out = dict(row)
    for key in ("payload", "result"):
        raw = out.get(f"{key}_json")
        out[key] = json.loads(raw) if raw else {}
    return cast(Job, out)


def _row(cur: sqlite3.Cursor) -> Job | None:
    found = cur.fetchone()
    if found is None:
        return None
    return _decode(dict(zip([c[0] for c in cur.description], found, strict=True)))


def _refused(draft_id: str, what: str, reason: Refusal) -> StateRefusedError:
    return StateRefusedError(
        f"Draft {draft_id} {what}", entity="draft", ref=draft_id, reason=reason
    )


class JobsMixin(Connected):
    # scheduling -------------------------------------------------------------------------------
    def schedule_publish(
        self,
        draft_id: str,
        *,
        platform: str,
        account: str | None,
        due_utc: str,
        payload: dict[str, Any],
    ) -> Job:
        """Queue (or move) the one publish job of an approved draft; the draft is `scheduled`.

        Draft and job change in one transaction, re-checking the approval inside it.
        """
        now = now_utc()
        with immediate(self.db) as conn:
            row = conn.execute(
                "select status, approved_hash, content_hash from drafts where id = ?", [draft_id]
            ).fetchone()
            if row is None or row[0] not in SCHEDULABLE or not row[1] or row[1] != row[2]:
                raise _refused(
                    draft_id, "is no longer approved as it was.", Refusal.NO_LONGER_APPROVED
                )
            job = conn.execute(
                "select id, status from jobs where kind = 'publish' and draft_id = ? "
                f"and status in ('queued', 'running') {self.dialect.for_update}",
                [draft_id],
            ).fetchone()
            if job and job[1] == JobStatus.RUNNING:
                raise _refused(draft_id, "is being published right now.", Refusal.BEING_PUBLISHED)
            if job:
                job_id = job[0]
                conn.execute(
                    "update jobs set due_utc = ?, payload_json = ?, attempts = 0, "
                    "last_error = null, updated_utc = ? where id = ?",
                    [due_utc, json.dumps(payload), now, job_id],
                )
            else:
                job_id = new_id()
                conn.execute(
                    "insert into jobs (id, kind, draft_id, platform, account, due_utc, status, "
                    "attempts, payload_json, created_utc, updated_utc) "
                    "values (?, 'publish', ?, ?, ?, ?, 'queued', 0, ?, ?, ?)",
                    [job_id, draft_id, platform, account, due_utc, json.dumps(payload), now, now],
                )
            conn.execute(
                "update drafts set status = 'scheduled', updated_utc = ? where id = ?",
                [now, draft_id],
            )
        return self.get_job(job_id)

    def cancel_publish(self, draft_id: str) -> Job:
        """Cancel a draft's queued publish job; the draft goes back to `approved`."""
        now = now_utc()
        with immediate(self.db) as conn:
            job = conn.execute(
                "select id, status from jobs where kind = 'publish' and draft_id = ? "
                f"and status in ('queued', 'running') {self.dialect.for_update}",
                [draft_id],
            ).fetchone()
            if job is None:
                raise _refused(draft_id, "has no queued publish job.", Refusal.NO_QUEUED_JOB)
            if job[1] == JobStatus.RUNNING:
                raise _refused(
                    draft_id,
                    "is being published right now; it cannot be cancelled.",
                    Refusal.BEING_PUBLISHED,
                )
            conn.execute(
                "update jobs set status = 'cancelled', updated_utc = ?, finished_utc = ? "
                "where id = ?",
                [now, now, job[0]],
            )
            conn.execute(
                "update drafts set status = 'approved', updated_utc = ? "
                "where id = ? and status = 'scheduled'",
                [now, draft_id],
            )
        return self.get_job(job[0])

    def get_job(self, job_id: str) -> Job:
        rows = list(self.db.query("select * from jobs where id = ?", [job_id]))
        if not rows:
            raise RecordNotFoundError("job", job_id)
        return _decode(rows[0])

    def find_publish_job(self, ref: str) -> Job | None:
        """The active publish job named by its id, its draft's id, or the end of either."""
        like = f"%{ref.strip().upper()}"
        sql = (
            "select * from jobs where kind = 'publish' and status in ('queued', 'running') "
            "and (id = ? or draft_id = ? or id like ? or draft_id like ?) limit 2"
        )
        rows = list(self.db.query(sql, [ref, ref, like, like]))
        return _decode(rows[0]) if len(rows) == 1 else None

    def list_jobs(
        self,
        *,
        statuses: tuple[str, ...] | None = ACTIVE,
        kinds: tuple[str, ...] | None = ("publish",),
        limit: int = 200,
    ) -> list[QueuedJob]:
        """Jobs by due time, with the draft's first segment (`preview`) for publish jobs."""
        where, params = ["1=1"], []
        if statuses:
            where.append(f"j.status in ({','.join('?' * len(statuses))})")
            params += list(statuses)
            if set(statuses) <= set(ACTIVE):
                where.append(f"j.{ACTIVE_WHERE}")  # the index's term (bound values are not)
        if kinds:
            where.append(f"j.kind in ({','.join('?' * len(kinds))})")
            params += list(kinds)
        sql = (
            "select j.*, d.body_json as draft_body_json, d.status as draft_status "
            "from jobs j left join drafts d on d.id = j.draft_id "
            f"where {' and '.join(where)} order by j.due_utc, j.created_utc limit ?"
        )
        out = []
        for r in self.db.query(sql, [*params, limit]):
            body = json.loads(r.pop("draft_body_json") or "null")
            first = body[0] if isinstance(body, list) and body else ""
            row = cast(QueuedJob, _decode(r))
            row["preview"] = first if isinstance(first, str) else ""
            out.append(row)
        return out

    def taken_slots(self, platform: str, *, exclude_draft: str | None = None) -> list[str]:
        """Due times of the platform's active publish jobs (for `--at next-slot`)."""
        sql = (
            "select due_utc from jobs where kind = 'publish' and platform = ? "
            "and status in ('queued', 'running') and coalesce(draft_id, '') != ?"
        )
        return [r["due_utc"] for r in self.db.query(sql, [platform, exclude_draft or ""])]

    # the worker -------------------------------------------------------------------------------
    def claim_job(
        self, owner: str, *, now: float, now_iso: str, due_before: str, lease_s: float
    ) -> Job | None:
        """Take the next due job (or one whose lease ran out) under a lease, atomically.

        Jobs abandoned by a dead worker come first: their draft may be half-published. A
        worker is dead when its lease ran out, or at once when it ran on this host and its
        process is gone (kill -9, OOM): the same test `claim_draft` applies (core/leases.py).
        The returned job then carries `taken_over_from`, the dead owner.
        """
        # Relaxed: a claim lost in a power cut only returns the job to the queue; a publish
        # job's FULL intent commit puts it on disk before anything is sent.
        with immediate(self.db, durability=RELAXED, row_locked=True) as conn:
            cur = conn.execute(
                f"select * from jobs where status = 'running' and lease_until < ? and "
                f"{ACTIVE_WHERE} order by due_utc limit 1 {self.dialect.skip_locked}",
                [now],
            )
            job = _row(cur)
            if job is None:
                job = _abandoned_by_dead_owner(
                    conn, exclude=owner, skip_locked=self.dialect.skip_locked
                )
            previous = job["lease_owner"] if job is not None else None
            if job is None:
                cur = conn.execute(
                    f"select * from jobs where status = 'queued' and due_utc <= ? and "
                    f"{ACTIVE_WHERE} order by due_utc, created_utc limit 1 "
                    f"{self.dialect.skip_locked}",
                    [due_before],
                )
                job = _row(cur)
            if job is None:
                return None
            conn.execute(
                "update jobs set status = 'running', lease_owner = ?, lease_until = ?, "
                "attempts = coalesce(attempts, 0) + 1, updated_utc = ? where id = ?",
                [owner, now + lease_s, now_iso, job["id"]],
            )
        if previous and previous != owner:
            job["taken_over_from"] = previous
        job["status"] = JobStatus.RUNNING
        job["lease_owner"] = owner
        job["lease_until"] = now + lease_s
        job["attempts"] = (job["attempts"] or 0) + 1
        return job

    def finish_job(
        self,
        job_id: str,
        owner: str,
        status: str,
        *,
        error: str | None = None,
        result: dict[str, Any] | None = None,
    ) -> bool:
        """End a job this worker holds (done | failed | cancelled | skipped); inside an
        outcome_batch it is part of that commit (a publish's end and its job's are one)."""
        now = now_utc()
        with immediate(self.db, durability=INHERIT) as conn:
            cur = conn.execute(
                "update jobs set status = ?, last_error = ?, result_json = ?, lease_owner = null, "
                "lease_until = null, updated_utc = ?, finished_utc = ? "
                "where id = ? and lease_owner = ? and status = 'running'",
                [status, error, json.dumps(result or {}), now, now, job_id, owner],
            )
            return cur.rowcount == 1

    def requeue_job(
        self,
        job_id: str,
        owner: str,
        *,
        due_utc: str,
        error: str | None = None,
        result: dict[str, Any] | None = None,
        reset_attempts: bool = False,
    ) -> bool:
        """Give a held job back to the queue, due at `due_utc` (a retry, or the next period)."""
        now = now_utc()
        attempts = "0" if reset_attempts else "attempts"
        with immediate(self.db) as conn:
            cur = conn.execute(
                f"update jobs set status = 'queued', due_utc = ?, last_error = ?, "
                f"result_json = coalesce(?, result_json), attempts = {attempts}, "
                "lease_owner = null, lease_until = null, updated_utc = ?, "
                "finished_utc = case when ? = 1 then ? else finished_utc end "
                "where id = ? and lease_owner = ? and status = 'running'",
                [
                    due_utc,
                    error,
                    json.dumps(result) if result is not None else None,
                    now,
                    int(reset_attempts),
                    now,
                    job_id,
                    owner,
                ],
            )
            return cur.rowcount == 1

    def ensure_job(
        self, kind: str, *, due_utc: str, platform: str | None = None, account: str | None = None
    ) -> bool:
        """Create a periodic job unless one of that kind (and platform) is already active."""
        now = now_utc()
        with immediate(self.db) as conn:
            cur = conn.execute(
                "insert into jobs (id, kind, platform, account, due_utc, status, attempts, "
                "payload_json, created_utc, updated_utc) "
                "select ?, ?, ?, ?, ?, 'queued', 0, '{}', ?, ? where not exists ("
                "select 1 from jobs where kind = ? and coalesce(platform, '') = ? "
                "and coalesce(account, '') = ? and status in ('queued', 'running'))",
                [new_id(), kind, platform, account, due_utc, now, now,
                 kind, platform or "", account or ""],
            )  # fmt: skip
            return cur.rowcount == 1

    def heartbeat(
        self, worker_id: str, *, host: str, pid: int, started_utc: str, jobs_done: int
    ) -> None:
        """Record that this worker is alive (`mktd status` shows "worker last seen")."""
        now = now_utc()
        with immediate(self.db) as conn:
            conn.execute(
                SQLITE.upsert("workers", _WORKER_COLUMNS, ("id",), ("last_seen_utc", "jobs_done")),
                [worker_id, host, pid, started_utc, now, jobs_done],
            )

    def renew_job_lease(self, job_id: str, owner: str, until: float) -> bool:
        """The worker's keep-alive: its job, and the draft that job publishes, stay leased.
        Relaxed: a renewal lost in a power cut only matters to a worker that died with it."""
        with immediate(self.db, durability=RELAXED) as conn:
            cur = conn.execute(
                "update jobs set lease_until = ? where id = ? and lease_owner = ? "
                "and status = 'running'",
                [until, job_id, owner],
            )
            if cur.rowcount != 1:
                return False
            conn.execute(
                "update drafts set lease_until = ? where lease_owner = ? and status = ? "
                "and id = (select draft_id from jobs where id = ?)",
                [until, owner, DraftStatus.PUBLISHING, job_id],
            )
        return True

    def prune_workers(self, before_utc: str) -> None:
        """Forget workers not seen since `before_utc` (cron starts one per minute)."""
        with immediate(self.db) as conn:
            conn.execute("delete from workers where last_seen_utc < ?", [before_utc])

    # analytics selection ----------------------------------------------------------------------
    def platforms_with_posts_since(self, since_utc: str) -> list[str]:
        sql = (
            "select distinct platform from posts where status = 'published' "
            "and remote_id is not null and published_utc >= ?"
        )
        return [r["platform"] for r in self.db.query(sql, [since_utc])]

    def posts_due_for_metrics(
        self,
        platform: str,
        *,
        hourly_since: str,
        daily_since: str,
        hour_ago: str,
        day_ago: str,
    ) -> list[Post]:
        """Published posts whose metrics are due: hourly while young, daily until old, then none.

        A post is due when neither its last snapshot nor its publication is more recent than
        the period (so the first snapshot comes an hour after publishing).
        """
        rows = self.db.query(DUE_FOR_METRICS, {"platform": platform, "daily_since": daily_since})
        due = []
        for r in rows:
            young = r["published_utc"] >= hourly_since
            if r["fresh"] <= (hour_ago if young else day_ago):
                due.append(cast(Post, {k: v for k, v in r.items() if k != "fresh"}))
        return due
