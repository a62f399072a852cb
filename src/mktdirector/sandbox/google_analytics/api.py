"""GA4 Data API v1beta as mktd uses it: the service-account token, runReport, batchRunReports
(realtime reports: realtime.py; JWT checks and google-auth's self-signed JWT: jwt.py).

The token endpoint takes Google's JWT-bearer grant and verifies the RS256 signature with the
public half of the key `mktd sandbox env` generated (plus iss, aud, scope, iat/exp). Reports
are built from daily facts: a steady background of organic and direct visits, and the
sessions that published posts' links send, keyed by their UTM values (utm_content = the mktd
draft id), with key events equal to the HubSpot leads of the same post and day. Filters,
ordering, paging, totals and `propertyQuota` follow the reference card §2.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from mktdirector.sandbox.base import AuthFailure, Request, Response, json_response, route
from mktdirector.sandbox.env import GA_EMAIL, GA_PROPERTY
from mktdirector.sandbox.google_analytics import jwt
from mktdirector.sandbox.google_analytics import query as gq
from mktdirector.sandbox.google_analytics.facts import day_of, facts
from mktdirector.sandbox.oauth.tokens import store_token

if TYPE_CHECKING:
    from mktdirector.sandbox.emulator import Emulator

PLATFORM = "ga"
SCOPES = {
    "https://www.googleapis.com/auth/analytics.readonly",
    "https://www.googleapis.com/auth/analytics",
}
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_TTL = 3600
STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def gerror(status: int, message: str) -> Response:
    return json_response(
        status,
        {"error": {"code": status, "message": message, "status": STATUS.get(status, "UNKNOWN")}},
    )


def error(emu: Emulator, status: int, message: str | None, platform: str = PLATFORM) -> Response:
    return gerror(
        status,
        message or ("The service is currently unavailable." if status >= 500 else f"HTTP {status}"),
    )


def unauthorized(emu: Emulator, reason: str, platform: str = PLATFORM) -> Response:
    return gerror(
        401,
        "Request had invalid authentication credentials. Expected OAuth 2 access "
        "token, login cookie or other valid authentication credential. See "
        "https://developers.google.com/identity/sign-in/web/devconsole-project.",
    )


# What GA4 says for each exhausted token quota (it sends no rate headers, only these words).
QUOTA_MESSAGES = {
    "day": "Exhausted property tokens per day. These quota tokens will return tomorrow.",
    "hour": "Exhausted property tokens per hour. These quota tokens will return in under an hour.",
    "project_hour": "Exhausted property tokens per hour for a project per property. These "
    "quota tokens will return in under an hour.",
}


def rate_limited(
    emu: Emulator, reset: float | None, platform: str = PLATFORM, quota: str = "project_hour"
) -> Response:
    return gerror(429, QUOTA_MESSAGES[quota])


# token ---------------------------------------------------------------------------------------------
def token(emu: Emulator, req: Request) -> Response:
    """Google's token endpoint for the JWT-bearer grant of a service account."""
    form = req.form()

    def bad(desc: str) -> Response:
        return json_response(400, {"error": "invalid_grant", "error_description": desc})

    if form.get("grant_type") != JWT_GRANT:
        return json_response(
            400,
            {
                "error": "unsupported_grant_type",
                "error_description": "Invalid grant_type: " + form.get("grant_type", ""),
            },
        )
    try:
        claims, info = jwt.verify(emu, form.get("assertion", ""))
    except jwt.JwtRefused as e:
        if e.client:
            return json_response(401, {"error": "invalid_client", "error_description": str(e)})
        return bad(str(e))
    audiences = {f"{emu.base_url}/oauth/ga/token", "https://oauth2.googleapis.com/token"}
    if claims.get("aud") not in audiences:
        return bad("Invalid JWT: Failed audience check.")
    if not jwt.fresh(emu, claims):
        return bad(
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
            "reasonable timeframe. Check your iat and exp values in the JWT claim."
        )
    scopes = set(str(claims.get("scope") or "").split())
    if not scopes & SCOPES:
        return bad("Invalid OAuth scope or ID token audience provided.")
    access = "ya29.sbx-" + secrets.token_urlsafe(32)
    store_token(
        emu,
        access,
        platform="ga",
        kind="access",
        user=info["client_email"],
        scopes=sorted(scopes),
        client_id=info["client_email"],
        ttl=TOKEN_TTL,
        family=secrets.token_hex(8),
        principal="app",
    )
    return json_response(
        200, {"access_token": access, "expires_in": TOKEN_TTL - 1, "token_type": "Bearer"}
    )


