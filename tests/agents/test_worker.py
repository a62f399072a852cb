"""The worker in-process, with an injected clock (no sleeping) and respx as X.

Scheduling and missed slots, rate-limit retries, a crashed worker's job reclaimed and reconciled,
a CLI publish racing the worker, the stop flag, analytics refresh cadence, token care.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx
from worker_deps import x_worker_deps

from mktdirector.agents.content import drafts
from mktdirector.agents.content.brand import Brand
from mktdirector.agents.social import schedule
from mktdirector.agents.worker.context import Settings
from mktdirector.agents.worker.loop import StopFlag, Worker
from mktdirector.core.clock import Clock as HttpClock
from mktdirector.core.when import to_iso

X = "http://x.test"
TOKEN = "x-user-token-SECRET-abcdef123456"
T0 = float(int(time.time()))  # "now" in these tests: real, so post timestamps line up


@pytest.fixture
def deps(monkeypatch, home):
    yield from x_worker_deps(monkeypatch, X, TOKEN)


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class FakeXApi:
    """POST /2/tweets (scripted failures), GET /2/users/me, the timeline, metrics lookup."""

    def __init__(self, router, *, fail=None):
        self.created: list[dict] = []
        self.fail = fail or {}
        self.calls = 0
        self.lookups = 0
        router.post(f"{X}/2/tweets").mock(side_effect=self.create)
        router.get(f"{X}/2/users/me").mock(
            return_value=httpx.Response(200, json={"data": {"id": "42", "username": "acme"}})
        )
        router.get(url__regex=rf"{X}/2/users/42/tweets.*").mock(side_effect=self.timeline)
        router.get(url__regex=rf"{X}/2/tweets\?.*").mock(side_effect=self.lookup)

    def create(self, request):
        self.calls += 1
        outcome = self.fail.get(self.calls)
        if isinstance(outcome, httpx.Response):
            return outcome
        text = json.loads(request.content)["text"]
        post_id = str(1_900_000_000_000_000_000 + len(self.created))
        self.created.append({"id": post_id, "text": text})
        return httpx.Response(201, json={"data": {"id": post_id, "text": text}})

    def timeline(self, request):
        data = [{"id": p["id"], "text": p["text"]} for p in reversed(self.created)]
        return httpx.Response(200, json={"data": data, "meta": {"result_count": len(data)}})

    def lookup(self, request):
        self.lookups += 1
        ids = request.url.params["ids"].split(",")
        data = [
            {"id": i, "text": "t", "public_metrics": {"like_count": 3, "impression_count": 10}}
            for i in ids
        ]
        return httpx.Response(200, json={"data": data})


def approved(deps, text="Scheduled post"):
    v = drafts.create_draft(
        deps.store, Brand(), platform="twitter", kind="post", body=[text], utm=False
    )
    drafts.approve(deps.store, v.id)
    return v.id


def scheduled(deps, at: float, text="Scheduled post"):
    did = approved(deps, text)
    schedule.schedule(deps.store, did, datetime.fromtimestamp(at, UTC), tz=UTC)
    return did


def make_worker(deps, clock, **settings):
    def clients(platform, account):
        c = deps.integration(platform, account)
        c.http.clock = HttpClock(sleep=lambda s: None)
        return c

    s = Settings(**{"lease_s": 60.0, "grace_s": 7200.0, **settings})
    return Worker(deps.store, clients, settings=s, clock=clock)


def publish_outcomes(outcomes):
    return [o for o in outcomes if o.kind == "publish"]


def job_of(deps, did):
    return next(r for r in deps.store.db.query("select * from jobs where draft_id = ?", [did]))


def test_due_post_is_published_once_and_not_before(deps):
    clock = Clock(T0)
    did = scheduled(deps, T0 + 3600)
    w = make_worker(deps, clock)
    with respx.mock(assert_all_called=False) as router:
        xs = FakeXApi(router)
        assert publish_outcomes(w.run_once()) == []  # not due yet
        clock.now = T0 + 3601
        [o] = publish_outcomes(w.run_once())
        assert publish_outcomes(w.run_once()) == []  # nothing left
    assert (o.status, o.draft_id) == ("done", did) and o.url.endswith(xs.created[0]["id"])
    assert xs.calls == 1 and deps.store.get_draft(did)["status"] == "published"
    job = job_of(deps, did)
    assert job["status"] == "done" and job["lease_owner"] is None and job["attempts"] == 1


def test_missed_slot_within_grace_is_published_late(deps):
    did = scheduled(deps, T0)
    clock = Clock(T0 + 100 * 60)
    with respx.mock(assert_all_called=False) as router:
        xs = FakeXApi(router)
        [o] = publish_outcomes(make_worker(deps, clock, grace_s=120 * 60).run_once())
    assert (
        o.status == "done" and xs.calls == 1 and deps.store.get_draft(did)["status"] == "published"
    )


def test_missed_slot_beyond_grace_is_skipped_and_the_user_told(deps):
    did = scheduled(deps, T0)
    clock = Clock(T0 + 3 * 3600)
    with respx.mock(assert_all_called=False) as router:
        xs = FakeXApi(router)
        [o] = publish_outcomes(make_worker(deps, clock, grace_s=120 * 60).run_once())
    assert o.status == "skipped" and xs.calls == 0
    assert f"mktd schedule {did} --at" in o.message
    assert deps.store.get_draft(did)["status"] == "approved"
    assert job_of(deps, did)["status"] == "skipped"
    [note] = [n for n in deps.store.notifications() if n["kind"] == "slot_skipped"]
    assert did in note["message"] and "skipped" in note["message"] and "3 h" in note["message"]
    assert note["hint"] == f'mktd schedule {did} --at "in 10m"'
    # The draft can be scheduled again at once.
    schedule.schedule(deps.store, did, datetime.now(UTC) + timedelta(hours=1), tz=UTC)


def test_skip_policy_publishes_on_time_and_skips_late(deps):
    on_time, late = scheduled(deps, T0, "On time"), scheduled(deps, T0 - 600, "Late")
    clock = Clock(T0 + 120)
    with respx.mock(assert_all_called=False) as router:
        xs = FakeXApi(router)
        outs = publish_outcomes(make_worker(deps, clock, late_policy="skip").run_once())
    status = {o.draft_id: o.status for o in outs}
    assert status == {on_time: "done", late: "skipped"}
    assert [p["text"] for p in xs.created] == ["On time"]


def test_rate_limit_requeues_at_retry_after_then_publishes(deps):
    did = scheduled(deps, T0)
    clock = Clock(T0 + 10)
    limited = httpx.Response(429, headers={"retry-after": "900"}, json={"title": "Too Many"})
    w = make_worker(deps, clock)
    with respx.mock(assert_all_called=False) as router:
        xs = FakeXApi(router, fail={1: limited})
        [o] = publish_outcomes(w.run_once())
        assert o.status == "retry"
        job = job_of(deps, did)
        assert job["status"] == "queued" and job["attempts"] == 1
        assert job["due_utc"] == to_iso(datetime.fromtimestamp(T0 + 10 + 900, UTC))
        assert deps.store.get_draft(did)["status"] == "scheduled"
        kinds = [n["kind"] for n in deps.store.notifications()]
        assert "rate_limited" in kinds and "publish_failed" not in kinds
        clock.now += 899
        assert publish_outcomes(w.run_once()) == []  # not before retry_after
        deps.store.db.execute("delete from rate_limit_state")  # the limiter runs on real time
        deps.store.db.conn.commit()
        clock.now += 2
        [o] = publish_outcomes(w.run_once())
    assert o.status == "done" and xs.calls == 2 and len(xs.created) == 1
    assert job_of(deps, did)["attempts"] == 2


def test_edited_after_scheduling_is_not_published(deps):
    did = scheduled(deps, T0)
    drafts.edit_draft(deps.store, Brand(), did, "Something else entirely")
    with respx.mock(assert_all_called=False) as router:
        xs = FakeXApi(router)
        [o] = publish_outcomes(make_worker(deps, Clock(T0 + 5)).run_once())
    assert o.status == "cancelled" and xs.calls == 0
    assert any(n["kind"] == "schedule_cancelled" for n in deps.store.notifications())


def test_a_refused_scheduled_publish_notifies_with_the_command_that_fixes_it(deps):
    # The draft is still `scheduled` but its content no longer matches what was approved (a
    # race the status check cannot see): the store refuses by kind, and the notification
    # carries the hint the CLI would print, not a `mktd publish` that would be refused again.
    did = scheduled(deps, T0)
    deps.store.update_draft(did, None, content_hash="0" * 64)
    with respx.mock(assert_all_called=False) as router:
        xs = FakeXApi(router)
        [o] = publish_outcomes(make_worker(deps, Clock(T0 + 5)).run_once())
    assert o.status == "failed" and xs.calls == 0
    [n] = [n for n in deps.store.notifications() if n["kind"] == "publish_failed"]
    assert n["hint"] == f"Review and approve it again: mktd drafts approve {did}"


def test_crashed_workers_job_is_reclaimed_after_its_lease_and_reconciled(deps):
    did = scheduled(deps, T0, "Sent by a worker that died")
    # A worker claimed the job, took the draft lease, wrote the intent, sent, and was killed.
    assert deps.store.claim_job("dead", now=T0, now_iso=to_iso(datetime.fromtimestamp(T0, UTC)),
                                due_before="9999", lease_s=60)  # fmt: skip
    deps.store.claim_draft(did, "dead", now=T0 - 120, lease_s=60)  # expired, on the test clock
    deps.store.write_intent(
        did, 0, platform="twitter", account=None, text="Sent by a worker that died", reply_to=None
    )
    clock = Clock(T0 + 30)
    with respx.mock(assert_all_called=False) as router:
        xs = FakeXApi(router)
        xs.created.append({"id": "1777", "text": "Sent by a worker that died"})
        assert publish_outcomes(make_worker(deps, clock).run_once()) == []  # lease still held
        clock.now = T0 + 61
        [o] = publish_outcomes(make_worker(deps, clock).run_once())
    assert o.status == "done" and xs.calls == 0  # read back, not resent
    assert deps.store.draft_posts(did)[0]["remote_id"] == "1777"
    outcomes = [a["outcome"] for a in deps.store.attempts(did)]
    assert outcomes == ["reconciled"]
    assert job_of(deps, did)["attempts"] == 2


def test_draft_published_by_the_cli_meanwhile_makes_the_job_wait_then_finish(deps):
    did = scheduled(deps, T0)
    deps.store.claim_draft(did, "cli", now=time.time(), lease_s=300)  # `mktd publish` at work
    clock = Clock(T0 + 5)
    w = make_worker(deps, clock)
    with respx.mock(assert_all_called=False) as router:
        xs = FakeXApi(router)
        [o] = publish_outcomes(w.run_once())
        assert o.status == "waiting" and xs.calls == 0
        deps.store.finish_draft(did, "cli", "published")
        clock.now += 31
        [o] = publish_outcomes(w.run_once())
    assert (o.status, o.message) == ("done", "already published") and xs.calls == 0


def test_draft_left_by_a_killed_cli_publish_is_taken_over_without_waiting(deps):
    import subprocess
    import sys

    from mktdirector.core.leases import owner_id

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()  # `mktd publish` killed (and reaped) while holding a 300 s lease
    parts = owner_id().split(":")
    parts[1] = str(proc.pid)
    did = scheduled(deps, T0)
    deps.store.claim_draft(did, ":".join(parts), now=time.time(), lease_s=300)
    with respx.mock(assert_all_called=False) as router:
        xs = FakeXApi(router)
        [o] = publish_outcomes(make_worker(deps, Clock(T0 + 5)).run_once())
    assert o.status == "done" and xs.calls == 1 and len(xs.created) == 1


def test_stop_flag_finishes_the_current_job_and_leaves_the_rest(deps):
    first, second = scheduled(deps, T0, "First"), scheduled(deps, T0 + 1, "Second")
    stop = StopFlag()
    with respx.mock(assert_all_called=False) as router:
        xs = FakeXApi(router)
        outs = make_worker(deps, Clock(T0 + 10)).run_once(
            stop=stop, on_outcome=lambda o: stop.set()
        )
    assert [o.draft_id for o in outs] == [first] and len(xs.created) == 1
    assert job_of(deps, second)["status"] == "queued"


def test_stop_flag_wait_wakes_promptly():
    stop = StopFlag()
    threading.Timer(0.1, stop.set).start()
    started = time.monotonic()
    stop.wait(60)
    assert time.monotonic() - started < 1.0


def test_missing_credentials_fail_the_job_with_one_notification(deps, monkeypatch):
    monkeypatch.delenv("TWITTER_ACCESS_TOKEN")
    did = scheduled(deps, T0)
    [o] = publish_outcomes(make_worker(deps, Clock(T0 + 5)).run_once())
    assert o.status == "failed" and job_of(deps, did)["status"] == "failed"
    [note] = [n for n in deps.store.notifications() if n["kind"] == "publish_failed"]
    assert note["hint"].startswith("mktd authorize twitter")


def test_periodic_jobs_are_single_and_heartbeat_is_recorded(deps):
    clock = Clock(T0)
    for _ in range(3):
        make_worker(deps, clock).run_once()
        clock.now += 400
    active = list(deps.store.db.query("select * from jobs where status in ('queued','running')"))
    assert [j["kind"] for j in active] == ["tokens"]
    workers = list(deps.store.db.query("select * from workers"))
    assert len(workers) == 3 and all(w["last_seen_utc"] for w in workers)


def _post(deps, did, remote_id, published: float):
    deps.store.db["posts"].insert(
        {"id": remote_id, "draft_id": did, "platform": "twitter", "segment": int(remote_id), "text": "t",
         "status": "published", "remote_id": remote_id,
         "published_utc": to_iso(datetime.fromtimestamp(published, UTC))}
    )  # fmt: skip


def _snap(deps, remote_id, taken: float):
    deps.store.add_snapshots(
        [{"platform": "twitter", "remote_id": remote_id,
          "taken_utc": to_iso(datetime.fromtimestamp(taken, UTC))}]
    )  # fmt: skip


def test_analytics_refresh_hourly_when_young_daily_until_90_days_then_never(deps):
    did = approved(deps)
    day = 86400
    _post(deps, did, "1", T0 - 2 * day)  # young, last snapshot 2 h ago: due
    _snap(deps, "1", T0 - 7200)
    _post(deps, did, "2", T0 - 2 * day)  # young, snapshot 10 min ago: not due
    _snap(deps, "2", T0 - 600)
    _post(deps, did, "3", T0 - 40 * day)  # 40 days, snapshot 3 h ago: daily, not due
    _snap(deps, "3", T0 - 3 * 3600)
    _post(deps, did, "4", T0 - 40 * day)  # 40 days, snapshot 2 days ago: due
    _snap(deps, "4", T0 - 2 * day)
    _post(deps, did, "5", T0 - 100 * day)  # too old: never
    _post(deps, did, "6", T0 - 1800)  # published 30 min ago, no snapshot yet: not due
    _post(deps, did, "7", T0 - 7200)  # published 2 h ago, no snapshot: due
    clock = Clock(T0)
    w = make_worker(deps, clock)
    with respx.mock(assert_all_called=False) as router:
        xs = FakeXApi(router)
        outs = [o for o in w.run_once() if o.kind == "analytics"]
        assert [o.details["posts"] for o in outs] == [3] and xs.lookups == 1
        clock.now += 60
        assert [o for o in w.run_once() if o.kind == "analytics"] == []  # next run in an hour
    job = next(deps.store.db.query("select * from jobs where kind = 'analytics'"))
    assert job["status"] == "queued" and job["due_utc"] == to_iso(
        datetime.fromtimestamp(T0 + 3600, UTC)
    )
    fresh = {r["remote_id"] for r in deps.store.db.query(
        "select remote_id from metric_snapshots where taken_utc > ?", [to_iso(datetime.fromtimestamp(T0 - 60, UTC))]
    )}  # fmt: skip
    assert fresh == {"1", "4", "7"}


class TokenClient:
    def __init__(self, log, platform, account, fail=False):
        self.log, self.key, self.fail = log, f"{platform}:{account}", fail
        self.connection = None

    def refresh(self):
        from mktdirector.core.errors import AuthenticationError

        if self.fail:
            raise AuthenticationError("refused", platform="twitter", status_code=400)
        self.log.append(self.key)
        return True

    def close(self):
        pass


def _connection(deps, platform, account, expires_in, refresh):
    deps.store.db["connections"].insert(
        {"platform": platform, "account": account, "store": "keyring", "has_refresh": int(refresh),
         "expires_utc": to_iso(datetime.fromtimestamp(T0 + expires_in, UTC))},
        pk=("platform", "account"),
    )  # fmt: skip


def test_tokens_refreshed_before_expiry_and_expiry_warned_once(deps):
    _connection(deps, "twitter", "soon", 300, True)  # refresh now
    _connection(deps, "twitter", "later", 3600, True)  # not yet
    _connection(deps, "linkedin", "li", 3 * 86400, False)  # warn once
    _connection(deps, "twitter", "broken", 60, True)  # refresh fails: notify
    refreshed: list[str] = []
    clock = Clock(T0)

    def clients(platform, account):
        return TokenClient(refreshed, platform, account, fail=account == "broken")

    w = Worker(deps.store, clients, clock=clock)
    [o] = [o for o in w.run_once() if o.kind == "tokens"]
    assert refreshed == ["twitter:soon"] and not o.quiet
    clock.now += 301
    w.run_once()
    kinds = [n["kind"] for n in deps.store.notifications(unread_only=False)]
    assert kinds.count("token_expiring") == 1 and kinds.count("auth_failed") == 1
    warn = next(n for n in deps.store.notifications() if n["kind"] == "token_expiring")
    assert warn["hint"] == "mktd authorize linkedin" and "cannot be refreshed" in warn["message"]
    deps.store.ack()  # read: still told only once
    clock.now += 301
    w.run_once()
    kinds = [n["kind"] for n in deps.store.notifications(unread_only=False)]
    assert kinds.count("token_expiring") == 1


def test_after_run_hook_runs_and_its_failure_does_not_stop_the_worker(deps):
    calls: list[int] = []

    def hook() -> None:
        calls.append(1)
        raise RuntimeError("slack is down")

    w = make_worker(deps, Clock(T0))
    w.after_run = hook
    w.run_once()
    w.run_once()
    assert calls == [1, 1]
