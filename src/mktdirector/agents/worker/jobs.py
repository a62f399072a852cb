"""What each kind of job does (the loop, claiming and leases are in agents/worker/loop.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mktdirector.agents.content import drafts
from mktdirector.agents.hints import add_hint
from mktdirector.agents.worker.context import Outcome, WorkerContext
from mktdirector.core import errors as E
from mktdirector.core.leases import owner_is_gone
from mktdirector.core.platforms import PLATFORMS
from mktdirector.core.when import from_iso, local_label
from mktdirector.store.rows import DraftStatus, JobStatus, Post, PostStatus

MAX_ATTEMPTS = 5  # network and server failures; a rate limit retries until it clears
BACKOFF_S = (60.0, 300.0, 900.0, 3600.0)
REFRESH_WITHIN_S = 600.0  # refresh OAuth tokens this close to expiry
WARN_WITHIN_S = 7 * 86400.0  # warn about tokens that cannot be refreshed
HOURLY_DAYS, DAILY_DAYS = 30, 90
SLACK_S = 300.0  # a snapshot a few minutes early still counts for its period
WAIT_POLL_S = 30.0  # a draft leased by another process is looked at again this often


def _label(platform: str | None) -> str:
    info = PLATFORMS.get(platform or "")
    return info.label if info else str(platform)


def _account(value: str | None) -> str | None:
    # "env" marks a token from the environment: asking for it by name would miss it.
    return None if value in (None, "", "env") else value


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 else f"{hours // 24} days"


# publish --------------------------------------------------------------------------------------
def publish(w: WorkerContext, job: Mapping[str, Any]) -> Outcome:
    """A due publish: settle the draft's state, then let the Publisher do the exactly-once part."""
    store, now, did = w.store, w.clock(), job["draft_id"]
    try:
        d = store.get_draft(did)
    except E.UsageError:
        return w.finish(job, JobStatus.FAILED, f"draft {did} no longer exists")
    settled = _settled(w, job, d, now)
    if settled is not None:
        return settled
    late = now - from_iso(job["due_utc"]).timestamp()
    if (
        d["status"] == DraftStatus.SCHEDULED
        and late > w.settings.late_allowed_s
        and not _started(w, did)
    ):
        return _skip(w, job, d, late)
    from mktdirector.agents.social.publishing import publish_draft

    platform = job["platform"] or d["platform"]
    ended: list[bool] = []

    def end_job() -> None:
        # In the commit that marks the draft published: the draft and its job end together.
        ended.append(store.finish_job(job["id"], w.owner, JobStatus.DONE))

    try:
        client = w.client(platform, _account(job.get("account")))
        result = publish_draft(
            store,
            client,
            did,
            image=job["payload"].get("image"),
            owner=w.owner,
            lease_s=w.settings.lease_s,
            # Unsynced: the next job's intent row and the run's last heartbeat are FULL
            # commits and put it on disk; a power cut before them leaves the intent row,
            # which the next run settles (docs/reliability.md).
            durable_outcome=False,
            on_published=end_job,
        )
    except E.RateLimitError as e:
        wait = max(e.retry_after or 60.0, 1.0)
        return _retry(w, job, did, e, wait, rate_limited=True, account=client.account)
    except E.UsageError as e:
        # Refused before the lease: another process took the draft, or it changed just now.
        again = _settled(w, job, store.get_draft(did), w.clock())
        if again is not None:
            return again
        return _failed(w, job, did, e)
    except E.MktdError as e:
        if e.retryable and job["attempts"] < MAX_ATTEMPTS:
            wait = BACKOFF_S[min(job["attempts"], len(BACKOFF_S)) - 1]
            return _retry(w, job, did, e, wait)
        return _failed(w, job, did, e)
    first = result.posts[0]["url"] if result.posts else None
    if result.status == DraftStatus.PUBLISHED:
        if ended and ended[0]:
            return w.outcome(job, JobStatus.DONE, f"published to {_label(platform)}", url=first)
        return w.finish(job, JobStatus.DONE, f"published to {_label(platform)}", url=first)
    return w.finish(job, JobStatus.FAILED, result.message, url=first)


