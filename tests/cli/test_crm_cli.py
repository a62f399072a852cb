"""`mktd crm contacts import|get`, `crm sync`, `crm attribution` against respx (no network)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

HS = "http://hs.test"
TOKEN = "pat-na1-0f0f0f0f-1111-2222-3333-abcdefabcdef"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "hubspot"
DRAFT = "01JDRAFT0000000000000000AB"


@pytest.fixture(autouse=True)
def hubspot_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBSPOT_API_KEY", TOKEN)
    monkeypatch.setenv("MKTD_HUBSPOT_BASE_URL", HS)
    monkeypatch.setenv("MKTD_MAX_WAIT", "0")  # never wait out a limit in a test


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


class Upserts:
    """POST batch/upsert: answers every input as created; scripted 429s by call number."""

    def __init__(self, router: respx.Router, fail_on: dict[int, httpx.Response] | None = None):
        self.inputs: list[list[dict[str, Any]]] = []
        self.calls = 0
        self.fail_on = fail_on or {}
        self.route = router.post(f"{HS}/crm/v3/objects/contacts/batch/upsert").mock(
            side_effect=self.answer
        )

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.calls in self.fail_on:
            return self.fail_on[self.calls]
        inputs = json.loads(request.content)["inputs"]
        self.inputs.append(inputs)
        results = [
            {"id": str(1000 + i), "new": True, "objectWriteTraceId": x["objectWriteTraceId"],
             "properties": {"email": x["id"]}}
            for i, x in enumerate(inputs)
        ]  # fmt: skip
        return httpx.Response(200, json={"status": "COMPLETE", "results": results})

    @property
    def emails(self) -> list[str]:
        return [x["id"] for batch in self.inputs for x in batch]


def write_csv(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "contacts.csv"
    path.write_bytes(data)
    return str(path)


def good_rows(n: int, start: int = 0) -> bytes:
    return b"".join(f"user{i}@example.org,User{i}\n".encode() for i in range(start, start + n))


def test_import_keeps_good_rows_and_reports_bad_ones_by_line(cli, tmp_path):
    data = (
        b"email,firstname\n"
        b"ada@example.org,Ada\n"  # line 2
        b"bad-email,Bob\n"  # line 3
        b"carol@example.org\n"  # line 4: wrong column count
        b"dan@example.org,D\xe9nis\n"  # line 5: not UTF-8
        + good_rows(120)  # lines 6..125: two batches in all
    )
    path = write_csv(tmp_path, data)
    with respx.mock(assert_all_mocked=True) as router:
        upserts = Upserts(router)
        r = cli("crm", "contacts", "import", path)
    assert r.exit_code == 1, r.stderr  # some bad rows, good rows imported
    assert len(upserts.inputs) == 2 and [len(b) for b in upserts.inputs] == [100, 21]
    assert "ada@example.org" in upserts.emails and "user119@example.org" in upserts.emails
    assert not {"bad-email", "carol@example.org", "dan@example.org"} & set(upserts.emails)
    assert upserts.inputs[0][0]["properties"] == {"email": "ada@example.org", "firstname": "Ada"}
    for fragment in ("line 3: bad email", "line 4: 1 columns", "line 5: not UTF-8"):
        assert fragment in r.stderr
    assert "Imported 121 contact(s)" in r.stderr and "3 bad row(s)" in r.stderr
    assert "UTF-8" in r.stderr and TOKEN not in r.stdout + r.stderr


def test_import_json_and_exit_0_when_all_good(cli, tmp_path):
    path = write_csv(tmp_path, b"email,firstname\n" + good_rows(3))
    with respx.mock(assert_all_mocked=True) as router:
        Upserts(router)
        r = cli("crm", "contacts", "import", path, "--json")
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert (
        out["imported"] == 3 and out["created"] == 3 and out["bad"] == [] and out["requests"] == 1
    )


def test_daily_limit_stops_with_a_resumable_message_and_resume_works(cli, tmp_path, store):
    path = write_csv(tmp_path, b"email,firstname\nbad,x\n" + good_rows(250))
    daily = httpx.Response(429, json=fixture("rate_limit_daily_429.json"))
    with respx.mock(assert_all_mocked=True) as router:
        upserts = Upserts(router, fail_on={2: daily})
        r = cli("crm", "contacts", "import", path)
        calls = upserts.calls
    assert r.exit_code == 5, r.stderr
    assert calls == 2  # one good batch, one 429, then a stop: no spinning until midnight
    assert len(upserts.emails) == 100
    assert "daily" in r.stderr.lower() and "Stopped after 100 of 250 contacts" in r.stderr
    # Data row 101 is the 100th good one (row 1 was bad): resume right after it.
    assert "--skip 101" in r.stderr and "re-sending is safe" in r.stderr
    # Before the reset the daily cap holds across processes: nothing is sent at all.
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        early = Upserts(router)
        r1 = cli("crm", "contacts", "import", path, "--skip", "101")
    assert r1.exit_code == 5 and early.calls == 0, r1.stderr
    assert "--skip 101" in r1.stderr
    # After the reset (simulated: the remembered block is gone), the resume goes through.
    store.db["rate_limit_state"].delete_where()
    store.db.conn.commit()
    with respx.mock(assert_all_mocked=True) as router:
        again = Upserts(router)
        r2 = cli("crm", "contacts", "import", path, "--skip", "101", "--json")
    assert r2.exit_code == 0, r2.stderr
    assert again.emails == [f"user{i}@example.org" for i in range(100, 250)]
    assert json.loads(r2.stdout)["skipped"] == 101


def test_daily_limit_json_names_resume_point(cli, tmp_path):
    path = write_csv(tmp_path, b"email\n" + b"".join(f"u{i}@x.io\n".encode() for i in range(5)))
    daily = httpx.Response(429, json=fixture("rate_limit_daily_429.json"))
    with respx.mock(assert_all_mocked=True) as router:
        upserts = Upserts(router, fail_on={1: daily})
        r = cli("crm", "contacts", "import", path, "--json")
    assert r.exit_code == 5 and upserts.calls == 1
    stop = json.loads(r.stdout)["stopped"]
    assert stop["resume_skip"] == 0 and stop["last_line"] is None and stop["retry_after"] > 0


def test_import_without_credentials_exits_3(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("HUBSPOT_API_KEY")
    path = write_csv(tmp_path, b"email\na@b.io\n")
    r = cli("crm", "contacts", "import", path)
    assert r.exit_code == 3 and "mktd authorize hubspot" in r.stderr


def test_contacts_get_shows_attribution_and_the_post(cli, store):
    seed_draft_and_post(store)
    with respx.mock(assert_all_mocked=True) as router:
        router.get(f"{HS}/crm/v3/properties/contacts").mock(
            return_value=httpx.Response(200, json=fixture("properties.json"))
        )
        get = router.get(f"{HS}/crm/v3/objects/contacts/grace@example.org").mock(
            return_value=httpx.Response(200, json=fixture("contact_by_email.json"))
        )
        r = cli("crm", "contacts", "get", "grace@example.org", "--json")
    assert r.exit_code == 0, r.stderr
    assert get.calls.last.request.url.params["idProperty"] == "email"
    out = json.loads(r.stdout)
    assert out["attribution"]["draft_id"] == DRAFT
    assert out["draft"]["id"] == DRAFT and out["draft"]["topic"] == "AI ROI"
    assert out["draft"]["urls"][0] == "https://x.com/i/web/status/111"


def test_contacts_get_unknown_email_exits_1(cli):
    with respx.mock(assert_all_mocked=True) as router:
        router.get(f"{HS}/crm/v3/properties/contacts").mock(
            return_value=httpx.Response(200, json={"results": []})
        )
        router.get(f"{HS}/crm/v3/objects/contacts/nobody@example.org").mock(
            return_value=httpx.Response(404, json=fixture("not_found_404.json"))
        )
        r = cli("crm", "contacts", "get", "nobody@example.org")
    assert r.exit_code == 1 and "no contact" in r.stderr


def seed_draft_and_post(store: Any, draft_id: str = DRAFT, url: str | None = None) -> None:
    store.insert_draft({"id": draft_id, "platform": "twitter", "kind": "thread", "topic": "AI ROI",
                        "body_json": '["a", "b"]', "content_hash": "h", "status": "published",
                        "campaign": "ai-roi"})  # fmt: skip
    for seg, rid in ((0, "111"), (1, "112")):
        store.db["posts"].insert(
            {"id": f"p{draft_id}{seg}", "draft_id": draft_id, "platform": "twitter",
             "segment": seg, "status": "published", "remote_id": rid,
             "url": url if url and seg == 0 else f"https://x.com/i/web/status/{rid}"}
        )  # fmt: skip


def test_attribution_groups_seeded_contacts_by_source_campaign_and_draft(cli, store):
    seed_draft_and_post(store)
    base = {"synced_utc": "2026-09-05T00:00:00Z", "raw_json": "{}"}
    store.upsert_contacts([
        {**base, "id": "1", "email": "a@x.io", "created_utc": "2026-09-01T10:00:00Z",
         "utm_source": "twitter", "utm_campaign": "ai-roi", "utm_content": DRAFT, "draft_id": DRAFT},
        {**base, "id": "2", "email": "b@x.io", "created_utc": "2026-09-02T10:00:00Z",
         "utm_source": "twitter", "utm_campaign": "ai-roi", "utm_content": DRAFT, "draft_id": DRAFT},
        {**base, "id": "3", "email": "c@x.io", "created_utc": "2026-09-03T10:00:00Z",
         "source": "ORGANIC_SEARCH"},
        {**base, "id": "4", "email": "d@x.io", "created_utc": "2026-01-01T10:00:00Z",
         "utm_source": "linkedin", "utm_campaign": "old", "utm_content": "NOTADRAFT"},
    ])  # fmt: skip
    r = cli("crm", "attribution", "--since", "2026-08-01", "--json")
    assert r.exit_code == 0, r.stderr
    rows = json.loads(r.stdout)
    assert [(g["source"], g["campaign"], g["contacts"]) for g in rows] == [
        ("twitter", "ai-roi", 2),
        ("organic_search", "(none)", 1),
    ]
    top = rows[0]
    assert top["draft_id"] == DRAFT and top["platform"] == "twitter" and top["topic"] == "AI ROI"
    assert top["post_urls"] == ["https://x.com/i/web/status/111", "https://x.com/i/web/status/112"]
    table = cli("crm", "attribution")
    assert table.exit_code == 0 and "old" in table.stdout and DRAFT[-8:] in table.stdout


def test_sync_links_contacts_to_drafts_then_attribution(cli, store):
    seed_draft_and_post(store)
    contact = fixture("contact_by_email.json")
    stranger = {"id": "124", "properties": {"email": "x@y.io", "createdate": "2026-09-01T00:00:00Z",
                                            "hs_analytics_source": "DIRECT_TRAFFIC"}}  # fmt: skip
    with respx.mock(assert_all_mocked=True) as router:
        router.get(f"{HS}/crm/v3/properties/contacts").mock(
            return_value=httpx.Response(200, json=fixture("properties.json"))
        )
        search = router.post(f"{HS}/crm/v3/objects/contacts/search").mock(
            return_value=httpx.Response(200, json={"total": 2, "results": [contact, stranger]})
        )
        r = cli("crm", "attribution", "--sync", "--since", "2026-08-01", "--json")
    assert r.exit_code == 0, r.stderr
    body = json.loads(search.calls.last.request.content)
    assert body["filterGroups"][0]["filters"][0]["propertyName"] == "createdate"
    rows = {g["source"]: g for g in json.loads(r.stdout)}
    assert rows["linkedin"]["draft_id"] == DRAFT and rows["linkedin"]["campaign"] == "ai-roi"
    assert rows["direct_traffic"]["draft_id"] is None
    assert store.contact_count() == 2


def test_daily_limit_text_says_what_stopped_and_how_to_resume(cli, tmp_path):
    path = write_csv(tmp_path, b"email\n" + b"".join(f"u{i}@x.io\n".encode() for i in range(5)))
    daily = httpx.Response(429, json=fixture("rate_limit_daily_429.json"))
    with respx.mock(assert_all_mocked=True) as router:
        Upserts(router, fail_on={1: daily})
        r = cli("crm", "contacts", "import", path)
    assert r.exit_code == 5
    assert "Error: " in r.stderr and "Stopped after 0 of 5 contacts" in r.stderr
    assert "Hint: After the reset" in r.stderr and "--skip 0" in r.stderr
