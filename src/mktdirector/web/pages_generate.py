"""Generate: the topic form, and the polled progress of the background generation."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mktdirector.web.depends import SessionDep
from mktdirector.web.templating import CheckedSession, render

router = APIRouter(prefix="/ui/generate", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def form(request: Request, s: SessionDep) -> Response:
    return render(request, "generate.html", s)


@router.post("")
def start(
    request: Request,
    s: CheckedSession,
    topic: Annotated[str, Form(min_length=1, max_length=500)],
    platform: Annotated[Literal["linkedin", "twitter", "email"], Form()] = "linkedin",
    style: Annotated[
        Literal["professional", "casual", "storytelling", "contrarian"], Form()
    ] = "professional",
    cta: Annotated[bool, Form()] = False,
    thread_length: Annotated[int | None, Form(ge=1, le=25)] = None,
) -> Response:
    """Starts the generation and answers at once; the task page shows the text as it comes."""
    from mktdirector.web.generating import Ask

    ask = Ask(platform, topic.strip(), style, cta, thread_length)
    task = request.app.state.generator.start(ask)
    return RedirectResponse(f"/ui/generate/{task.id}", status_code=303)


@router.get("/{task_id}", response_class=HTMLResponse)
def progress(request: Request, task_id: str, s: SessionDep) -> Response:
    task = request.app.state.generator.get(task_id)
    if task is None:
        return render(request, "refused.html", s, status_code=404,
                      message="No such generation (they are kept for an hour).", hint=None)  # fmt: skip
    partial = request.headers.get("hx-request") == "true"
    if partial and task.status == "done":
        # htmx follows this to the new draft instead of swapping in a fragment.
        return Response(status_code=204, headers={"HX-Redirect": f"/ui/drafts/{task.draft_id}"})
    name = "_progress.html" if partial else "progress.html"
    return render(request, name, s, task=task)
