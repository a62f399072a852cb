"""`mktd posts delete ID` (issue 11): confirm showing the post, delete it on the platform
through the client, audit it, keep it in the ledger as deleted, and stop counting it in reports.
A lost answer is re-checked by asking again (a 404 then means gone)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
import respx

from mktdirector.agents.analytics.report import build_report
from mktdirector.wiring import Deps

LI = "http://li.test"
URN = "urn:li:share:7"


@pytest.fixture
def linkedin(monkeypatch: pytest.MonkeyPatch) -> Iterator[respx.Router]:
    monkeypatch.setenv("MKTD_LINKEDIN_BASE_URL", LI)
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", "li-token-0123456789")
    with respx.mock(assert_all_called=False) as router:
        router.get(f"{LI}/v2/userinfo").mock(
            return_value=httpx.Response(200, json={"sub": "abc", "name": "Ann"})
        )
        router.post(f"{LI}/rest/posts").mock(
            return_value=httpx.Response(201, json={}, headers={"x-restli-id": URN})
        )
        yield router


def deletes(router: respx.Router, *answers: object) -> respx.Route:
    return router.delete(url__regex=rf"{LI}/rest/posts/.+").mock(side_effect=list(answers))


def published(cli) -> str:  # type: ignore[no-untyped-def]
    r = cli("social", "linkedin", "--text", "Delete me later", "--publish", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    return str(json.loads(r.stdout)["draft_id"])


def posts_of(draft_id: str) -> list[dict]:
    deps = Deps()
    try:
        return [dict(p) for p in deps.store.draft_posts(draft_id)]
    finally:
        deps.close()


def report_posts() -> int:
    deps = Deps()
    try:
        return int(build_report(deps.store, timeframe="7d", now=datetime.now(UTC)).totals["posts"])
    finally:
        deps.close()


def test_delete_yes_deletes_on_the_platform_keeps_the_row_audits_and_leaves_the_report(
    cli, linkedin
):
    did = published(cli)
    assert report_posts() == 1
    route = deletes(linkedin, httpx.Response(204))
    r = cli("posts", "delete", did, "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["deleted"] == [URN] and route.call_count == 1
    [post] = posts_of(did)
    assert post["status"] == "deleted" and post["deleted_utc"] and post["remote_id"] == URN
    assert report_posts() == 0  # the report stops counting it
    out = cli("logs", "--draft", did, "--json").stdout
    logs = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert any(c.get("method") == "DELETE" for c in logs), logs  # the DELETE is audited
    again = cli("posts", "delete", did, "--yes")
    assert again.exit_code == 2 and "deleted already" in again.stderr and route.call_count == 1


def test_without_a_yes_nothing_is_sent_and_nothing_changes(cli, linkedin):
    did = published(cli)
    route = deletes(linkedin, httpx.Response(204))
    r = cli("posts", "delete", did)  # no terminal to ask on, no --yes
    assert r.exit_code == 1 and "Not deleted." in r.stderr
    assert "Delete me later" in r.stderr  # the post was shown
    assert route.call_count == 0 and posts_of(did)[0]["status"] == "published"


def test_a_lost_answer_is_re_checked_by_asking_again(cli, linkedin):
    assert cli("config", "set", "http.max_retries", "0").exit_code == 0
    did = published(cli)
    route = deletes(linkedin, httpx.ReadTimeout("lost"), httpx.Response(404, json={}))
    r = cli("posts", "delete", did, "--yes")
    assert r.exit_code == 0, r.stderr
    assert route.call_count == 2 and posts_of(did)[0]["status"] == "deleted"


def test_when_the_re_check_is_lost_too_the_post_stays_published_and_it_says_so(cli, linkedin):
    assert cli("config", "set", "http.max_retries", "0").exit_code == 0
    did = published(cli)
    deletes(linkedin, httpx.ReadTimeout("lost"), httpx.ReadTimeout("lost again"))
    r = cli("posts", "delete", did, "--yes")
    assert r.exit_code == 6 and "again" in r.stderr and "Traceback" not in r.stderr
    assert posts_of(did)[0]["status"] == "published" and report_posts() == 1


def test_a_draft_never_published_is_refused(cli):
    r = cli("social", "linkedin", "--text", "Only a draft", "--json")
    did = json.loads(r.stdout)["id"]
    r = cli("posts", "delete", did, "--yes")
    assert r.exit_code == 2 and "no published post" in r.stderr
