"""The worker: runs what is due, one leased job at a time, and never publishes twice.

Jobs (the `jobs` table):
- `publish`: a scheduled draft, through the Publisher (its own draft lease, intent rows and
  read-back). A job left `running` by a dead worker is claimed again once its lease runs out,
  and the Publisher settles what the dead worker may have sent before sending anything.
  A rate limit re-queues the job at `retry_after`; a missed slot is published late within
  `schedule.grace_minutes`, else skipped with a notification (`schedule.late_policy`).
- `analytics` (per platform, hourly): metrics of posts younger than 30 days every hour, of
  posts 30-90 days old once a day, then never again. (Our reading of the issue's "hourly
  refresh of posts younger than 30 days (then daily, then stop)"; the 90 is ours.)
- `tokens` (every 5 minutes): refresh OAuth tokens that expire within 10 minutes and have a
  refresh token; warn once per connection when one without expires within 7 days.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from mktdirector.agents.worker import jobs as worker_jobs
from mktdirector.agents.worker.actor import job_actor
from mktdirector.agents.worker.context import Outcome, Settings
from mktdirector.core.clock import Now, Sleep
from mktdirector.core.correlation import correlated_by
from mktdirector.core.leases import owner_id
from mktdirector.core.people import acting
from mktdirector.core.when import to_iso
from mktdirector.integrations.base import Integration
from mktdirector.store import StoreLike
from mktdirector.store.rows import JobStatus

log = logging.getLogger("mktd.worker")
ClientFactory = Callable[[str, "str | None"], Integration]
PERIODS_S = {"tokens": 300.0, "analytics": 3600.0}
ANALYTICS_DAYS = 90  # posts older than this are no longer refreshed
BEAT_EVERY_S = 5.0
FORGET_WORKERS_AFTER = timedelta(days=7)


def takeover_message(job: Mapping[str, Any]) -> str:
    """Said when a job is claimed from a worker that died holding it (kill -9, OOM, a crash)."""
    dead = str(job.get("taken_over_from") or "")
    host_pid = ":".join(dead.split(":")[:2])  # host:pid, not the random suffix
    what = f"{job['kind']} {job['draft_id']}" if job.get("draft_id") else job["kind"]
    return f"job {job['id']} is leased by a dead worker; taking over ({what}, was {host_pid})"


class KeepAlive:
    """While a job runs, renew its lease (and its draft's) every few seconds from a thread.

    Leases are short (worker.lease_seconds, 60 s by default) so that a worker that died on
    another host, where its pid cannot be checked, is taken over within a minute; a live
    worker keeps them by this heartbeat, whatever one platform call takes.
    """

    def __init__(self, worker: Worker, job: Mapping[str, Any]) -> None:
        self.worker, self.job = worker, job
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        self.every = max(0.05, min(BEAT_EVERY_S, worker.settings.lease_s / 4))

    def __enter__(self) -> KeepAlive:
        if self.worker.keepalive_store is not None:
            self.thread = threading.Thread(target=self._run, name="mktd-keepalive", daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()

    def _run(self) -> None:
        assert self.worker.keepalive_store is not None
        w, store = self.worker, self.worker.keepalive_store()
        try:
            while not self.stop.wait(self.every):
                held = store.renew_job_lease(
                    self.job["id"], w.owner, w.clock() + w.settings.lease_s
                )
                if not held:
                    return  # finished (or taken over): nothing left to keep
        except Exception:  # noqa: BLE001 - a lost heartbeat costs a lease, never the job
            log.exception("lease keep-alive failed for job %s", self.job["id"])
        finally:
            store.close()


class StopFlag:
    """Set by a signal handler, read between jobs. Only a plain assignment: signal-safe."""

    def __init__(self) -> None:
        self._set = False

    def set(self) -> None:
        self._set = True

    def is_set(self) -> bool:
        return self._set

    def wait(self, seconds: float, *, step: float = 0.2, sleep: Sleep = time.sleep) -> None:
        """Sleep up to `seconds`, waking within `step` of the flag being set."""
        deadline = time.monotonic() + seconds
        while not self._set:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            sleep(min(step, left))


class Worker:
    """Claims and runs due jobs; `run_once` for cron, `run_forever` for a long-lived process."""

    def __init__(
        self,
        store: StoreLike,
        clients: ClientFactory,
        *,
        settings: Settings | None = None,
        clock: Now = time.time,  # tests pass a later time: a lease runs out without waiting
        owner: str | None = None,
        tz: tzinfo = UTC,
        slots: Callable[[str], str | None] = lambda platform: None,
        after_run: Callable[[], object] | None = None,
        on_notice: Callable[[str], object] | None = None,
        keepalive_store: Callable[[], StoreLike] | None = None,
    ) -> None:
        self.store = store
        self.clients = clients
        self.settings = settings or Settings()
        self.clock = clock
        self.owner = owner or owner_id()
        self.tz = tz  # for the times in notifications
        self.slots = slots  # `schedule.<platform>`, to suggest `--at next-slot`
        self.periods = dict(PERIODS_S)
        self.after_run = after_run  # alerts: evaluate the rules, deliver to Slack/email
        self.on_notice = on_notice  # what the user should know as it happens (a takeover)
        # A second connection for the keep-alive thread (a sqlite3 connection must not run
        # two threads' transactions); None: leases are not renewed while a job runs.
        self.keepalive_store = keepalive_store
        self.started_utc = self.iso(clock())
        self.jobs_done = 0
        self._beat_at = 0.0
        self._clients: dict[tuple[str, str | None], Integration] = {}

    @staticmethod
    def iso(epoch: float) -> str:
        return to_iso(datetime.fromtimestamp(epoch, UTC))

    # loop ---------------------------------------------------------------------------------------
    def run_once(
        self, *, stop: StopFlag | None = None, on_outcome: Callable[[Outcome], None] | None = None
    ) -> list[Outcome]:
        """Run every job due now (each once), then return. A set `stop` ends it between jobs."""
        start = self.clock()
        self.beat(force=True)
        self.ensure_periodic(start)
        outcomes: list[Outcome] = []
        try:
            while not (stop and stop.is_set()):
                now = self.clock()
                job = self.store.claim_job(
                    self.owner,
                    now=now,
                    now_iso=self.iso(now),
                    due_before=self.iso(start),  # what a job re-queues for now waits a run
                    lease_s=self.settings.lease_s,
                )
                if job is None:
                    break
                if job.get("taken_over_from"):
                    self.notice(takeover_message(job))
                outcome = self.run_job(job)
                outcomes.append(outcome)
                self.jobs_done += 1
                log.info(
                    "job %s %s: %s %s", job["id"], job["kind"], outcome.status, outcome.message
                )
                if on_outcome:
                    on_outcome(outcome)
                self.beat()
        finally:
            self.close_clients()
        self.beat(force=True)
        if self.after_run is not None:
            try:
                self.after_run()
            except Exception:  # noqa: BLE001 - alert delivery must not stop publishing
                log.exception("after-run hook (alerts) failed")
        return outcomes

    def run_forever(
        self,
        interval: float,
        stop: StopFlag,
        *,
        on_outcome: Callable[[Outcome], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`run_once` every `interval` seconds until `stop` is set (SIGTERM: within ~0.2 s).

        A run that fails as a whole (the database locked for longer than the busy timeout, a
        full disk) is logged and reported to `on_error`; the next run tries again.
        """
        while not stop.is_set():
            try:
                self.run_once(stop=stop, on_outcome=on_outcome)
            except Exception as exc:  # noqa: BLE001 - a long-lived worker outlives bad runs
                log.exception("worker run failed")
                if on_error:
                    on_error(exc)
            stop.wait(interval, sleep=sleep)

    def notice(self, message: str) -> None:
        log.warning("%s", message)
        if self.on_notice is not None:
            self.on_notice(message)

    def beat(self, *, force: bool = False) -> None:
        """Heartbeat in `workers` (at most every few seconds unless forced)."""
        now = self.clock()
        if not force and now - self._beat_at < BEAT_EVERY_S:
            return
        if self._beat_at == 0.0:
            self.store.prune_workers(self.iso(now - FORGET_WORKERS_AFTER.total_seconds()))
        self._beat_at = now
        self.store.heartbeat(
            self.owner,
            host=socket.gethostname(),
            pid=os.getpid(),
            started_utc=self.started_utc,
            jobs_done=self.jobs_done,
        )

    def ensure_periodic(self, now: float) -> None:
        self.store.ensure_job("tokens", due_utc=self.iso(now))
        since = self.iso(now - ANALYTICS_DAYS * 86400)
        for platform in self.store.platforms_with_posts_since(since):
            self.store.ensure_job("analytics", platform=platform, due_utc=self.iso(now))

    # jobs ---------------------------------------------------------------------------------------
    @correlated_by("job", "id")  # while it publishes, the Publisher ties calls to the draft
    def run_job(self, job: Mapping[str, Any]) -> Outcome:
        """Run one claimed job; every outcome ends, re-queues or hands back the job."""
        runner = {
            "publish": worker_jobs.publish,
            "analytics": worker_jobs.analytics,
            "tokens": worker_jobs.tokens,
        }.get(job["kind"])
        try:
            if runner is None:
                return self.finish(job, JobStatus.FAILED, f"unknown job kind {job['kind']!r}")
            with KeepAlive(self, job), acting(job_actor(self.store, job)):
                return runner(self, job)
        except Exception as exc:  # noqa: BLE001 - one bad job must not stop the others
            log.exception("job %s (%s) crashed", job["id"], job["kind"])
            msg = f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"[:300]
            return self.finish(job, JobStatus.FAILED, msg)

    def client(self, platform: str, account: str | None) -> Integration:
        key = (platform, account)
        if key not in self._clients:
            self._clients[key] = self.clients(platform, account)
        return self._clients[key]

    def close_clients(self) -> None:
        for c in self._clients.values():
            try:
                c.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
        self._clients.clear()

    def finish(
        self, job: Mapping[str, Any], status: str, message: str, *, quiet: bool = False, **kw: Any
    ) -> Outcome:
        """End the job (done/failed/skipped/cancelled) and describe it."""
        error = None if status == JobStatus.DONE else message
        self.store.finish_job(job["id"], self.owner, status, error=error, result=kw.get("details"))
        return self.outcome(job, status, message, quiet=quiet, **kw)

    def requeue(
        self,
        job: Mapping[str, Any],
        at: float,
        status: str,
        message: str,
        *,
        periodic: bool = False,
        quiet: bool = False,
        **kw: Any,
    ) -> Outcome:
        """Hand the job back to the queue, due at `at` (a retry, a wait, the next period)."""
        self.store.requeue_job(
            job["id"],
            self.owner,
            due_utc=self.iso(at),
            error=None if periodic else message,
            result=kw.get("details") if periodic else None,
            reset_attempts=periodic,
        )
        return self.outcome(job, status, message, quiet=quiet, **kw)

    @staticmethod
    def outcome(job: Mapping[str, Any], status: str, message: str, **kw: Any) -> Outcome:
        return Outcome(
            job_id=job["id"],
            kind=job["kind"],
            status=status,
            message=message,
            draft_id=job.get("draft_id"),
            platform=job.get("platform"),
            **kw,
        )