# facts ------------------------------------------------------------------------------------------


# reports ----------------------------------------------------------------------------------------
def _guard(emu: Emulator, req: Request, pid: str) -> Response | None:
    # google-auth's service-account default: a self-signed JWT as the bearer, no exchange.
    who = jwt.self_signed(emu, req.bearer() or "") or emu.authenticate(req, PLATFORM)
    if isinstance(who, AuthFailure):
        return unauthorized(emu, who.reason)
    if pid != GA_PROPERTY:
        return gerror(
            403,
            "User does not have sufficient permissions for this property. To learn "
            "more about Property ID, see https://developers.google.com/analytics/devguides/"
            "reporting/data/v1/property-id.",
        )
    return None


def run_report(emu: Emulator, req: Request, pid: str) -> Response:
    denied = _guard(emu, req, pid)
    if denied:
        return denied
    try:
        body = req.json()
    except ValueError:
        return gerror(400, "Invalid JSON payload received.")
    out = report(emu, body)
    return out if isinstance(out, Response) else json_response(200, out)


def report(emu: Emulator, body: Any) -> dict[str, Any] | Response:
    try:
        query = gq.parse(body, day_of(emu.now()))
    except gq.QueryError as e:
        return gerror(400, str(e))
    cost = 1 + len(query.ranges) + len(query.dimensions) // 3
    quotas = {
        name: emu.limits.take(f"ga.tokens.{name}", GA_PROPERTY, cost)
        for name in ("day", "hour", "project_hour")
    }
    spent = next((name for name, q in quotas.items() if not q.ok), None)
    if spent is not None:
        return rate_limited(emu, None, quota=spent)
    rows = []
    for i, (first, last) in enumerate(query.ranges):
        for f in facts(emu, first, last):
            if len(query.ranges) > 1:
                f = {
                    "dims": dict(f["dims"], dateRange=query.range_names[i]),
                    "metrics": f["metrics"],
                }
            rows.append(f)
    result = gq.run(query, rows)
    if query.return_quota:
        q = {
            "tokensPerDay": quotas["day"],
            "tokensPerHour": quotas["hour"],
            "tokensPerProjectPerHour": quotas["project_hour"],
        }
        result["propertyQuota"] = {
            k: {"consumed": cost, "remaining": v.remaining} for k, v in q.items()
        }
        result["propertyQuota"].update(
            concurrentRequests={"consumed": 0, "remaining": 10},
            serverErrorsPerProjectPerHour={"consumed": 0, "remaining": 10},
            potentiallyThresholdedRequestsPerHour={"consumed": 0, "remaining": 120},
        )
    return result


def batch(emu: Emulator, req: Request, pid: str) -> Response:
    denied = _guard(emu, req, pid)
    if denied:
        return denied
    try:
        requests = req.json().get("requests") or []
    except (ValueError, AttributeError):
        return gerror(400, "Invalid JSON payload received.")
    if not 1 <= len(requests) <= 5:
        return gerror(400, "A batch must contain between 1 and 5 requests.")
    reports = []
    for r in requests:
        out = report(emu, r)
        if isinstance(out, Response):
            return out
        reports.append(out)
    return json_response(200, {"reports": reports, "kind": "analyticsData#batchRunReports"})


def metadata(emu: Emulator, req: Request, pid: str) -> Response:
    denied = _guard(emu, req, pid)
    if denied:
        return denied
    return json_response(
        200,
        {
            "name": f"properties/{pid}/metadata",
            "dimensions": [{"apiName": d, "uiName": d} for d in sorted(gq.DIMENSIONS)],
            "metrics": [
                {"apiName": m, "uiName": m, "type": t} for m, t in sorted(gq.METRICS.items())
            ],
        },
    )


def snapshot(emu: Emulator, out: dict[str, Any]) -> None:
    out["ga"] = {"property": GA_PROPERTY, "service_account": GA_EMAIL}


ROUTES = [
    route("POST", r"/v1beta/properties/(?P<pid>[^/:]+):runReport", "ga.report", run_report),
    route("POST", r"/v1beta/properties/(?P<pid>[^/:]+):batchRunReports", "ga.batch", batch),
    route("GET", r"/v1beta/properties/(?P<pid>[^/:]+)/metadata", "ga.metadata", metadata),
]
