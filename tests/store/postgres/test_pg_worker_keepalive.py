"""`mktd worker` on PostgreSQL keeps its job's lease in PostgreSQL.

Found by the crash trials on PostgreSQL (tests/test_crash.py): the CLI worker's lease keep-alive
thread opened its second store on the home's SQLite file whatever MKTD_DATABASE_URL said. So on a
team database a long job's lease was never renewed (another host could take the job over while
its create was still in flight) and a stray, empty `mktd.db` appeared in the home.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import pg_fixture
from mktdirector.agents.content import drafts
from mktdirector.agents.content.brand import Brand
from mktdirector.agents.social import schedule
from mktdirector.agents.worker import jobs as worker_jobs
from mktdirector.core.paths import ensure_dir
from mktdirector.store.postgres.store import PostgresStore

pytestmark = pytest.mark.slow  # a PostgreSQL server


@pytest.fixture
def team_store(monkeypatch: pytest.MonkeyPatch, home: Path) -> Iterator[PostgresStore]:
    url = pg_fixture.migrated_url()
    monkeypatch.setenv("MKTD_DATABASE_URL", url)
    ensure_dir(home)
    store = PostgresStore(url)
    try:
        yield store
    finally:
        store.close()


def test_the_cli_workers_keepalive_renews_the_lease_in_postgresql(
    cli: Callable[..., Any], team_store: PostgresStore, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    v = drafts.create_draft(team_store, Brand(), platform="twitter", kind="post",
                            body=["A long job, kept alive"], utm=False)  # fmt: skip
    drafts.approve(team_store, v.id)
    schedule.schedule(team_store, v.id, datetime.fromtimestamp(time.time() - 5, UTC), tz=UTC)
    jid = next(team_store.db.query("select id from jobs where draft_id = ?", [v.id]))["id"]
    seen: list[float] = []

    def lease_until() -> float:
        row = next(team_store.db.query("select lease_until from jobs where id = ?", [jid]))
        return float(row["lease_until"])

    def slow_publish(w: Any, job: Any) -> Any:
        seen.append(lease_until())
        time.sleep(1.0)  # a slow platform call: several keep-alive beats (lease 0.4 s)
        seen.append(lease_until())
        return w.finish(job, "done", "slow but done")

    monkeypatch.setattr(worker_jobs, "publish", slow_publish)
    monkeypatch.setenv("MKTD_WORKER_LEASE_S", "0.4")
    result = cli("worker", "--once")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert len(seen) == 2 and seen[1] > seen[0], seen  # renewed in PostgreSQL while it ran
    assert not (home / "mktd.db").exists()  # nothing went to a SQLite file in the home
