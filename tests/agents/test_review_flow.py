"""Reviewing drafts without a front end: filters, provenance, approval needs the flag."""

from __future__ import annotations

import pytest

from mktdirector.agents.content import drafts, review
from mktdirector.agents.content.brand import Brand
from mktdirector.core.errors import UsageError


def make(store, platform: str = "twitter", text: str = "Hello") -> str:
    view = drafts.create_draft(store, Brand(), platform=platform, kind="post", body=[text])
    return view.id


def test_find_filters_by_status_and_platform_alias(store):
    x, li = make(store), make(store, "linkedin")
    drafts.approve(store, li)
    assert [r["id"] for r in review.find(store, platform="x")] == [x]
    assert [r["id"] for r in review.find(store, status="approved")] == [li]
    with pytest.raises(UsageError, match="Unknown status"):
        review.find(store, status="flying")


def test_detail_carries_generations_only_with_provenance(store):
    did = make(store)
    assert review.detail(store, did).generations == []
    shown = review.detail(store, did[-6:], provenance=True)  # short ids work
    assert shown.draft["id"] == did and "provenance" in shown.to_dict(provenance=True)
    assert "provenance" not in shown.to_dict(provenance=False)


def test_approval_needs_the_confirmation_flag_and_changes_nothing_without(store):
    did = make(store)
    with pytest.raises(UsageError, match="needs a confirmation"):
        review.approve(store, did, confirmed=False)
    assert store.get_draft(did)["status"] == "draft"
    view = review.approve(store, did, confirmed=True)
    assert view.draft["status"] == "approved"
    assert view.draft["approved_hash"] == view.draft["content_hash"]


def test_lint_reads_a_text_as_the_platform_would_get_it(store):
    long_x = "word " * 80  # over 280: split into a numbered thread, no length error
    assert not [
        f for f in review.lint(store, Brand(), text=long_x, platform="x") if f.severity == "error"
    ]
    [no_subject] = review.lint(store, Brand(), text="", platform="email")
    assert no_subject.rule == "subject" and no_subject.severity == "error"
    titled = review.lint(store, Brand(), text="Launch day\n\nCome along.", platform="email")
    assert not [f for f in titled if f.rule == "subject"]  # the first line is the subject
    did = make(store, "linkedin", "Saved text")
    assert review.lint(store, Brand(), draft_id=did) == review.lint(
        store, Brand(), text="Saved text", platform="linkedin"
    )
