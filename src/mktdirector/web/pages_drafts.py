"""The draft page: read, edit with live lint and length, approve (bound to the content hash the
page showed), reject, publish now, schedule; with the exact dry-run requests and provenance."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mktdirector.core.errors import MktdError, UsageError
from mktdirector.web.depends import DepsDep, SessionDep
from mktdirector.web.templating import CheckedSession, refused, render

router = APIRouter(prefix="/ui/drafts", include_in_schema=False)
Text = Annotated[str, Form(max_length=30_000)]


def _back(draft_id: str, done: str) -> Response:
    return RedirectResponse(f"/ui/drafts/{draft_id}?done={done}", status_code=303)


@router.get("/{draft_id}", response_class=HTMLResponse)
def draft_page(
    request: Request, draft_id: str, s: SessionDep, deps: DepsDep, done: str | None = None
) -> Response:
    from mktdirector.agents.content import inbox, review
    from mktdirector.agents.content.drafts import body_to_text
    from mktdirector.agents.social.schedule import user_tz

    try:
        detail = review.detail(deps.store, draft_id, provenance=True)
    except MktdError as e:
        return refused(request, s, e)
    draft = detail.draft
    return render(
        request, "draft.html", s,
        draft=draft, text=body_to_text(draft), findings=detail.findings,
        segments=inbox.segments(draft), generations=detail.generations,
        made_by=inbox.made_by(deps.store, draft), done=done,
        requests=_dry_run(deps, draft), tz=str(user_tz(deps.config.get)),
        posts=deps.store.draft_posts(draft["id"]),
    )  # fmt: skip


def _dry_run(deps: Any, draft: Any) -> Any:
    """The exact requests publishing would send (secrets masked), for an approved draft."""
    from mktdirector.agents.social import posting

    if draft["status"] not in {"approved", "scheduled"} or draft["kind"] == "email":
        return None
    try:
        return posting.preview_publish(deps, draft["id"])
    except MktdError as e:
        return {"unavailable": e.message, "hint": e.hint}


@router.post("/{draft_id}/check", response_class=HTMLResponse)
def live_check(
    request: Request, draft_id: str, s: CheckedSession, deps: DepsDep, text: Text = ""
) -> Response:
    """htmx, as the user types: the lengths as the platform counts them, and the findings."""
    from mktdirector.agents.content import inbox

    try:
        draft = deps.store.get_draft(draft_id)
        segs, findings = inbox.live_check(draft, deps.brand(), text)
    except MktdError as e:
        return render(request, "_check.html", s, segments=[], findings=[], error=e.message)
    return render(request, "_check.html", s, segments=segs, findings=findings, error=None)


@router.post("/{draft_id}/edit")
def edit(request: Request, draft_id: str, s: CheckedSession, deps: DepsDep, text: Text) -> Response:
    from mktdirector.agents.content.drafts import edit_draft

    try:
        view = edit_draft(deps.store, deps.brand(), draft_id, text)
    except MktdError as e:
        return refused(request, s, e)
    return _back(view.id, "saved")


@router.post("/{draft_id}/approve")
def approve(
    request: Request,
    draft_id: str,
    s: CheckedSession,
    deps: DepsDep,
    content_hash: Annotated[str, Form(max_length=200)],
    force: Annotated[bool, Form()] = False,
) -> Response:
    from mktdirector.agents.content.reviewed import approve_reviewed

    try:
        view = approve_reviewed(deps.store, draft_id, content_hash, force=force)
    except MktdError as e:
        return refused(request, s, e)
    return _back(view.id, "approved")


@router.post("/{draft_id}/reject")
def reject(
    request: Request,
    draft_id: str,
    s: CheckedSession,
    deps: DepsDep,
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    from mktdirector.agents.content.drafts import reject as reject_draft

    try:
        view = reject_draft(deps.store, draft_id, reason)
    except MktdError as e:
        return refused(request, s, e)
    return _back(view.id, "rejected")


@router.post("/{draft_id}/publish")
def publish(request: Request, draft_id: str, s: CheckedSession, deps: DepsDep) -> Response:
    """Publish now (the button is the confirmation); a rate limit queues it and says when."""
    from mktdirector.agents.social import posting

    try:
        ticket = posting.ready_to_publish(deps, draft_id)
        result = posting.publish(deps, ticket, confirmed=True)
    except MktdError as e:
        return refused(request, s, e)
    return _back(result.draft_id, result.status)


@router.post("/{draft_id}/delete")
def delete_post(
    request: Request,
    draft_id: str,
    s: CheckedSession,
    deps: DepsDep,
    confirm: Annotated[str | None, Form(max_length=10)] = None,
) -> Response:
    """Delete the published post on its platform: only with the box ticked that says so."""
    from mktdirector.agents.social import deleting

    try:
        plan = deleting.plan_delete(deps.store, draft_id)
        if confirm != "yes":
            raise UsageError("Not deleted: tick the box to confirm.", hint="It cannot be undone.")
        deleting.delete(deps, plan, confirmed=True)
    except MktdError as e:
        return refused(request, s, e)
    return _back(plan.draft["id"], "deleted")


@router.post("/{draft_id}/schedule")
def schedule(
    request: Request,
    draft_id: str,
    s: CheckedSession,
    deps: DepsDep,
    at: Annotated[str, Form(max_length=100)],
    tz: Annotated[str | None, Form(max_length=64)] = None,
) -> Response:
    """`at` is the date-time picker's local value (2026-12-06T09:00) in the shown zone, or
    any WHEN the CLI takes ("in 2h", next-slot)."""
    from mktdirector.agents.social import posting

    try:
        job = posting.schedule_draft(deps, draft_id, at.replace("T", " "), tz=tz or None)
    except MktdError as e:
        return refused(request, s, e)
    return _back(str(job.draft_id), "scheduled")