def _settled(
    w: WorkerContext, job: Mapping[str, Any], d: Mapping[str, Any], now: float
) -> Outcome | None:
    """An outcome when the draft's state decides the job without publishing, else None."""
    did, status = d["id"], d["status"]
    if status == DraftStatus.PUBLISHED:
        url = next((r["url"] for r in w.store.draft_posts(did) if r["url"]), None)
        return w.finish(job, JobStatus.DONE, "already published", url=url)
    if status == DraftStatus.NEEDS_CHECK:
        return w.finish(job, JobStatus.FAILED, "needs a human check first (see mktd notifications)")
    if status == DraftStatus.REJECTED:
        return w.finish(job, JobStatus.CANCELLED, "the draft was rejected")
    if status in {DraftStatus.DRAFT, DraftStatus.APPROVED}:
        msg = f"Draft {did} changed after it was scheduled; it was not published."
        w.store.notify(
            "schedule_cancelled",
            f"{d['platform']} draft {did}",
            msg,
            severity="warning",
            platform=d["platform"],
            hint=f"mktd drafts approve {did} && mktd schedule {did} --at WHEN",
            dedupe_key=f"schedule_cancelled:{job['id']}",
        )
        return w.finish(job, JobStatus.CANCELLED, msg)
    lease_owner, lease_until = d.get("lease_owner"), d.get("lease_until") or 0.0
    live = lease_until > now and not owner_is_gone(lease_owner)  # a dead local owner: take over
    if status == DraftStatus.PUBLISHING and lease_owner not in (None, w.owner) and live:
        # Look again soon: the other process usually finishes well before its lease ends.
        at = min(lease_until + 1.0, now + WAIT_POLL_S)
        return w.requeue(job, at, "waiting", "being published by another mktd process")
    return None


def _started(w: WorkerContext, did: str) -> bool:
    """Whether anything of the draft may have been sent (then it is finished, never skipped)."""
    return any(r["status"] != PostStatus.FAILED for r in w.store.draft_posts(did))


def _skip(w: WorkerContext, job: Mapping[str, Any], d: Mapping[str, Any], late: float) -> Outcome:
    did, platform = d["id"], d["platform"]
    slot = local_label(from_iso(job["due_utc"]), w.tz)
    again = "next-slot" if w.slots(platform) else '"in 10m"'
    hint = f"mktd schedule {did} --at {again}"
    drafts.transition(w.store, did, DraftStatus.APPROVED)
    msg = (
        f"Missed slot {slot} for draft {did} on {_label(platform)}: the worker ran "
        f"{_duration(late)} late, beyond the grace; skipped."
    )
    w.store.notify(
        "slot_skipped",
        f"{platform} draft {did}",
        msg,
        severity="warning",
        platform=platform,
        hint=hint,
        dedupe_key=f"slot_skipped:{did}@{job['id']}",  # the alert rules' key: told once
    )
    return w.finish(job, JobStatus.SKIPPED, f"{msg} Reschedule with: {hint}")


def _back_to_scheduled(w: WorkerContext, did: str) -> None:
    # The Publisher marked the draft failed; with a retry queued it is scheduled again.
    try:
        if w.store.get_draft(did)["status"] == DraftStatus.FAILED:
            drafts.transition(w.store, did, DraftStatus.SCHEDULED)
    except E.UsageError:
        pass  # moved on meanwhile (edited, published elsewhere): the retry will see it


def _retry(
    w: WorkerContext,
    job: Mapping[str, Any],
    did: str,
    err: E.MktdError,
    wait: float,
    *,
    rate_limited: bool = False,
    account: str | None = None,
) -> Outcome:
    _back_to_scheduled(w, did)
    at = w.clock() + wait
    when = local_label(from_iso(w.iso(at)), w.tz)
    if rate_limited:
        platform = job["platform"]
        w.store.notify(
            "rate_limited",
            f"{_label(platform)} publishing",
            f"{_label(platform)} rate limit reached; draft {did} is queued and retried at {when}.",
            severity="warning",
            platform=platform,
            hint="mktd queue list",
            account=account,
            dedupe_key=f"rate_limit:{platform}:{account or ''}",  # the alert rules' cause
            dedupe_since_utc=w.iso(w.clock() - 3600),
        )
    return w.requeue(job, at, "retry", f"{err.message} Retrying at {when}.")


