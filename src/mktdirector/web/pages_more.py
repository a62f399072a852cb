"""Calendar, posts and report, connections, status and notifications."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from mktdirector.core.errors import MktdError, UsageError
from mktdirector.web.depends import DepsDep, SessionDep
from mktdirector.web.routes_ops import REPORT_CSP
from mktdirector.web.templating import CheckedSession, refused, render

router = APIRouter(prefix="/ui", include_in_schema=False)
Short = Annotated[str | None, Query(max_length=200)]


CALENDAR_VIEWS = ("week", "day", "month")  # two weeks as a grid, one day, a month as a grid


def calendar_window(view: str, first: date | None, today: date) -> tuple[date, int, date, date]:
    """(start, days, previous start, next start) of a view: a week grid starts on a Monday and
    shows two weeks; a month grid shows whole Monday-first weeks from the 1st to the month's end."""
    if view == "day":
        d = first or today
        return d, 1, d - timedelta(days=1), d + timedelta(days=1)
    if view == "week":
        d = first or today
        d -= timedelta(days=d.weekday())
        return d, 14, d - timedelta(days=7), d + timedelta(days=7)
    month = (first or today).replace(day=1)
    nxt = (month + timedelta(days=32)).replace(day=1)
    prev = (month - timedelta(days=1)).replace(day=1)
    grid_start = month - timedelta(days=month.weekday())
    grid_end = nxt + timedelta(days=(7 - nxt.weekday()) % 7)
    return grid_start, (grid_end - grid_start).days, prev, nxt


@router.get("/calendar", response_class=HTMLResponse)
def calendar(
    request: Request, s: SessionDep, deps: DepsDep, start: Short = None, view: Short = "week"
) -> Response:
    """Scheduled and published posts by week or month (7-column grids, Monday first) or by day."""
    from mktdirector.agents.social.calendar import calendar as flow
    from mktdirector.agents.social.schedule import user_tz

    view = view or "week"
    if view not in CALENDAR_VIEWS:
        hint = "view=week, view=day or view=month"
        return refused(request, s, UsageError(f"view={view!r} is not a calendar view.", hint=hint))
    try:
        first = date.fromisoformat(start) if start else None
    except ValueError:
        return refused(request, s, UsageError(f"start={start!r} is not a date.", hint="2026-12-07"))
    tz = user_tz(deps.config.get)
    today = datetime.now(tz).date()
    grid_start, days, prev, nxt = calendar_window(view, first, today)
    cal = flow(deps.store, deps.config.get, tz, start=grid_start, days=days)
    days_shown = cal["days"]
    month = (first or today).replace(day=1) if view == "month" else None
    for d in days_shown:  # a month grid greys the days of the months around it
        d["outside"] = month is not None and date.fromisoformat(d["date"]).month != month.month
    weeks = [days_shown[i : i + 7] for i in range(0, len(days_shown), 7)]
    title = month.strftime("%B %Y") if month else None
    anchor = (month or grid_start).isoformat()  # where the other views open
    return render(request, "calendar.html", s, cal=cal, view=view, weeks=weeks, title=title,
                  anchor=anchor, prev=prev.isoformat(), next=nxt.isoformat(),
                  today=today.isoformat())  # fmt: skip


@router.post("/calendar/{draft_id}/cancel")
def cancel(request: Request, draft_id: str, s: CheckedSession, deps: DepsDep) -> Response:
    from mktdirector.agents.social.schedule import cancel as cancel_job
    from mktdirector.agents.social.schedule import user_tz

    try:
        cancel_job(deps.store, draft_id, tz=user_tz(deps.config.get))
    except MktdError as e:
        return refused(request, s, e)
    return RedirectResponse("/ui/calendar", status_code=303)


@router.post("/calendar/{draft_id}/move")
def move(
    request: Request,
    draft_id: str,
    s: CheckedSession,
    deps: DepsDep,
    at: Annotated[str, Form(max_length=100)],
) -> Response:
    """Reschedule: the same flow as `mktd schedule ID --at WHEN`."""
    from mktdirector.agents.social import posting

    try:
        posting.schedule_draft(deps, draft_id, at.replace("T", " "))
    except MktdError as e:
        return refused(request, s, e)
    return RedirectResponse("/ui/calendar", status_code=303)


POSTS_PER_PAGE = 50  # rows (and sparklines) built per request; totals still count every post


