"""The front doors on PostgreSQL: the web API (`mktd serve`'s ASGI app) and the MCP server
(`mktd mcp`, through the official client in memory) with MKTD_DATABASE_URL set to a migrated
team database. The same flows as tests/web and tests/mcp run on SQLite; these prove the doors
need nothing SQLite-only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

import pg_fixture

TOKEN = "pg-doors-api-token-0123456789abcdef"
LI = "http://li.test"
LI_TOKEN = "li-token-pg-doors-0123456789"

pytestmark = pytest.mark.slow  # a PostgreSQL server, migrations and a whole app per test


@pytest.fixture
def team_db(monkeypatch: pytest.MonkeyPatch) -> str:
    url = pg_fixture.migrated_url()
    monkeypatch.setenv("MKTD_DATABASE_URL", url)
    return url


def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture
def api(team_db: str) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from mktdirector.web.app import ServeOptions, create_app
    from mktdirector.wiring import Deps

    app = create_app(ServeOptions(token=TOKEN), Deps)
    with TestClient(
        app,
        base_url="http://127.0.0.1:8484",
        headers={"Authorization": f"Bearer {TOKEN}"},
        follow_redirects=False,
    ) as client:
        yield client


def test_the_web_api_drafts_approves_publishes_once_and_lists_on_postgres(
    api: Any, team_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MKTD_LINKEDIN_BASE_URL", LI)
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", LI_TOKEN)
    made = api.post("/social/linkedin/posts", json={"text": "Team post from PostgreSQL"})
    assert made.status_code == 201, made.text
    did = made.json()["draft_id"]
    listed = api.get("/drafts").json()
    assert [d["id"] for d in listed["items"]] == [did]

    etag = api.get(f"/drafts/{did}").headers["etag"]
    approved = api.post(f"/drafts/{did}/approve", headers={"If-Match": etag})
    assert approved.status_code == 200, approved.text
    with respx.mock(assert_all_called=False) as router:
        router.get(f"{LI}/v2/userinfo").mock(return_value=httpx.Response(200, json={"sub": "a"}))
        create = router.post(f"{LI}/rest/posts").mock(
            return_value=httpx.Response(201, json={}, headers={"x-restli-id": "urn:li:share:77"})
        )
        published = api.post(f"/drafts/{did}/publish")
        again = api.post(f"/drafts/{did}/publish")
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"
    assert again.status_code in (200, 409), again.text
    assert create.call_count == 1  # exactly one create reached LinkedIn
    posts = api.get("/posts").json()
    assert [p["remote_id"] for p in posts["items"]] == ["urn:li:share:77"]
    # It is the team database that holds the post, not a local SQLite file.
    assert _rows(team_db, "select remote_id from posts") == [("urn:li:share:77",)]
    assert LI_TOKEN not in published.text + str(posts)


def _mcp_calls(calls: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """Run the tool calls in order through one in-memory client session."""
    import anyio

    from mcp import Client
    from mktdirector.mcp.server import build
    from mktdirector.wiring import Deps

    server = build(Deps)

    async def main() -> list[Any]:
        async with Client(server) as client:
            return [await client.call_tool(tool, args) for tool, args in calls]

    return anyio.run(main)


def test_the_mcp_server_drafts_lists_and_refuses_an_unapproved_publish_on_postgres(
    team_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MKTD_LINKEDIN_BASE_URL", LI)
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", LI_TOKEN)
    [made] = _mcp_calls([("draft_post", {"platform": "linkedin", "text": "Drafted by MCP"})])
    assert not made.is_error, made.content
    did = made.structured_content["id"]
    with respx.mock(assert_all_called=False) as router:
        sent = router.route(host="li.test").mock(return_value=httpx.Response(201))
        listed, refused = _mcp_calls(
            [("list_drafts", {"status": "draft"}), ("publish_draft", {"draft_id": did})]
        )
    assert [d["id"] for d in listed.structured_content["drafts"]] == [did]
    assert refused.is_error
    assert refused.structured_content["error"]["kind"] == "approval_required"
    assert sent.call_count == 0  # nothing reached LinkedIn
    assert _rows(team_db, "select status from drafts") == [("draft",)]
    assert _rows(team_db, "select count(*) from posts") == [(0,)]
    assert _rows(team_db, "select count(*) from jobs") == [(0,)]
