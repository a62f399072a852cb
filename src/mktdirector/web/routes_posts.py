"""The API's posting and drafts routes: parse, call one agent flow, answer its result."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response

from mktdirector.web import schemas
from mktdirector.web.depends import DepsDep, bearer
from mktdirector.web.problems import problem

router = APIRouter(dependencies=[Depends(bearer)])
Platform = Annotated[str, "linkedin | twitter | x"]
_ACCEPTED = {"needs-check"}  # sent, outcome unknown: 202 with what to check


def _result(resp: Response, data: dict[str, Any]) -> dict[str, Any]:
    if data.get("status") in _ACCEPTED:
        resp.status_code = 202
    return data


@router.post(
    "/social/{platform}/posts",
    response_model=schemas.PostResult,
    status_code=201,
    tags=["social"],
    responses={202: {"model": schemas.PostResult, "description": "Sent; outcome to check"}},
)
def create_post(platform: str, body: schemas.PostIn, deps: DepsDep, resp: Response) -> Any:
    """Draft a post (LLM from `topic`, or your `text`), and publish or schedule it when asked."""
    from mktdirector.agents.social.posting import PostRequest
    from mktdirector.agents.social.submit import submit

    request = PostRequest(
        platform.lower(), topic=body.topic, text=body.text, style=body.style,
        include_cta=body.include_cta, thread_length=body.thread_length,
        campaign=body.campaign, account=body.account, no_brand=body.no_brand,
    )  # fmt: skip
    done = submit(deps, request, publish=body.publish, schedule_at=body.schedule_at, new=body.new)
    return _result(resp, done.to_dict())


@router.get("/drafts", response_model=schemas.DraftPage, tags=["drafts"])
def list_drafts(
    deps: DepsDep,
    status: str | None = None,
    platform: str | None = None,
    campaign: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Any:
    """Drafts newest first, by status, platform and campaign, a page at a time."""
    from mktdirector.agents.content import inbox

    rows, nxt = inbox.page(
        deps.store, status=status, platform=platform, campaign=campaign, limit=limit, cursor=cursor
    )
    return {"items": [inbox.summary(d) for d in rows], "next_cursor": nxt}


def _draft(detail: Any, resp: Response) -> dict[str, Any]:
    from mktdirector.agents.content.drafts import body_to_text

    data = detail.to_dict(provenance=bool(detail.generations))
    data["text"] = body_to_text(detail.draft)
    if detail.draft.get("content_hash"):
        resp.headers["ETag"] = f'"{detail.draft["content_hash"]}"'
    return data


@router.get("/drafts/{draft_id}", response_model=schemas.Draft, tags=["drafts"])
def get_draft(draft_id: str, deps: DepsDep, resp: Response, provenance: bool = False) -> Any:
    """A draft, its findings and (with provenance) the generations that wrote it. The ETag is
    its content hash: send it back as If-Match to approve exactly this text."""
    from mktdirector.agents.content import review

    return _draft(review.detail(deps.store, draft_id, provenance=provenance), resp)


@router.patch("/drafts/{draft_id}", response_model=schemas.Draft, tags=["drafts"])
def edit_draft(draft_id: str, body: schemas.DraftEdit, deps: DepsDep, resp: Response) -> Any:
    """Replace the text (thread posts separated by --- lines); an approved draft needs approving again."""
    from mktdirector.agents.content import review
    from mktdirector.agents.content.drafts import edit_draft

    view = edit_draft(deps.store, deps.brand(), draft_id, body.text)
    return _draft(review.detail(deps.store, view.id), resp)


@router.post(
    "/drafts/{draft_id}/approve",
    response_model=schemas.Draft,
    tags=["drafts"],
    responses={412: {"description": "Changed since reviewed"}, 428: {"description": "No If-Match"}},
)
def approve_draft(
    draft_id: str,
    deps: DepsDep,
    resp: Response,
    if_match: Annotated[str | None, Header(max_length=200)] = None,
    force: bool = False,
) -> Any:
    """Approve exactly the text you reviewed: If-Match must carry the draft's ETag."""
    from mktdirector.agents.content import review
    from mktdirector.agents.content.reviewed import approve_reviewed

    if not if_match:
        return problem(
            428, "If-Match required", kind="precondition_required",
            detail="Approval must name the content you reviewed.",
            hint="Send If-Match with the ETag of GET /drafts/{id}",
        )  # fmt: skip
    view = approve_reviewed(deps.store, draft_id, if_match, force=force)
    return _draft(review.detail(deps.store, view.id), resp)


@router.post("/drafts/{draft_id}/reject", response_model=schemas.Draft, tags=["drafts"])
def reject_draft(draft_id: str, body: schemas.Rejection, deps: DepsDep, resp: Response) -> Any:
    """Reject a draft, keeping the reason with it."""
    from mktdirector.agents.content import review
    from mktdirector.agents.content.drafts import reject

    view = reject(deps.store, draft_id, body.reason)
    return _draft(review.detail(deps.store, view.id), resp)


@router.post(
    "/drafts/{draft_id}/publish",
    response_model=schemas.PostResult,
    tags=["drafts"],
    responses={202: {"model": schemas.PostResult, "description": "Sent; outcome to check"}},
)
def publish_draft(draft_id: str, deps: DepsDep, resp: Response) -> Any:
    """Publish an approved draft now, exactly once (429 + Retry-After: queued for the worker)."""
    from mktdirector.agents.social import posting

    ticket = posting.ready_to_publish(deps, draft_id)
    result = posting.publish(deps, ticket, confirmed=True).to_dict()
    return _result(resp, {**result, "resumed": None, "findings": [], "schedule": None})


@router.post("/drafts/{draft_id}/schedule", response_model=schemas.Job, tags=["drafts"])
def schedule_draft(draft_id: str, body: schemas.ScheduleIn, deps: DepsDep) -> Any:
    """Queue an approved draft for the worker at WHEN (in `timezone`, default the user's)."""
    from mktdirector.agents.social import posting

    return posting.schedule_draft(deps, draft_id, body.at, tz=body.timezone).to_dict()


@router.get("/posts", response_model=schemas.PostPage, tags=["posts"])
def list_posts(
    deps: DepsDep,
    platform: str | None = None,
    since: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Any:
    """Published posts (one row per thread segment), newest first."""
    from mktdirector.agents.social import listing

    rows, nxt = listing.published(
        deps.store, platform=platform, since=since, limit=limit, cursor=cursor
    )
    return {"items": rows, "next_cursor": nxt}


@router.delete("/posts/{draft_id}", response_model=schemas.PostDeleted, tags=["posts"])
def delete_post(draft_id: str, deps: DepsDep) -> Any:
    """Delete a draft's published post (a thread: every segment, newest first) on its platform,
    as `mktd posts delete ID --yes` does; the DELETE is the confirmation. Reports stop counting it."""
    from mktdirector.agents.social import deleting

    plan = deleting.plan_delete(deps.store, draft_id)
    return deleting.delete(deps, plan, confirmed=True).to_dict()
