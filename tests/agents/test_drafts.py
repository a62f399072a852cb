"""The drafts state machine: approval records the hash, edits after approval revert to draft."""

from __future__ import annotations

import pytest

from mktdirector.agents.content import drafts
from mktdirector.agents.content.brand import Brand
from mktdirector.core.errors import UsageError


@pytest.fixture
def view(store):
    return drafts.create_draft(
        store,
        Brand(),
        platform="linkedin",
        kind="post",
        body=["Read https://example.com/post now"],
        topic="AI ROI",
    )


def test_create_tags_links_with_the_draft_id(view):
    text = view.draft["body"][0]
    assert f"utm_content={view.id}" in text
    assert "utm_source=linkedin" in text and "utm_medium=social" in text
    assert "utm_campaign=ai-roi" in text
    assert view.draft["status"] == "draft"
    assert view.draft["content_hash"] == drafts.content_hash("linkedin", "post", view.draft["body"])


def test_existing_utm_parameters_are_left_alone(store):
    v = drafts.create_draft(
        store, Brand(), platform="twitter", kind="post", body=["https://x.io/a?utm_source=news"]
    )
    assert v.draft["body"] == ["https://x.io/a?utm_source=news"]


def test_approve_records_hash_and_time(store, view):
    a = drafts.approve(store, view.id)
    assert a.draft["status"] == "approved"
    assert a.draft["approved_hash"] == view.draft["content_hash"] and a.draft["approved_utc"]


def test_edit_after_approve_returns_to_draft_and_clears_approval(store, view):
    drafts.approve(store, view.id)
    edited = drafts.edit_draft(store, Brand(), view.id, "A new text")
    d = edited.draft
    assert d["status"] == "draft" and d["approved_hash"] is None and d["approved_utc"] is None
    assert d["content_hash"] != view.draft["content_hash"]
    again = drafts.approve(store, view.id)
    assert again.draft["approved_hash"] == d["content_hash"]


def test_edit_with_same_text_changes_nothing(store, view):
    a = drafts.approve(store, view.id)
    same = drafts.edit_draft(store, Brand(), view.id, drafts.body_to_text(a.draft))
    assert (
        same.draft["status"] == "approved" and same.draft["updated_utc"] == a.draft["updated_utc"]
    )


def test_lint_errors_block_approval_unless_forced(store):
    v = drafts.create_draft(
        store, Brand(avoid=["synergy"]), platform="linkedin", kind="post", body=["Pure synergy"]
    )
    with pytest.raises(UsageError) as info:
        drafts.approve(store, v.id)
    assert "lint errors" in info.value.message and "--force" in info.value.hint
    assert store.get_draft(v.id)["status"] == "draft"
    assert drafts.approve(store, v.id, force=True).draft["status"] == "approved"


def test_reject_needs_reason_and_records_it(store, view):
    with pytest.raises(UsageError):
        drafts.reject(store, view.id, "  ")
    assert store.get_draft(view.id)["status"] == "draft"
    r = drafts.reject(store, view.id, "off-brand")
    assert r.draft["status"] == "rejected" and r.draft["rejected_reason"] == "off-brand"
    with pytest.raises(UsageError):
        drafts.approve(store, view.id)


@pytest.mark.parametrize(
    "path",
    [
        ["approved", "publishing", "published"],
        ["approved", "scheduled", "publishing", "needs-check", "published"],
        ["approved", "publishing", "failed", "publishing", "published"],
    ],
)
def test_allowed_lifecycles(store, view, path):
    drafts.approve(store, view.id)
    for status in path[1:]:
        drafts.transition(store, view.id, status)
    assert store.get_draft(view.id)["status"] == path[-1]


def test_refused_transitions_change_nothing(store, view):
    with pytest.raises(UsageError):
        drafts.transition(store, view.id, "publishing")  # not approved
    drafts.approve(store, view.id)
    drafts.transition(store, view.id, "publishing")
    drafts.transition(store, view.id, "published")
    for target in ("draft", "approved", "rejected"):
        with pytest.raises(UsageError):
            drafts.transition(store, view.id, target)
    with pytest.raises(UsageError):
        drafts.edit_draft(store, Brand(), view.id, "too late")
    assert store.get_draft(view.id)["status"] == "published"


def test_thread_edit_uses_separator_lines(store):
    v = drafts.create_draft(
        store, Brand(), platform="twitter", kind="thread", body=["one 1/2", "two 2/2"]
    )
    text = drafts.body_to_text(v.draft)
    assert text == "one 1/2\n---\ntwo 2/2"
    e = drafts.edit_draft(store, Brand(), v.id, "uno 1/3\n---\ndos 2/3\n---\ntres 3/3\n")
    assert e.draft["body"] == ["uno 1/3", "dos 2/3", "tres 3/3"]


def test_email_edit_round_trip(store):
    v = drafts.create_draft(
        store,
        Brand(),
        platform="email",
        kind="email",
        body={"subject": "Hi", "preheader": "pre", "text": "Go to https://a.io", "html": ""},
    )
    assert "utm_source=email" in v.draft["body"]["text"] and "<a href=" in v.draft["body"]["html"]
    e = drafts.edit_draft(store, Brand(), v.id, "Subject: New\nPreheader: p2\n\nBody here")
    assert e.draft["body"]["subject"] == "New" and e.draft["body"]["html"].startswith("<html>")
    with pytest.raises(UsageError):
        drafts.edit_draft(store, Brand(), v.id, "no subject line\n\nbody")


def test_short_id_lookup(store, view):
    assert store.get_draft(view.id[-6:])["id"] == view.id
    with pytest.raises(UsageError):
        store.get_draft("ZZZZZZZZ")