def _failed(w: WorkerContext, job: Mapping[str, Any], did: str, err: E.MktdError) -> Outcome:
    # Same key as the Publisher's own notification: told once, whoever noticed first.
    w.store.notify(
        "publish_failed",
        f"{job['platform']} draft {did}",
        f"Scheduled publish of {did} failed: {err.message}",
        platform=job["platform"],
        hint=add_hint(err).hint or f"mktd publish {did}",
        dedupe_key=f"publish_failed:{did}",
    )
    return w.finish(job, JobStatus.FAILED, err.message)


# analytics ------------------------------------------------------------------------------------
def analytics(w: WorkerContext, job: Mapping[str, Any]) -> Outcome:
    """Snapshot metrics of the platform's posts whose refresh is due, then come back in an hour."""
    from mktdirector.agents.analytics.social import fetch_metrics
    from mktdirector.integrations.capabilities import as_post_metrics_source

    now, platform = w.clock(), job["platform"]
    posts = w.store.posts_due_for_metrics(
        platform,
        hourly_since=w.iso(now - HOURLY_DAYS * 86400),
        daily_since=w.iso(now - DAILY_DAYS * 86400),
        hour_ago=w.iso(now - 3600 + SLACK_S),
        day_ago=w.iso(now - 86400 + SLACK_S),
    )
    nxt = now + w.periods["analytics"]
    if not posts:
        return w.requeue(job, nxt, JobStatus.DONE, "no posts due", periodic=True, quiet=True)
    by_account: dict[str | None, list[Post]] = {}
    for p in posts:
        by_account.setdefault(_account(p.get("account")), []).append(p)
    snapshots, notes = 0, []
    for account, group in by_account.items():
        try:
            client = w.client(platform, account)
            if client.connection is None or not client.connection.secret():
                notes.append(f"no {_label(platform)} credentials")
                continue
            res = fetch_metrics(w.store, as_post_metrics_source(client), posts=group)
        except E.MktdError as e:
            notes.append(e.message)
            continue
        snapshots += res.snapshots
        notes += [n for n in [res.skipped, *res.errors] if n]
    msg = f"{snapshots} snapshot(s) of {len(posts)} post(s)" + (f"; {notes[0]}" if notes else "")
    details = {"posts": len(posts), "snapshots": snapshots, "notes": notes[:5]}
    return w.requeue(job, nxt, JobStatus.DONE, msg, periodic=True, details=details)


# tokens ---------------------------------------------------------------------------------------
def tokens(w: WorkerContext, job: Mapping[str, Any]) -> Outcome:
    """Refresh tokens about to expire; warn once about those that cannot be refreshed."""
    now = w.clock()
    done: list[str] = []
    for row in w.store.connections():
        expires = row["expires_utc"]
        if not expires:
            continue
        platform, account = row["platform"], row["account"]
        left = from_iso(expires).timestamp() - now
        label = _label(platform)
        if row.get("has_refresh"):
            if left > REFRESH_WITHIN_S:
                continue
            try:
                if w.client(platform, account).refresh():
                    done.append(f"refreshed {platform}:{account}")
            except E.MktdError as e:
                done.append(f"refresh failed {platform}:{account}")
                w.store.notify(
                    "auth_failed",
                    f"Token refresh failed: {label} account {account}",
                    f"Could not refresh the {label} token for {account}: {e.message}",
                    platform=platform,
                    account=account,
                    hint=f"mktd authorize {platform}",
                    dedupe_key=f"auth:{platform}:{account}",  # the alert rules' cause
                    dedupe_since_utc=w.iso(now - 3600),
                )
        elif left <= WARN_WITHIN_S:
            day = expires[:10]
            what = f"expired on {day}" if left <= 0 else f"expires in {_duration(left)} ({day})"
            nid = w.store.notify(
                "token_expiring",
                f"{label} account {account}",
                f"The {label} token for {account} {what} and cannot be refreshed.",
                severity="warning" if left > 0 else "error",
                platform=platform,
                account=account,
                hint=f"mktd authorize {platform}",
                # The alert rules' key; "0": once per connection and expiry, read or not.
                dedupe_key=f"token_expiry:{platform}:{account}@{row['expires_utc']}",
                dedupe_since_utc="0",
            )
            if nid:
                done.append(f"warned {platform}:{account}")
    msg = "; ".join(done) or "all tokens fine"
    nxt = now + w.periods["tokens"]
    return w.requeue(
        job, nxt, JobStatus.DONE, msg, periodic=True, quiet=not done, details={"done": done}
    )
