"""Issue 16: a worker's calls say who caused them (the approver) and which worker sent them."""

from __future__ import annotations

import json
import socket
import time
from datetime import UTC, datetime

import httpx
import pytest
import respx
from worker_deps import x_worker_deps

from mktdirector.agents.content import drafts
from mktdirector.agents.content.brand import Brand
from mktdirector.agents.social import schedule
from mktdirector.agents.worker.context import Settings
from mktdirector.agents.worker.loop import Worker
from mktdirector.core.clock import Clock as HttpClock

X = "http://x.test"
TOKEN = "x-user-token-SECRET-actor-0123456789"
T0 = float(int(time.time()))


@pytest.fixture
def deps(monkeypatch, home):  # type: ignore[no-untyped-def]
    yield from x_worker_deps(monkeypatch, X, TOKEN)


def _created(request: httpx.Request) -> httpx.Response:
    text = json.loads(request.content)["text"]
    return httpx.Response(201, json={"data": {"id": "1900000000000000001", "text": text}})


def test_a_publish_job_is_logged_as_the_approver_via_the_worker(deps, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MKTD_USER", "carol")  # carol approves and schedules
    v = drafts.create_draft(deps.store, Brand(), platform="twitter", kind="post",
                            body=["Going out while carol sleeps"], utm=False)  # fmt: skip
    drafts.approve(deps.store, v.id)
    schedule.schedule(deps.store, v.id, datetime.fromtimestamp(T0 + 60, UTC), tz=UTC)
    monkeypatch.setenv("MKTD_USER", "svc")  # the worker runs as the service user

    def clients(platform, account):  # type: ignore[no-untyped-def]
        c = deps.integration(platform, account)
        c.http.clock = HttpClock(sleep=lambda s: None)
        return c

    worker = Worker(deps.store, clients, settings=Settings(lease_s=60.0), clock=lambda: T0 + 61)
    with respx.mock(assert_all_called=False) as router:
        router.post(f"{X}/2/tweets").mock(side_effect=_created)
        router.get(f"{X}/2/users/me").respond(200, json={"data": {"id": "42", "username": "a"}})
        outcomes = worker.run_once()
    assert [o.status for o in outcomes if o.kind == "publish"] == ["done"]
    rows = [r for r in deps.store.calls(limit=100) if r["correlation_id"] == v.id]
    assert rows and {r["actor"] for r in rows} == {f"carol via worker:svc@{socket.gethostname()}"}
    assert TOKEN not in str(deps.store.calls(limit=100))
    # The draft itself says the same: published by the worker, for carol (was the bare "svc").
    assert (
        deps.store.get_draft(v.id)["published_by"] == f"carol via worker:svc@{socket.gethostname()}"
    )