@router.get("/posts", response_class=HTMLResponse)
def posts(
    request: Request,
    s: SessionDep,
    deps: DepsDep,
    timeframe: Short = "7d",
    channels: Short = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Published posts with their numbers: the report's per-post rows (the attribution join of
    engagement, clicks, GA4 sessions and CRM leads per post), one page at a time; the totals row
    is over every post of the timeframe, and only the shown posts get sparklines."""
    from mktdirector.agents.analytics.report import build_report

    try:
        rep = build_report(
            deps.store, timeframe=timeframe or "7d", channels=channels or None, metrics=None,
            posts_limit=POSTS_PER_PAGE, posts_offset=(page - 1) * POSTS_PER_PAGE,
        )  # fmt: skip
    except MktdError as e:
        return refused(request, s, e)
    from mktdirector.agents.analytics.sparklines import history, sparkline

    data = rep.to_dict()
    lines = history(deps.store, [p["draft_id"] for p in data["posts"]])
    sparks = {did: {k: sparkline(v, k) for k, v in series.items()} for did, series in lines.items()}
    total = int(data["totals"].get("posts") or 0)
    first = (page - 1) * POSTS_PER_PAGE
    pages = {"page": page, "first": first + 1, "last": first + len(data["posts"]), "total": total,
             "prev": page - 1 if page > 1 else None,
             "next": page + 1 if first + POSTS_PER_PAGE < total else None}  # fmt: skip
    return render(request, "posts.html", s, report=data, timeframe=timeframe or "7d",
                  channels=channels or "", sparks=sparks, pages=pages)  # fmt: skip


@router.get("/report")
def report(
    request: Request,
    s: SessionDep,
    deps: DepsDep,
    timeframe: Short = "7d",
    channels: Short = None,
    format: Annotated[str, Query(pattern="^(html|csv)$")] = "html",
) -> Response:
    from mktdirector.agents.analytics.report import build_report, to_csv

    try:
        rep = build_report(deps.store, timeframe=timeframe or "7d", channels=channels or None,
                           metrics=None)  # fmt: skip
    except MktdError as e:
        return refused(request, s, e)
    if format == "csv":
        return PlainTextResponse(
            to_csv(rep), media_type="text/csv",
            headers={"content-disposition": 'attachment; filename="mktd-report.csv"'},
        )  # fmt: skip
    from mktdirector.agents.analytics.report_html import render_html

    return HTMLResponse(render_html(rep), headers={"content-security-policy": REPORT_CSP})


@router.get("/status", response_class=HTMLResponse)
def status(request: Request, s: SessionDep, deps: DepsDep, all: bool = False) -> Response:
    from mktdirector.agents.ops.notifications import to_show
    from mktdirector.agents.ops.recent import recent_calls
    from mktdirector.agents.ops.status import gather_status

    data = gather_status(deps.home, deps.store, deps.credentials, deps.config.get("secrets.store"))
    notes = to_show(deps.store, include_read=all, limit=100) if deps.store.exists() else []
    calls = recent_calls(deps.store) if deps.store.exists() else []
    return render(request, "status.html", s, status=data, notes=notes, show_all=all, calls=calls,
                  unread=data.get("notifications_unread", 0))  # fmt: skip


@router.get("/unread", response_class=HTMLResponse)
def unread(request: Request, s: SessionDep, deps: DepsDep) -> Response:
    """The nav's badge (htmx polls it): unread notifications, nothing when there are none."""
    n = deps.store.unread_count() if deps.store.exists() else 0
    return HTMLResponse(f'<span class="badge">{n}</span>' if n else "")


@router.post("/notifications/ack")
def ack(
    request: Request,
    s: CheckedSession,
    deps: DepsDep,
    id: Annotated[str | None, Form(max_length=64)] = None,
) -> Response:
    from mktdirector.agents.ops.notifications import acknowledge

    try:
        acknowledge(deps.store, id or None)
    except MktdError as e:
        return refused(request, s, e)
    return RedirectResponse("/ui/status", status_code=303)


@router.get("/connections", response_class=HTMLResponse)
def connections(request: Request, s: SessionDep, deps: DepsDep, saved: Short = None) -> Response:
    from mktdirector.agents.auth.authorize import auth_status
    from mktdirector.agents.auth.keys import KEY_PLATFORMS
    from mktdirector.agents.ops.monitoring import rate_limit_usage
    from mktdirector.core.platforms import PLATFORMS
    from mktdirector.integrations.oauth.app import PROVIDERS

    rows: list[dict[str, Any]] = auth_status(store=deps.store, credentials=deps.credentials)
    oauth = [{"id": p, "label": PLATFORMS[p].label} for p in PROVIDERS if p in PLATFORMS]
    rates = rate_limit_usage(deps.store) if deps.store.exists() else []
    return render(request, "connections.html", s, rows=rows, key_platforms=KEY_PLATFORMS,
                  oauth_platforms=oauth, saved=saved, rates=rates)  # fmt: skip


@router.post("/connections/{platform}/key")
def save_key(
    request: Request,
    platform: str,
    s: CheckedSession,
    deps: DepsDep,
    key: Annotated[str, Form(max_length=500)],
) -> Response:
    """The same flow as `mktd authorize hubspot`: one cheap call validates the key, and only a
    key that worked is saved. The key is never rendered back."""
    from mktdirector.agents.auth.keys import authorize_api_key

    try:
        result = authorize_api_key(
            platform, key, credentials=deps.credentials, config=deps.config.get,
            http_factory=deps.http, events=deps.store.record_auth_event,
        )  # fmt: skip
    except MktdError as e:
        return refused(request, s, e)
    return RedirectResponse(f"/ui/connections?saved={result.platform}", status_code=303)
