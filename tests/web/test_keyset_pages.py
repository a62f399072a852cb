"""Keyset pages: `GET /drafts` (and `GET /posts`) page with an opaque cursor over
(created_utc, id), so a draft created while someone pages does not shift the next page (an
offset would repeat the last item of the page before), and a deep page costs what the first does."""

from __future__ import annotations

from mktdirector.agents.content import inbox
from mktdirector.store import Store


def make(api, text: str) -> str:
    r = api.post("/social/linkedin/posts", json={"text": text})
    assert r.status_code == 201, r.text
    return r.json()["draft_id"]


def test_a_draft_created_between_pages_shifts_nothing(api):
    for i in range(6):
        make(api, f"Post number {i}")
    first = api.get("/drafts", params={"limit": 3}).json()
    make(api, "Created while paging")  # newest: it belongs before page 1, not inside page 2
    second = api.get("/drafts", params={"limit": 3, "cursor": first["next_cursor"]}).json()
    ids1 = [d["id"] for d in first["items"]]
    ids2 = [d["id"] for d in second["items"]]
    assert not set(ids1) & set(ids2)
    assert len(ids1 + ids2) == 6 and second["next_cursor"] is None


def test_the_cursor_is_opaque_not_an_offset(api):
    for i in range(3):
        make(api, f"Post {i}")
    cursor = api.get("/drafts", params={"limit": 1}).json()["next_cursor"]
    assert cursor and not cursor.isdigit()
    assert api.get("/drafts", params={"cursor": "50"}).status_code == 422
    assert api.get("/drafts", params={"cursor": cursor[:-3] + "!!!"}).status_code == 422


def test_same_second_drafts_are_ordered_by_id_and_none_is_lost(home):
    """Drafts sharing one created_utc are told apart by id, so a page boundary between two
    of them neither repeats nor drops one."""
    from mktdirector.core.paths import db_path

    store = Store(db_path(home))
    stamp = "2026-12-01T10:00:00Z"
    for i in range(5):
        store.insert_draft({
            "id": f"01SAME{i:020d}", "created_utc": stamp, "updated_utc": stamp,
            "platform": "linkedin", "kind": "post", "body_json": "[\"x\"]",
            "content_hash": f"{i:064x}",
            "status": "draft", "lint_json": "[]", "source": "typed",
        })  # fmt: skip
    seen, cursor = [], None
    while True:
        rows, cursor = inbox.page(store, limit=2, cursor=cursor)
        seen += [r["id"] for r in rows]
        if cursor is None:
            break
    assert seen == [f"01SAME{i:020d}" for i in reversed(range(5))]


def test_notifications_page_by_keyset_too(api, home):
    from mktdirector.core.paths import db_path

    store = Store(db_path(home))
    for i in range(5):
        store.notify("test", f"Subject {i}", "message", dedupe_key=None)
    store.close()
    first = api.get("/notifications", params={"limit": 2, "include_read": True}).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    seen = [n["id"] for n in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = api.get("/notifications", params={"limit": 2, "cursor": cursor}).json()
        seen += [n["id"] for n in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == 5 == len(set(seen))
    assert api.get("/notifications", params={"cursor": "7"}).status_code == 422


def test_a_post_published_between_pages_shifts_nothing(api, home):
    from mktdirector.core.paths import db_path

    store = Store(db_path(home))

    def publish(i: int) -> None:
        did = f"01POSTD{i:019d}"
        stamp = f"2026-12-01T10:00:{i:02d}Z"
        store.insert_draft({"id": did, "platform": "linkedin", "kind": "post",
                            "body_json": '["x"]', "content_hash": f"{i:064x}",
                            "status": "published", "lint_json": "[]", "source": "typed"})  # fmt: skip
        store.db["posts"].insert({"id": f"01POST{i:020d}", "draft_id": did, "platform": "linkedin",
                                  "segment": 0, "text": f"post {i}", "status": "published",
                                  "remote_id": f"urn:li:share:{i}", "published_utc": stamp})  # fmt: skip

    for i in range(4):
        publish(i)
    first = api.get("/posts", params={"limit": 2}).json()
    publish(9)  # newest: belongs before page one
    second = api.get("/posts", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    store.close()
    texts = [p["text"] for p in first["items"] + second["items"]]
    assert texts == ["post 3", "post 2", "post 1", "post 0"] and second["next_cursor"] is None
