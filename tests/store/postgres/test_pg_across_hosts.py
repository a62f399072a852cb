"""What must hold between hosts sharing one PostgreSQL database: each host is its own
connection here (a PostgresStore), as each host's mktd process is."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

import pg_fixture
from mktdirector.core.errors import StoreError
from mktdirector.store.postgres.store import PostgresStore
from mktdirector.wiring import Deps


@pytest.fixture
def hosts() -> Any:
    url = pg_fixture.migrated_url()
    made: list[PostgresStore] = []

    def host() -> PostgresStore:
        s = PostgresStore(url)
        s.open()
        made.append(s)
        return s

    yield host
    for s in made:
        s.close()


def test_a_named_lock_excludes_other_hosts_until_released(hosts: Any) -> None:
    a, b = hosts(), hosts()
    with a.named_lock("oauth-refresh:twitter:acme"):
        started = time.monotonic()
        with (
            pytest.raises(StoreError, match="held the lock"),
            b.named_lock("oauth-refresh:twitter:acme", timeout=0.3),
        ):
            pass
        assert time.monotonic() - started >= 0.3
        with b.named_lock("oauth-refresh:twitter:other", timeout=0.3):
            pass  # another name is another lock
    with b.named_lock("oauth-refresh:twitter:acme", timeout=0.3):
        pass


def test_a_dead_hosts_lock_frees_itself(hosts: Any) -> None:
    a, b = hosts(), hosts()
    cm = a.named_lock("oauth-refresh:linkedin:me")
    cm.__enter__()
    a._pg.raw.close()  # the host dies holding it: its session ends  # type: ignore[union-attr]
    with b.named_lock("oauth-refresh:linkedin:me", timeout=5):
        pass


def test_rate_limit_read_modify_write_is_atomic_across_hosts(hosts: Any) -> None:
    stores = [hosts() for _ in range(4)]
    per_host = 25

    def take(rows: dict[str, Any]) -> tuple[dict[str, Any], float]:
        row = rows["x:calls"] or {"platform": "x", "count": 0}
        time.sleep(0.001)  # widen the window a lost update would need
        return {"x:calls": {**row, "count": row["count"] + 1}}, 0.0

    def run(s: PostgresStore) -> None:
        for _ in range(per_host):
            s.transact(["x:calls"], take)

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert stores[0].rate_limit_rows("x")[0]["count"] == 4 * per_host


def test_oauth_clients_refresh_under_the_databases_lock(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MKTD_DATABASE_URL", pg_url)
    deps = Deps()
    try:
        client = deps.integration("twitter")
        assert client.refresh_lock == deps.store.named_lock  # type: ignore[attr-defined]
        assert client.tokens.lock == deps.store.named_lock  # type: ignore[attr-defined]
    finally:
        deps.store.close()


def test_on_sqlite_the_refresh_keeps_the_file_lock() -> None:
    deps = Deps()
    client = deps.integration("twitter")
    assert client.refresh_lock is None  # type: ignore[attr-defined]


def test_a_lease_of_another_host_is_kept_until_it_runs_out_then_taken_over(
    hosts: Any,
) -> None:
    from mktdirector.store.errors import StateRefusedError

    a, b = hosts(), hosts()
    draft = a.insert_draft(
        {"platform": "linkedin", "kind": "post", "body_json": '["Hi"]', "content_hash": "h",
         "status": "approved", "approved_hash": "h"}
    )  # fmt: skip
    # Owners name their host: another host's process cannot be checked, only its lease.
    owner_a, owner_b = "host-a:4242:aaaa1111", "host-b:4242:bbbb2222"
    t0 = 1_900_000_000.0
    assert a.claim_draft(draft["id"], owner_a, now=t0, lease_s=30)["lease_owner"] == owner_a
    with pytest.raises(StateRefusedError, match="another mktd process"):
        b.claim_draft(draft["id"], owner_b, now=t0 + 29, lease_s=30)
    a.renew_lease(draft["id"], owner_a, t0 + 60)  # host A's heartbeat
    with pytest.raises(StateRefusedError, match="another mktd process"):
        b.claim_draft(draft["id"], owner_b, now=t0 + 59, lease_s=30)
    # Host A dies: no more heartbeats; once the lease runs out host B takes the draft over.
    taken = b.claim_draft(draft["id"], owner_b, now=t0 + 61, lease_s=30)
    assert taken["lease_owner"] == owner_b and taken["status"] == "publishing"


@pytest.mark.slow  # restarts the server
def test_a_store_outlives_a_server_restart(hosts: Any) -> None:
    import psycopg

    a = hosts()
    a.notify("test", "before", "the restart")
    cluster = pg_fixture.cluster()
    cluster._run("pg_ctl", "-D", str(cluster.dir / "data"), "-l", str(cluster.dir / "log"),
                 "-m", "fast", "-w", "restart",
                 "-o", f"-p {cluster.port} -k {cluster.dir} {pg_fixture._SERVER_OPTIONS}")  # fmt: skip
    # The statement that meets the dropped connection fails (the CLI prints one line) ...
    with pytest.raises(psycopg.OperationalError):
        a.unread_count()
    # ... and the next one runs on a new connection: a worker carries on with its next cycle.
    assert a.unread_count() == 1
