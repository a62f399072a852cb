"""Approving by hash is atomic: the store's approval only lands if the content hash is still
the one reviewed. An edit landing between the approval's read and its write makes the approval
fail with 412, and nothing is approved (not the old text, not the new one)."""

from __future__ import annotations

from typing import Any

import pytest

from mktdirector.agents.content import drafts


@pytest.fixture
def edit_lands_mid_approval(monkeypatch: pytest.MonkeyPatch, home: Any) -> list[str]:
    """After the approval has read the draft and checked it, another writer (a second
    process, its own Store) edits the text before the approval's UPDATE runs."""
    from mktdirector.agents.content.brand import Brand
    from mktdirector.core.paths import db_path
    from mktdirector.store import Store

    real = drafts.check_approvable
    edited: list[str] = []

    def check_then_someone_edits(d: Any, findings: Any, *, force: bool) -> bool:
        verdict = real(d, findings, force=force)
        other = Store(db_path(home))
        drafts.edit_draft(other, Brand(), str(d["id"]), "Edited by someone else meanwhile")
        other.close()
        edited.append(str(d["id"]))
        return verdict

    monkeypatch.setattr(drafts, "check_approvable", check_then_someone_edits)
    return edited


def test_an_edit_between_read_and_approval_is_412_and_nothing_is_approved(
    api: Any, edit_lands_mid_approval: list[str]
) -> None:
    r = api.post("/social/linkedin/posts", json={"text": "Version one"})
    did = r.json()["draft_id"]
    seen = api.get(f"/drafts/{did}").headers["etag"]
    r = api.post(f"/drafts/{did}/approve", headers={"If-Match": seen})
    assert edit_lands_mid_approval == [did]  # the edit did land in the window
    assert r.status_code == 412, r.text
    assert r.json()["kind"] == "content_changed"
    now = api.get(f"/drafts/{did}").json()
    assert now["status"] == "draft" and now["approved_hash"] is None
    assert now["text"] == "Edited by someone else meanwhile"


def test_the_store_refuses_an_approval_whose_hash_moved(home: Any) -> None:
    """The condition lives in the store's single UPDATE (both backends run this mixin)."""
    from mktdirector.core.paths import db_path
    from mktdirector.store import Store
    from mktdirector.store.errors import Refusal, StateRefusedError

    store = Store(db_path(home))
    d = store.insert_draft({
        "platform": "linkedin", "kind": "post", "body_json": '["a"]', "content_hash": "h1",
        "status": "draft", "lint_json": "[]", "source": "typed",
    })  # fmt: skip
    store.update_draft(d["id"], None, content_hash="h2")
    with pytest.raises(StateRefusedError) as err:
        store.update_draft(
            d["id"], "draft", expected_hash="h1", status="approved", approved_hash="h1"
        )
    assert err.value.reason == Refusal.CHANGED_SINCE_APPROVAL
    assert store.get_draft(d["id"])["status"] == "draft"
    assert store.get_draft(d["id"])["approved_hash"] is None
