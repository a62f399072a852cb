"""Analytics fetch: snapshots joined to drafts; an app without analytics is told once."""

from __future__ import annotations

import json
from contextlib import closing

import httpx
import pytest
import respx

X = "http://x.test"


def seed(store, n, platform="twitter"):
    from mktdirector.agents.content import drafts
    from mktdirector.agents.content.brand import Brand

    ids = []
    for i in range(n):
        v = drafts.create_draft(store, Brand(), platform=platform, kind="post", body=[f"p{i}"])
        pid = store.write_intent(
            v.id, 0, platform=platform, account=None, text=f"p{i}", reply_to=None
        )
        rid = f"urn:li:share:{i}" if platform == "linkedin" else str(1_900_000_000_000_000_000 + i)
        store.mark_post(pid, "published", remote_id=rid, url="u")
        ids.append((v.id, rid))
    return ids


@pytest.mark.slow  # 150 posts through the CLI, ~1.2 s
def test_x_metrics_batched_by_100_and_stored(cli, store, monkeypatch):
    monkeypatch.setenv("MKTD_TWITTER_BASE_URL", X)
    monkeypatch.setenv("TWITTER_ACCESS_TOKEN", "tok-abcdefgh")
    seeded = seed(store, 150)

    def answer(request):
        ids = request.url.params["ids"].split(",")
        data = [
            {
                "id": i,
                "text": "t",
                "created_at": "2026-11-20T10:00:00.000Z",
                "public_metrics": {
                    "impression_count": 10,
                    "like_count": 2,
                    "repost_count": 1,
                    "reply_count": 0,
                    "quote_count": 0,
                    "bookmark_count": 0,
                },
            }
            for i in ids
        ]
        return httpx.Response(200, json={"data": data})

    with respx.mock() as router:
        route = router.get(url__regex=rf"{X}/2/tweets\?.*").mock(side_effect=answer)
        r = cli("analytics", "fetch", "--platform", "x", "--json")
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)[0]
    assert out["snapshots"] == 150 and route.call_count == 2
    assert [len(c.request.url.params["ids"].split(",")) for c in route.calls] == [100, 50]
    latest = store.latest_snapshots(draft_id=seeded[0][0])
    assert latest[0]["impressions"] == 10 and latest[0]["reposts"] == 1


def test_linkedin_without_analytics_scope_is_told_once(cli, store, memory_keyring, monkeypatch):
    from mktdirector.core.credentials import Connection
    from mktdirector.wiring import Deps

    monkeypatch.setenv("MKTD_LINKEDIN_BASE_URL", "http://li.test")
    seed(store, 3, platform="linkedin")
    with closing(Deps()) as deps:  # closed: the credential index is a store connection
        deps.credentials.save(
            Connection(
                "linkedin",
                "me",
                access_token="li-token-123456",
                scopes=["openid", "w_member_social"],
            )
        )
    with respx.mock(assert_all_mocked=True):  # no request at all may be made
        r1 = cli("analytics", "fetch", "--platform", "linkedin", "--json")
        r2 = cli("analytics", "fetch", "--platform", "linkedin", "--json")
    for r in (r1, r2):
        assert r.exit_code == 0, r.stderr
        assert "r_member_postAnalytics" in json.loads(r.stdout)[0]["skipped"]
    notes = [n for n in store.notifications() if n["kind"] == "analytics_unavailable"]
    assert len(notes) == 1


def test_fetch_with_nothing_published_says_so(cli):
    r = cli("analytics", "fetch")
    assert r.exit_code == 0 and "No published posts" in r.stderr


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        # A reset far away: not waited for, the command says "rate limited" (README: exit 5).
        (
            httpx.Response(
                429,
                headers={"x-rate-limit-reset": "4102444800"},
                json={"title": "Too Many Requests", "status": 429},
            ),
            5,
        ),
        (httpx.Response(401, json={"title": "Unauthorized", "status": 401}), 4),
        (httpx.Response(503, json={"title": "Service Unavailable", "status": 503}), 6),
    ],
)
def test_a_failed_platform_call_sets_the_exit_code(cli, store, monkeypatch, answer, code):
    # Issue 12 item 8 / issue 11 item 4: the metrics failed, so the command must not exit 0.
    monkeypatch.setenv("MKTD_TWITTER_BASE_URL", X)
    monkeypatch.setenv("TWITTER_ACCESS_TOKEN", "tok-abcdefgh")
    assert cli("config", "set", "http.max_retries", "0").exit_code == 0  # the 503: no backoff
    seed(store, 2)
    with respx.mock() as router:
        router.get(url__regex=rf"{X}/2/tweets\?.*").mock(return_value=answer)
        r = cli("analytics", "fetch", "--platform", "x", "--json")
    assert r.exit_code == code, (r.stdout, r.stderr)
    out = json.loads(r.stdout)[0]
    assert out["snapshots"] == 0 and out["errors"]
    assert store.latest_snapshots() == []  # nothing half written
