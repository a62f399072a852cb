"""Issue 12 item 7: a worker killed with kill -9 does not keep its job for the lease's length.

Same host: the next `worker --once` sees the lease owner's pid is gone and takes the job over
at once, saying so ("job X is leased by a dead worker; taking over") instead of "Nothing was
due". Other hosts (no pid to check): leases are 60 s and renewed every few seconds by a live
worker's keep-alive thread, so a dead one's job is taken over within a minute.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime

import httpx
import pytest
import respx
from worker_deps import x_worker_deps

from mktdirector.agents.content import drafts
from mktdirector.agents.content.brand import Brand
from mktdirector.agents.social import schedule
from mktdirector.agents.worker import jobs as worker_jobs
from mktdirector.agents.worker.context import Settings
from mktdirector.agents.worker.loop import Worker
from mktdirector.core.clock import Clock as HttpClock
from mktdirector.core.leases import owner_id
from mktdirector.core.when import to_iso

X = "http://x.test"
TOKEN = "x-user-token-SECRET-abcdef123456"
T0 = float(int(time.time()))


@pytest.fixture
def deps(monkeypatch, home):
    yield from x_worker_deps(monkeypatch, X, TOKEN)


@pytest.fixture
def x():
    """X's create endpoint (counting posts) and what the publisher reads back."""
    created: list[str] = []

    def create(request):
        text = json.loads(request.content)["text"]
        created.append(text)
        return httpx.Response(201, json={"data": {"id": str(1000 + len(created)), "text": text}})

    with respx.mock(assert_all_called=False) as router:
        router.post(f"{X}/2/tweets").mock(side_effect=create)
        router.get(f"{X}/2/users/me").mock(
            return_value=httpx.Response(200, json={"data": {"id": "42", "username": "acme"}})
        )
        router.get(url__regex=rf"{X}/2/users/42/tweets.*").mock(
            return_value=httpx.Response(200, json={"data": [], "meta": {"result_count": 0}})
        )
        yield created


def dead_owner() -> str:
    """An owner id of this host whose process has exited (as after kill -9)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    parts = owner_id().split(":")
    parts[1] = str(proc.pid)
    return ":".join(parts)


def scheduled_job(deps, text: str = "Post of a killed worker") -> tuple[str, str]:
    v = drafts.create_draft(deps.store, Brand(), platform="twitter", kind="post", body=[text],
                            utm=False)  # fmt: skip
    drafts.approve(deps.store, v.id)
    schedule.schedule(deps.store, v.id, datetime.fromtimestamp(T0 - 5, UTC), tz=UTC)
    job = next(deps.store.db.query("select id from jobs where draft_id = ?", [v.id]))
    return v.id, job["id"]


def lease_job(deps, owner: str, *, at: float, lease_s: float) -> None:
    job = deps.store.claim_job(owner, now=at, now_iso=to_iso(datetime.fromtimestamp(at, UTC)),
                               due_before=to_iso(datetime.fromtimestamp(at, UTC)), lease_s=lease_s)  # fmt: skip
    assert job is not None and job["lease_owner"] == owner


def worker(deps, now: float, notices: list[str], **kw) -> Worker:
    def clients(platform, account):
        c = deps.integration(platform, account)
        c.http.clock = HttpClock(sleep=lambda s: None)
        return c

    settings = Settings.from_config(deps.config.get)
    return Worker(deps.store, clients, settings=settings, clock=lambda: now,
                  on_notice=notices.append, **kw)  # fmt: skip


def test_a_job_leased_by_a_dead_local_worker_is_taken_over_at_once(deps, x):
    did, jid = scheduled_job(deps)
    lease_job(deps, dead_owner(), at=T0, lease_s=300.0)  # the lease has ~5 minutes left
    notices: list[str] = []
    outs = [o for o in worker(deps, T0 + 1, notices).run_once() if o.kind == "publish"]
    assert [(o.status, o.draft_id) for o in outs] == [("done", did)]
    assert len(notices) == 1
    assert f"job {jid}" in notices[0] and "is leased by a dead worker; taking over" in notices[0]
    assert x == ["Post of a killed worker"]  # published once
    assert deps.store.get_draft(did)["status"] == "published"


def test_a_live_worker_on_another_host_keeps_its_job_until_its_lease_ends(deps, x):
    did, _ = scheduled_job(deps)
    lease_job(deps, "elsewhere:4242:abcdef12", at=T0, lease_s=60.0)
    notices: list[str] = []
    assert [o for o in worker(deps, T0 + 30, notices).run_once() if o.kind == "publish"] == []
    assert notices == [] and x == []
    # Its lease (60 s, the default) ran out: it stopped renewing it, so it is dead.
    outs = [o for o in worker(deps, T0 + 61, notices).run_once() if o.kind == "publish"]
    assert [o.status for o in outs] == ["done"] and len(x) == 1
    assert "was elsewhere:4242" in notices[0]


def test_the_default_lease_frees_a_dead_workers_job_within_a_minute(deps):
    assert Settings.from_config(deps.config.get).lease_s <= 60.0


def test_a_live_worker_renews_its_lease_while_a_long_job_runs(deps, monkeypatch):
    from mktdirector.store import Store

    did, jid = scheduled_job(deps)
    path = deps.store.path
    seen: list[float] = []

    def slow_publish(w, job):
        other = Store(path)
        try:
            start = next(other.db.query("select lease_until from jobs where id = ?", [jid]))
            time.sleep(0.6)  # a slow platform call
            end = next(other.db.query("select lease_until from jobs where id = ?", [jid]))
            seen.extend([start["lease_until"], end["lease_until"]])
        finally:
            other.close()
        return w.finish(job, "done", "slow but done")

    monkeypatch.setattr(worker_jobs, "publish", slow_publish)
    monkeypatch.setenv("MKTD_WORKER_LEASE_S", "0.4")
    clock = [T0]
    w = worker(deps, T0, [], keepalive_store=lambda: Store(path))
    w.clock = lambda: clock[0]
    clock[0] = T0  # the keep-alive uses the worker's clock: move it to see renewals
    import threading

    def tick():
        for _ in range(12):
            time.sleep(0.05)
            clock[0] += 1.0

    threading.Thread(target=tick, daemon=True).start()
    w.run_once()
    assert seen[1] > seen[0], seen  # renewed while the job ran


def test_worker_once_says_it_takes_over_instead_of_nothing_was_due(cli, deps, x):
    did, jid = scheduled_job(deps, "Resumed by the CLI worker")
    lease_job(deps, dead_owner(), at=time.time(), lease_s=300.0)
    deps.close()
    r = cli("worker", "--once")
    assert r.exit_code == 0, r.stderr
    out = r.stdout + r.stderr
    assert f"job {jid}" in out and "leased by a dead worker; taking over" in out
    assert "Nothing was due" not in out
    assert x == ["Resumed by the CLI worker"]
