"""The API's monitoring, notification, report and integration-check routes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse

from mktdirector.web import schemas
from mktdirector.web.depends import DepsDep, bearer

router = APIRouter(dependencies=[Depends(bearer)])

# The report's HTML is one self-contained file with its own <style>: allowed for that answer
# only, and still no script at all.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"


@router.get("/status", tags=["ops"])
def status(deps: DepsDep) -> dict[str, Any]:
    """`mktd status --json`: home, database, secret store, per-platform health, queue, worker."""
    from mktdirector.agents.ops.status import gather_status

    return gather_status(deps.home, deps.store, deps.credentials, deps.config.get("secrets.store"))


@router.get("/notifications", response_model=schemas.NotificationPage, tags=["ops"])
def notifications(
    deps: DepsDep,
    include_read: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Any:
    """Unread notifications (newest first); include_read adds the read ones. A page at a time."""
    from mktdirector.agents.ops.notifications import page

    rows, nxt = page(deps.store, include_read=include_read, limit=limit, cursor=cursor)
    unread = deps.store.unread_count() if deps.store.exists() else 0
    return {"items": rows, "unread": unread, "next_cursor": nxt}


@router.post("/notifications/ack", response_model=schemas.Acked, tags=["ops"])
def ack(body: schemas.Ack, deps: DepsDep) -> Any:
    """Mark one notification, or every unread one, as read."""
    from mktdirector.agents.ops.notifications import acknowledge

    return {"acknowledged": acknowledge(deps.store, body.id)}


@router.post("/test-integration/{platform}", tags=["ops"])
def test_integration(
    platform: str, deps: DepsDep, account: Annotated[str | None, Query(max_length=100)] = None
) -> dict[str, Any]:
    """Check one platform's credentials with its cheapest authenticated call."""
    from mktdirector.agents.ops import checks
    from mktdirector.core.platforms import resolve_platform

    return checks.check(deps.integration(resolve_platform(platform), account))


_REPORT_TYPES: dict[str, dict[str, Any]] = {"application/json": {}, "text/csv": {}, "text/html": {}}


@router.get(
    "/report",
    tags=["analytics"],
    response_model=None,
    responses={200: {"description": "JSON, CSV or HTML by `format`", "content": _REPORT_TYPES}},
)
def report(
    deps: DepsDep,
    timeframe: Annotated[str, Query(max_length=40)] = "7d",
    channels: Annotated[str | None, Query(max_length=200)] = None,
    metrics: Annotated[str | None, Query(max_length=200)] = None,
    format: Literal["json", "csv", "html"] = "json",
) -> Any:
    """Per channel and per post: reach, engagement, clicks, GA4 sessions, leads, cost."""
    from mktdirector.agents.analytics.report import build_report, to_csv

    rep = build_report(deps.store, timeframe=timeframe, channels=channels, metrics=metrics)
    if format == "csv":
        name = f"mktd-report-{rep.timeframe.start}.csv"
        return PlainTextResponse(
            to_csv(rep),
            media_type="text/csv",
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )
    if format == "html":
        from mktdirector.agents.analytics.report_html import render_html

        return HTMLResponse(render_html(rep), headers={"content-security-policy": REPORT_CSP})
    return rep.to_dict()


@router.get("/logs", response_model=schemas.AuditPage, tags=["ops"])
def logs(
    deps: DepsDep,
    platform: Annotated[str | None, Query(max_length=40)] = None,
    errors: bool = False,
    draft: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> Any:
    """`mktd logs --json`: the newest calls (oldest first), each with who caused it (`actor`)."""
    from mktdirector.agents.ops import audit

    if not deps.store.exists():
        return {"items": []}
    query = audit.call_query(deps.store, platform=platform, errors_only=errors, draft=draft,
                             limit=limit)  # fmt: skip
    return {"items": [dict(r) for r in audit.calls(deps.store, query)]}


@router.get("/analytics", tags=["analytics"])
def analytics(
    deps: DepsDep, draft_id: Annotated[str | None, Query(max_length=64)] = None
) -> dict[str, Any]:
    """The newest metric snapshot of each published post (of one draft, when given)."""
    return {"items": [dict(r) for r in deps.store.latest_snapshots(draft_id=draft_id)]}


@router.post("/login-links", response_model=schemas.LoginLink, tags=["dashboard"])
def login_link(request: Request) -> Any:
    """A fresh one-time dashboard login link (for a browser on this machine)."""
    code = request.app.state.sessions.new_login_code()
    return {"url": f"{request.app.state.base_url}/login?code={code}"}
