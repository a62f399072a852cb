"""Connect an OAuth platform from the dashboard, and the callback the provider redirects to."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from mktdirector.core.errors import MktdError
from mktdirector.web.templating import CheckedSession, refused, render

router = APIRouter(include_in_schema=False)


@router.post("/ui/connections/{platform}/connect")
def connect(request: Request, platform: str, s: CheckedSession) -> Response:
    from mktdirector.core.platforms import resolve_platform

    try:
        pid = resolve_platform(platform)
        pending = request.app.state.oauth.start(pid, request.app.state.base_url)
    except MktdError as e:
        return refused(request, s, e)
    # A page with a link, not a redirect: the CSP's form-action 'self' also covers where a
    # form's answer redirects to, and the provider is another origin.
    return render(request, "connect.html", s, platform=pid, url=pending.url)


@router.get("/oauth/{platform}/callback", response_class=HTMLResponse)
def callback(request: Request, platform: str) -> Response:
    """No session here: the provider's redirect is a cross-site navigation, which a SameSite=
    Strict cookie does not ride on. The flow's own `state` is what ties it to the sign-in."""
    done = request.app.state.oauth.callback(platform, str(request.url))
    if done is None:
        return render(request, "refused.html", None, status_code=400,
                      message="No sign-in of this server is waiting for that redirect.",
                      hint="Start again from Connections")  # fmt: skip
    if done.error:
        return render(request, "refused.html", None, status_code=400, message=done.error,
                      hint=done.hint)  # fmt: skip
    return render(request, "connected.html", None, platform=platform, account=done.account)
