"""JobQueue: scheduling a publish, claiming due jobs under a lease, expiry, ends, periodic jobs.

Time is injected: `claim_job` is told now (epoch) and what is due; nothing sleeps.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mktdirector.store.errors import RecordNotFoundError, Refusal, StateRefusedError
from mktdirector.store.protocols import StoreLike
from mktdirector.store.rows import Draft, DraftStatus, JobStatus

NOW = 1_800_000_000.0
NOW_ISO = "2027-01-15T08:00:00.000Z"
EARLIER = "2027-01-15T07:00:00Z"
LATER = "2027-01-15T09:00:00Z"


def schedule(
    store: StoreLike, add_draft: Callable[..., Draft], due: str = EARLIER
) -> tuple[str, str]:
    d = add_draft(approved=True)
    job = store.schedule_publish(d["id"], platform="linkedin", account=None, due_utc=due,
                                 payload={"image": None})  # fmt: skip
    return d["id"], job["id"]


def claim(store: StoreLike, owner: str, now: float = NOW) -> str | None:
    job = store.claim_job(owner, now=now, now_iso=NOW_ISO, due_before=NOW_ISO, lease_s=60)
    return None if job is None else job["id"]


def test_scheduling_queues_one_job_and_marks_the_draft(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    did, jid = schedule(store, add_draft)
    job = store.get_job(jid)
    assert (job["kind"], job["status"], job["draft_id"], job["payload"]) == (
        "publish", JobStatus.QUEUED, did, {"image": None},
    )  # fmt: skip
    assert store.get_draft(did)["status"] == DraftStatus.SCHEDULED
    # rescheduling moves the same job
    again = store.schedule_publish(did, platform="linkedin", account=None, due_utc=LATER,
                                   payload={})  # fmt: skip
    assert again["id"] == jid and again["due_utc"] == LATER
    listed = store.list_jobs()
    assert [(j["id"], j["draft_status"], j["preview"]) for j in listed] == [
        (jid, "scheduled", "Hello from the contract tests")
    ]
    assert store.taken_slots("linkedin") == [LATER]
    assert store.taken_slots("linkedin", exclude_draft=did) == []
    found = store.find_publish_job(did[-5:])
    assert found is not None and found["id"] == jid


def test_scheduling_an_unapproved_draft_is_refused_and_queues_nothing(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    d = add_draft()
    with pytest.raises(StateRefusedError) as info:
        store.schedule_publish(d["id"], platform="linkedin", account=None, due_utc=LATER,
                               payload={})  # fmt: skip
    assert info.value.reason is Refusal.NO_LONGER_APPROVED
    assert store.list_jobs(statuses=None, kinds=None) == []
    assert store.get_draft(d["id"]) == d


def test_cancelling_returns_the_draft_to_approved(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    did, jid = schedule(store, add_draft)
    assert store.cancel_publish(did)["status"] == JobStatus.CANCELLED
    assert store.get_draft(did)["status"] == DraftStatus.APPROVED
    assert store.list_jobs() == [] and store.find_publish_job(did) is None
    with pytest.raises(StateRefusedError) as info:
        store.cancel_publish(did)
    assert info.value.reason is Refusal.NO_QUEUED_JOB


def test_a_running_job_cannot_be_cancelled_or_moved(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    did, jid = schedule(store, add_draft)
    assert claim(store, "w1") == jid

    def move() -> None:
        store.schedule_publish(did, platform="linkedin", account=None, due_utc=LATER, payload={})

    def cancel() -> None:
        store.cancel_publish(did)

    for change in (cancel, move):
        with pytest.raises(StateRefusedError) as info:
            change()
        assert info.value.reason is Refusal.BEING_PUBLISHED
        job = store.get_job(jid)
        assert (job["status"], job["lease_owner"], job["due_utc"]) == ("running", "w1", EARLIER)


def test_only_due_jobs_are_claimed_and_each_by_one_worker(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    _, due = schedule(store, add_draft, EARLIER)
    schedule(store, add_draft, LATER)
    job = store.claim_job("w1", now=NOW, now_iso=NOW_ISO, due_before=NOW_ISO, lease_s=60)
    assert job is not None and job["id"] == due
    assert (job["status"], job["lease_owner"], job["lease_until"], job["attempts"]) == (
        "running", "w1", NOW + 60, 1,
    )  # fmt: skip
    assert store.get_job(due)["lease_owner"] == "w1"
    assert claim(store, "w2") is None  # the other one is not due yet


def test_an_expired_lease_is_taken_over_first(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    _, jid = schedule(store, add_draft)
    schedule(store, add_draft)
    assert claim(store, "w1") == jid
    other = claim(store, "w2", now=NOW + 1)
    assert other not in (None, jid)
    assert claim(store, "w3", now=NOW + 59) is None  # w1's lease still holds
    assert claim(store, "w3", now=NOW + 61) == jid
    job = store.get_job(jid)
    assert (job["lease_owner"], job["attempts"]) == ("w3", 2)
    assert not store.finish_job(jid, "w1", JobStatus.DONE)  # w1 lost it


def test_a_held_job_ends_or_goes_back_to_the_queue(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    _, jid = schedule(store, add_draft)
    claim(store, "w1")
    assert store.requeue_job(jid, "w1", due_utc=LATER, error="rate limited", result={"n": 1})
    job = store.get_job(jid)
    assert (job["status"], job["due_utc"], job["last_error"], job["result"]) == (
        "queued", LATER, "rate limited", {"n": 1},
    )  # fmt: skip
    assert job["lease_owner"] is None and job["attempts"] == 1
    later = NOW + 7200
    got = store.claim_job("w2", now=later, now_iso=LATER, due_before=LATER, lease_s=60)
    assert got is not None and got["attempts"] == 2
    assert store.finish_job(jid, "w2", JobStatus.DONE, result={"ok": True})
    done = store.get_job(jid)
    assert (done["status"], done["result"], done["finished_utc"] is not None) == (
        "done", {"ok": True}, True,
    )  # fmt: skip
    assert not store.finish_job(jid, "w2", JobStatus.FAILED)  # already ended


def test_a_periodic_job_is_queued_once_per_kind_and_platform(store: StoreLike) -> None:
    assert store.ensure_job("analytics", due_utc=EARLIER, platform="twitter")
    assert not store.ensure_job("analytics", due_utc=LATER, platform="twitter")
    assert store.ensure_job("analytics", due_utc=EARLIER, platform="linkedin")
    assert store.ensure_job("tokens", due_utc=EARLIER)
    jobs = store.list_jobs(kinds=("analytics", "tokens"))
    assert sorted((j["kind"], j["platform"]) for j in jobs) == [
        ("analytics", "linkedin"), ("analytics", "twitter"), ("tokens", None),
    ]  # fmt: skip


def test_an_unknown_job_is_not_found(store: StoreLike) -> None:
    with pytest.raises(RecordNotFoundError) as info:
        store.get_job("nope")
    assert info.value.entity == "job"


def test_workers_beat_and_are_pruned(store: StoreLike) -> None:
    store.heartbeat("w1", host="h", pid=1, started_utc=EARLIER, jobs_done=0)
    store.heartbeat("w1", host="h", pid=1, started_utc=EARLIER, jobs_done=3)
    [w] = store.worker_rows()
    assert (w["id"], w["jobs_done"], w["started_utc"]) == ("w1", 3, EARLIER)
    store.prune_workers("2999-01-01")
    assert store.worker_rows() == []


def test_a_live_worker_keeps_its_lease_by_renewing_it(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    """Issue 12 item 7: short leases, renewed by the holder (the worker's keep-alive)."""
    _, jid = schedule(store, add_draft)
    assert claim(store, "w1") == jid
    assert store.renew_job_lease(jid, "w1", NOW + 120)
    assert claim(store, "w2", now=NOW + 61) is None  # renewed: still w1's
    assert not store.renew_job_lease(jid, "w2", NOW + 500)  # only the holder renews
    assert claim(store, "w2", now=NOW + 121) == jid  # it stopped renewing: taken over
    assert not store.renew_job_lease(jid, "w1", NOW + 500)  # w1 lost it


def test_a_job_whose_local_owner_died_is_taken_over_before_its_lease_ends(
    store: StoreLike, add_draft: Callable[..., Draft]
) -> None:
    import subprocess
    import sys

    from mktdirector.core.leases import owner_id

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    parts = owner_id().split(":")
    parts[1] = str(proc.pid)
    dead = ":".join(parts)
    _, jid = schedule(store, add_draft)
    assert claim(store, dead) == jid
    got = store.claim_job("w2", now=NOW + 1, now_iso=NOW_ISO, due_before=NOW_ISO, lease_s=60)
    assert got is not None and got["id"] == jid and got.get("taken_over_from") == dead
