"""The duplicate rule (issue 11 item 1): a platform's "duplicate content" answer is this draft's
own post only after this draft's own lost attempt; otherwise it is a refusal naming the post and
draft that already have the text, and nothing is adopted or counted twice."""

from __future__ import annotations

import httpx
import pytest
import respx
from test_publish import XServer, approved, client, deps, linkedin_routes  # noqa: F401

from mktdirector.agents.social.duplicates import DuplicatePostError
from mktdirector.agents.social.publishing import publish_draft, resolve_needs_check
from mktdirector.core.errors import ExitCode

X_DUP = {
    "detail": "You are not allowed to create a Tweet with duplicate content.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}
LI_DUP = {
    "message": "Content is a duplicate of urn:li:share:7140000000000000000",
    "errorDetails": {"inputErrors": [{"code": "DUPLICATE_POST", "description": "Duplicate"}]},
    "status": 422,
}


def _published(deps, did):  # noqa: F811
    return [p for p in deps.store.published_posts() if p["draft_id"] == did]


def test_x_duplicate_of_another_drafts_post_is_refused_naming_it(deps):  # noqa: F811
    first = approved(deps, "twitter", ["Same words twice"])
    second = approved(deps, "twitter", ["Same words twice"])
    with respx.mock(assert_all_called=False) as router:
        xs = XServer(router, fail={2: httpx.Response(403, json=X_DUP)})
        assert publish_draft(deps.store, client(deps, "twitter"), first).status == "published"
        with pytest.raises(DuplicatePostError) as info:
            publish_draft(deps.store, client(deps, "twitter"), second)
    original = xs.created[0]["id"]
    err = info.value
    assert original in err.message and first in err.message and second in err.message
    assert err.existing_draft == first and err.existing_id == original
    assert err.exit_code == ExitCode.ERROR and err.hint
    # Nothing adopted: the second draft failed, owns no published post, the first owns one.
    assert deps.store.get_draft(second)["status"] == "failed"
    assert _published(deps, second) == []
    assert [p["remote_id"] for p in deps.store.published_posts()] == [original]
    assert [a["outcome"] for a in deps.store.attempts(second)] == ["duplicate"]


def test_x_spec_error_body_code_187_is_a_duplicate_refusal_not_permission(deps):  # noqa: F811
    did = approved(deps, "twitter", ["Hand-written earlier"])
    spec_body = {"code": 187, "message": "Status is a duplicate."}  # components/schemas/Error
    with respx.mock(assert_all_called=False) as router:
        XServer(router, fail={1: httpx.Response(403, json=spec_body)})
        with pytest.raises(DuplicatePostError) as info:
            publish_draft(deps.store, client(deps, "twitter"), did)
    assert "did not publish" in info.value.message  # no local post has the text
    assert _published(deps, did) == []


def test_x_duplicate_after_this_drafts_lost_attempt_is_adopted(deps):  # noqa: F811
    did = approved(deps, "twitter", ["Lost then refused"])

    class LateX(XServer):
        """The first create lands but answers 500 and is not on the timeline yet."""

        def timeline(self, request):
            if self.calls < 2:
                return httpx.Response(200, json={"data": [], "meta": {"result_count": 0}})
            return super().timeline(request)

    with respx.mock(assert_all_called=False) as router:
        xs = LateX(router, fail={2: httpx.Response(403, json=X_DUP)})
        xs.fail[1] = httpx.ReadTimeout("lost")  # created, answer lost
        result = publish_draft(deps.store, client(deps, "twitter"), did)
    assert result.status == "published" and xs.calls == 2 and len(xs.created) == 1
    assert result.posts[0]["id"] == xs.created[0]["id"]
    outcomes = [a["outcome"] for a in deps.store.attempts(did)]
    assert outcomes[:3] == ["unknown", "not_found", "duplicate"]


def test_linkedin_duplicate_of_another_draft_is_refused(deps):  # noqa: F811
    first = approved(deps, "linkedin", ["Same words twice"])
    second = approved(deps, "linkedin", ["Same words twice"])
    ok = httpx.Response(201, json={}, headers={"x-restli-id": "urn:li:share:7140000000000000000"})
    with respx.mock(assert_all_called=False) as router:
        route = linkedin_routes(router, [ok, httpx.Response(422, json=LI_DUP)])
        publish_draft(deps.store, client(deps, "linkedin"), first)
        with pytest.raises(DuplicatePostError) as info:
            publish_draft(deps.store, client(deps, "linkedin"), second)
    assert route.call_count == 2
    assert "urn:li:share:7140000000000000000" in info.value.message
    assert info.value.existing_draft == first
    assert deps.store.get_draft(second)["status"] == "failed" and _published(deps, second) == []
    assert len(deps.store.published_posts(platform="linkedin")) == 1


def test_linkedin_duplicate_after_a_checked_lost_answer_is_adopted(deps):  # noqa: F811
    did = approved(deps, "linkedin", ["Same again"])
    with respx.mock(assert_all_called=False) as router:
        linkedin_routes(router, [httpx.ReadTimeout("lost"), httpx.Response(422, json=LI_DUP)])
        assert publish_draft(deps.store, client(deps, "linkedin"), did).status == "needs-check"
        resolve_needs_check(deps.store, "linkedin", did, posted=False, url=None)  # a wrong guess
        result = publish_draft(deps.store, client(deps, "linkedin"), did)
    assert result.status == "published"
    assert result.posts[0]["id"] == "urn:li:share:7140000000000000000"
