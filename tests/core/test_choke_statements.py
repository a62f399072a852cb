"""Issue 17 item 2: what one request at the choke point asks of the store, statement by statement.

The reservation reads the rows it counts and writes them in one statement; what the answer said
needs no old value when it is plain counters (no block to extend, no rolling record to add to),
so it is written without reading, in the same commit as the audit row. Counted on the store's
own connection (`set_trace_callback`).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mktdirector.core.http import HttpClient
from mktdirector.core.ratelimit import Limit, Limiter, MemoryBackend, per_second
from mktdirector.integrations.hubspot.policy import HubSpotPolicy
from mktdirector.store import Store

BURST = {  # HubSpot's burst counter, larger than the rolling record mktd keeps
    "X-HubSpot-RateLimit-Max": "1000000",
    "X-HubSpot-RateLimit-Remaining": "999990",
    "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
}
PATH = "/crm/v3/objects/contacts"


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:  # type: ignore[no-untyped-def]
    s = Store(tmp_path / "mktd.db")
    s.open()
    yield s
    s.close()


def client(limiter: Limiter, audit, headers: dict[str, str]) -> HttpClient:  # type: ignore[no-untyped-def]
    limits = (Limit("ten_secondly", 100, 10.0), per_second("search", 5, paths=("/crm/*/search",)))
    return HttpClient(
        "hubspot", "http://hubspot.test", account="a", limits=limits,
        policy=HubSpotPolicy(lambda: 86400.0), limiter=limiter, audit=audit,
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json={}, headers=headers)),
    )  # fmt: skip


def statements(store: Store, send) -> list[str]:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    store.db.conn.set_trace_callback(lambda sql: seen.append(sql.split()[0].upper()))
    try:
        send()
    finally:
        store.db.conn.set_trace_callback(None)
    return [s for s in seen if s != "PRAGMA"]


def test_a_request_reads_once_and_writes_rate_state_twice_and_one_audit_row(store) -> None:  # type: ignore[no-untyped-def]
    http = client(Limiter(store), store.record_exchange, BURST)
    http.request("GET", PATH)  # the server's row now exists: the reservation counts it down too
    seen = statements(store, lambda: http.request("GET", PATH))
    assert seen == [
        "BEGIN", "SELECT", "INSERT", "COMMIT",  # reserve: read, then both rows in one upsert
        "BEGIN", "INSERT", "INSERT", "COMMIT",  # the answer's counter (no read), the audit row
    ]  # fmt: skip
    rows = {r["key"]: r for r in store.rate_limit_rows("hubspot")}
    assert rows["hubspot|a|ten_secondly"]["count"] == 2
    server = rows["hubspot|a|server:GET /crm/v3/objects/contacts"]
    assert (server["remaining"], server["limit_value"], server["kind"]) == (
        999990,
        1000000,
        "server",
    )
    assert len(store.calls(platform="hubspot")) == 2


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_a_plain_answer_leaves_what_it_does_not_say_as_it_was(backend, store, clock) -> None:  # type: ignore[no-untyped-def]
    """Written without reading: a block an earlier 429 set, and any other column, must stay."""
    state = MemoryBackend() if backend == "memory" else store
    limiter = Limiter(state, clock=clock.time, sleep=clock.sleep)
    limiter.hold("hubspot", "a", PATH, 30.0, method="GET")
    http = client(limiter, lambda ex: None, BURST)
    answer = http._client.get(PATH)
    limiter.observe("hubspot", "a", PATH, answer, http.policy)
    key = "hubspot|a|server:GET /crm/v3/objects/contacts"
    row = state.rows[key] if backend == "memory" else {
        r["key"]: r for r in store.rate_limit_rows("hubspot")
    }[key]  # fmt: skip
    assert row["blocked_until"] == pytest.approx(clock.time() + 30.0)
    assert (row["remaining"], row["limit_value"]) == (999990, 1000000)
    assert limiter.reserve("hubspot", "a", http.limits, "GET", PATH) == pytest.approx(30.0)


def test_a_counter_with_a_rolling_record_is_still_read_before_it_is_written(store) -> None:  # type: ignore[no-untyped-def]
    small = {**BURST, "X-HubSpot-RateLimit-Max": "100", "X-HubSpot-RateLimit-Remaining": "98"}
    http = client(Limiter(store), store.record_exchange, small)
    http.request("GET", PATH)
    seen = statements(store, lambda: http.request("GET", PATH))
    assert seen[4:] == ["BEGIN", "SELECT", "INSERT", "INSERT", "COMMIT"]
    server = {r["key"]: r for r in store.rate_limit_rows("hubspot")}[
        "hubspot|a|server:GET /crm/v3/objects/contacts"
    ]
    assert len(server["recent_calls"].split(",")) == 2  # both answers recorded
