"""The dashboard's pages: each parses, calls one agent flow, and renders a template."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mktdirector.web.depends import DepsDep, SessionDep
from mktdirector.web.security import SESSION_COOKIE
from mktdirector.web.templating import CheckedSession, render

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login(request: Request, code: str | None = None, expired: bool = False) -> Response:
    if code:
        from mktdirector.web.app import login_response

        return login_response(request.app, code)
    return render(request, "login.html", None, status_code=401 if expired else 200, expired=expired)


@router.post("/logout")
def logout(request: Request, s: CheckedSession) -> Response:
    request.app.state.sessions.end(request.cookies.get(SESSION_COOKIE))
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@router.get("/", response_class=HTMLResponse)
def inbox(
    request: Request,
    s: SessionDep,
    deps: DepsDep,
    status: Annotated[str | None, Query(max_length=20)] = None,
    platform: Annotated[str | None, Query(max_length=30)] = None,
    campaign: Annotated[str | None, Query(max_length=100)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    from mktdirector.agents.content import inbox as flow
    from mktdirector.agents.content.drafts import findings_of

    status, platform, campaign = status or None, platform or None, campaign or None
    rows, nxt = flow.page(
        deps.store, status=status, platform=platform, campaign=campaign, cursor=cursor
    )
    cards: list[dict[str, Any]] = [
        {
            "draft": d,
            "segments": flow.segments(d),
            "findings": findings_of(d),
            "made_by": flow.made_by(deps.store, d),
        }
        for d in rows
    ]
    filters = {"status": status or "", "platform": platform or "", "campaign": campaign or ""}
    return render(request, "inbox.html", s, cards=cards, next_cursor=nxt, filters=filters)
