"""Issue 17 item 2: the choke point commits twice per request, relaxed; the ledger intent is FULL.

Commits are counted on the store's own connection (`set_trace_callback`); "on disk" is SQLite's
`synchronous` in force for that commit (FULL fsyncs the WAL before COMMIT returns).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import httpx
import pytest
import respx

from mktdirector.agents.social import posting
from mktdirector.agents.social.posting import PostRequest
from mktdirector.core.http import HttpClient
from mktdirector.core.ratelimit import Limit, Limiter
from mktdirector.store import Store
from mktdirector.store.sqlite.db import FULL, RELAXED, immediate
from mktdirector.wiring import Deps

HEADERS = {
    "X-HubSpot-RateLimit-Max": "100",
    "X-HubSpot-RateLimit-Remaining": "97",
    "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
}


def traced(conn: sqlite3.Connection) -> list[str]:
    seen: list[str] = []
    conn.set_trace_callback(lambda sql: seen.append(" ".join(sql.split())))
    return seen


def client(store: Store, answer: httpx.Response) -> HttpClient:
    from mktdirector.integrations.hubspot.policy import HubSpotPolicy

    return HttpClient(
        "hubspot", "http://hubspot.test", account="a",
        limits=(Limit("ten_secondly", 100, 10.0),),
        policy=HubSpotPolicy(lambda: 86400.0),
        limiter=Limiter(store), audit=store.record_exchange,
        transport=httpx.MockTransport(lambda request: answer),
    )  # fmt: skip


def test_one_request_is_two_relaxed_commits_with_its_rate_state_and_audit_row(file_store):
    http = client(file_store, httpx.Response(200, json={}, headers=HEADERS))
    seen = traced(file_store.db.conn)
    for _ in range(5):
        http.request("GET", "/crm/v3/objects/contacts")
    file_store.db.conn.set_trace_callback(None)
    commits = [s for s in seen if s.upper() == "COMMIT"]
    assert len(commits) == 10  # reserve before the send; observe + audit after the answer
    # Every BEGIN of the choke point runs under synchronous=NORMAL, set back to FULL after.
    begins = [i for i, s in enumerate(seen) if s.upper().startswith("BEGIN")]
    for i in begins:
        assert seen[i - 1] == f"PRAGMA synchronous={RELAXED}"
    assert seen[-1] == f"PRAGMA synchronous={FULL}"
    assert file_store.db.conn.execute("pragma synchronous").fetchone()[0] == 2  # FULL again
    rows = file_store.calls(platform="hubspot", limit=10)
    assert len(rows) == 5 and rows[-1]["rate_remaining"] == 97
    server = [r for r in file_store.rate_limit_rows("hubspot") if r["kind"] == "server"]
    assert server and server[0]["remaining"] == 97


def test_a_429_holds_observes_and_audits_in_the_same_one_commit(file_store):
    answer = httpx.Response(429, json={}, headers={"Retry-After": "3600"})
    http = client(file_store, answer)
    seen = traced(file_store.db.conn)
    with pytest.raises(Exception, match="429|rate"):
        http.request("GET", "/crm/v3/objects/contacts", budget=0)
    file_store.db.conn.set_trace_callback(None)
    assert sum(s.upper() == "COMMIT" for s in seen) == 2
    assert file_store.calls(platform="hubspot")[-1]["status"] == 429


def test_a_failed_audit_write_rolls_the_rate_update_back_too(file_store, monkeypatch):
    http = client(file_store, httpx.Response(200, json={}, headers=HEADERS))

    def broken(ex: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    http.audit = broken
    with pytest.raises(sqlite3.OperationalError):
        http.request("GET", "/crm/v3/objects/contacts")
    assert not [r for r in file_store.rate_limit_rows("hubspot") if r["kind"] == "server"]
    assert not file_store.db.conn.in_transaction


def test_a_full_write_is_refused_inside_a_relaxed_transaction(file_store):
    def nested() -> None:
        with (
            immediate(file_store.db, durability=RELAXED),
            immediate(file_store.db, durability=FULL),
        ):
            pass  # pragma: no cover - never reached

    with pytest.raises(RuntimeError, match="FULL"):
        nested()
    assert not file_store.db.conn.in_transaction


LI = "http://li.test"


@pytest.fixture
def deps() -> Iterator[Deps]:
    d = Deps()
    yield d
    d.close()


def test_the_intent_is_committed_with_full_durability_before_the_create_is_sent(deps, monkeypatch):
    monkeypatch.setenv("MKTD_LINKEDIN_BASE_URL", LI)
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", "li-token-0123456789")
    prepared = posting.prepare(deps, PostRequest("linkedin", text="On disk first"))
    seen = traced(deps.store.db.conn)
    at_create: dict[str, object] = {}

    def create(request: httpx.Request) -> httpx.Response:
        # What another process (a crash's next run) sees now, from its own connection.
        other = sqlite3.connect(str(deps.store.path))
        at_create["rows"] = other.execute(
            "select status from posts where draft_id = ?", [prepared.view.id]
        ).fetchall()
        other.close()
        at_create["statements"] = list(seen)
        return httpx.Response(201, json={}, headers={"x-restli-id": "urn:li:share:7"})

    with respx.mock(assert_all_called=False) as router:
        router.get(f"{LI}/v2/userinfo").mock(
            return_value=httpx.Response(200, json={"sub": "abc", "name": "Ann"})
        )
        route = router.post(f"{LI}/rest/posts").mock(side_effect=create)
        ticket = posting.approve_for_publishing(deps, prepared, confirmed=True)
        assert posting.publish(deps, ticket, confirmed=True).status == "published"
    deps.store.db.conn.set_trace_callback(None)
    assert route.call_count == 1
    assert at_create["rows"] == [("intent",)]
    statements = at_create["statements"]
    assert isinstance(statements, list)
    intent = max(i for i, s in enumerate(statements) if s.lower().startswith("insert into posts"))
    begin = max(i for i in range(intent) if statements[i].upper().startswith("BEGIN"))
    commit = next(i for i in range(intent, len(statements)) if statements[i].upper() == "COMMIT")
    assert commit < len(statements)  # committed before the create left
    pragmas = [s for s in statements[:begin] if s.startswith("PRAGMA synchronous")]
    assert not pragmas or pragmas[-1] == f"PRAGMA synchronous={FULL}"


def test_only_failed_calls_enter_the_errors_index_and_logs_errors_still_finds_them(file_store):
    """m027: a successful call writes no page of the error_kind index (the partial index holds
    failures only); `mktd logs --errors`'s query still returns every failure."""
    ok = client(file_store, httpx.Response(200, json={}, headers=HEADERS))
    for _ in range(3):
        ok.request("GET", "/crm/v3/objects/contacts")
    bad = client(file_store, httpx.Response(404, json={"message": "no"}))
    with pytest.raises(Exception, match="404|not found|Not found"):
        bad.request("GET", "/crm/v3/objects/contacts/9")
    indexed = file_store.db.conn.execute(
        "select count(*) from http_calls indexed by idx_http_calls_errors_time_utc "
        "where error_kind is not null"
    ).fetchone()[0]
    assert indexed == 1
    errors = file_store.calls(platform="hubspot", errors_only=True)
    assert [r["status"] for r in errors] == [404]
    assert len(file_store.calls(platform="hubspot")) == 4
