"""Jinja2 for the dashboard: autoescaped templates, and the CSRF check of every form post."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from mktdirector.core.errors import MktdError
from mktdirector.web.app import HERE
from mktdirector.web.depends import session
from mktdirector.web.security import CSRF_FIELD, CSRF_HEADER, Session, csrf_ok

templates = Jinja2Templates(directory=str(HERE / "templates"))


def render(
    request: Request, name: str, s: Session | None, status_code: int = 200, **context: Any
) -> HTMLResponse:
    context.update(request=request, csrf=s.csrf if s else "", logged_in=s is not None)
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def refused(request: Request, s: Session | None, err: MktdError) -> HTMLResponse:
    """An expected error on a page: what happened and what to do, with the API's status."""
    from mktdirector.web.problems import status_for

    return render(
        request, "refused.html", s, status_code=status_for(err), message=err.message, hint=err.hint
    )


async def checked_session(request: Request, s: Annotated[Session, Depends(session)]) -> Session:
    """A state-changing dashboard request: its CSRF token (form field or htmx header) must be
    the session's, so another site cannot post a form through the user's cookie."""
    presented = request.headers.get(CSRF_HEADER)
    if presented is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        presented = value if isinstance(value, str) else None
    if not csrf_ok(s, presented):
        raise HTTPException(403, "The form's CSRF token is missing or stale: reload the page.")
    return s


CheckedSession = Annotated[Session, Depends(checked_session)]
