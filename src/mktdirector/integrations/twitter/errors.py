"""X API v2 error bodies mapped into the mktd error tree (reference card §2.7).

X answers problem documents (`{"type": ".../2/problems/<kind>", "title", "detail"}`, sometimes
`about:blank`), legacy `{"errors": [{"code", "message"}]}` objects, and 200s that carry both
`data` and `errors[]`. Kinds are matched on the URL's last path segment because older answers
use the api.twitter.com host.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from mktdirector.core import errors as E
from mktdirector.integrations._api_helpers import error_body, rebuild
from mktdirector.integrations.social import DuplicateContentError
from mktdirector.integrations.twitter.limits import daily_exhausted

DOCS = "docs/integrations/twitter.md"
RESOURCE_KINDS = {"resource-not-found", "not-authorized-for-resource", "resource-unavailable"}
FIELD_KINDS = {"not-authorized-for-field", "field-unauthorized"}


class ReplyNotAllowedError(E.PermissionDeniedError):
    """X refused a reply: the author did not summon this account, or the post is gone."""

    kind = "reply_not_allowed"


def problem_kind(problem: dict[str, Any]) -> str | None:
    """`invalid-request` from `https://api.x.com/2/problems/invalid-request`."""
    t = problem.get("type")
    if not isinstance(t, str) or t == "about:blank" or "/problems/" not in t:
        return None
    return t.rstrip("/").rsplit("/", 1)[-1]


def _texts(data: dict[str, Any]) -> str:
    # `message` too: the spec's Error schema is a bare `{"code": 187, "message": ...}`.
    parts = [str(data.get(k) or "") for k in ("title", "detail", "reason", "message")]
    for err in data.get("errors") or []:
        if isinstance(err, dict):
            parts += [str(err.get("message") or ""), str(err.get("detail") or "")]
    return " ".join(parts).lower()


def _legacy_codes(data: dict[str, Any]) -> set[int]:
    """v1.1 codes: in `errors[]`, or at the top level (the OpenAPI document's `Error`)."""
    codes = {data["code"]} if isinstance(data.get("code"), int) else set()
    for err in data.get("errors") or []:
        if isinstance(err, dict) and isinstance(err.get("code"), int):
            codes.add(err["code"])
    return codes


def _short(data: dict[str, Any], fallback: str) -> str:
    detail = data.get("detail") or ""
    first = next((e.get("message") for e in data.get("errors") or [] if isinstance(e, dict)), None)
    if first and first not in detail:
        detail = f"{detail} {first}".strip()
    return (str(detail) or fallback)[:300]


def classify(response: httpx.Response, error: E.ApiStatusError) -> E.ApiStatusError | None:
    """A more precise error than the generic table, or None to keep `error`."""
    data = error_body(response)
    status = response.status_code
    kind = problem_kind(data)
    text = _texts(data)
    codes = _legacy_codes(data)
    where = f"X {error.method} {error.path}"
    if status == 403 or 187 in codes or 385 in codes:
        if "duplicate" in text or 187 in codes:
            return rebuild(
                error,
                DuplicateContentError,
                f"{where}: X refused the post as duplicate content (a post with this text exists).",
                code="duplicate",
                hint="Publishing adopts it only after its own lost attempt; else change the text",
            )
        if 385 in codes or (
            "repl" in text
            and any(
                w in text
                for w in (
                    "not allowed",
                    "not permitted",
                    "mentioned",
                    "summoned",
                    "engaged",
                    "deleted or not visible",
                )
            )
        ):
            return rebuild(
                error,
                ReplyNotAllowedError,
                f"{where}: X does not allow this reply ({_short(data, 'reply not permitted')}).",
                code="reply_not_allowed",
                hint="On self-serve tiers X allows API replies only where the author mentioned "
                "this account; post the rest as a new post, or reply by hand",
            )
        if kind == "client-forbidden":
            return rebuild(
                error,
                E.PermissionDeniedError,
                f"{where}: this app is not enrolled for the endpoint (client-forbidden).",
                code=kind,
                hint=f"Attach the app to a Project in the X developer portal ({DOCS})",
            )
        if "unsupported authentication" in text:
            return rebuild(
                error,
                E.PermissionDeniedError,
                f"{where}: X needs a user token here, not an app-only bearer token.",
                code="unsupported_authentication",
                hint="mktd authorize twitter (TWITTER_BEARER_TOKEN cannot post)",
            )
        return rebuild(
            error,
            E.PermissionDeniedError,
            f"{where}: forbidden ({_short(data, 'HTTP 403')}).",
            code=kind or error.code,
            hint="Check the app has Read and write permission and the scopes, then "
            "mktd authorize twitter",
        )
    if status == 401:
        return rebuild(
            error,
            E.AuthenticationError,
            f"{where}: X rejected the access token (expired, revoked or invalid).",
            hint="mktd authorize twitter",
        )
    if status == 429:
        assert isinstance(error, E.RateLimitError)
        if kind == "usage-capped" or "usage cap" in text or "credits" in text:
            return rebuild(
                error,
                E.RateLimitError,
                f"{where}: the X app's usage cap or credit balance is exhausted.",
                code="usage_capped",
                retry_after=error.retry_after,
                hint="Check usage and credits in the X developer portal",
            )
        daily = daily_exhausted(response.headers, time.time())
        window = "24-hour" if daily else "15-minute"
        return rebuild(
            error,
            E.RateLimitError,
            f"{where}: X {window} rate limit reached.",
            code=kind or "rate_limited",
            retry_after=error.retry_after,
        )
    if status in (400, 422) or kind == "invalid-request":
        return rebuild(
            error,
            E.BadRequestError,
            f"{where}: X refused the request: {_short(data, 'invalid request')}",
            code=kind or error.code,
            hint="Check the text and media; MKTD_DEBUG_HTTP=1 shows the request sent",
        )
    return None


def check_ok_body(response: httpx.Response) -> None:
    """Raise for a 2xx whose body has `errors[]` and no `data` (partial errors are kept)."""
    if not response.content or "json" not in response.headers.get("content-type", "json"):
        return
    data = error_body(response)
    errors = [e for e in data.get("errors") or [] if isinstance(e, dict)]
    if not errors or data.get("data") is not None:
        return
    kinds = {problem_kind(e) for e in errors}
    method = response.request.method
    path = response.request.url.path
    if method == "GET" and kinds <= RESOURCE_KINDS | FIELD_KINDS:
        # A lookup that found nothing, or owner-only fields refused for every id (posts over
        # 30 days old): the caller reads the per-resource errors and falls back.
        return
    first = errors[0]
    kind = problem_kind(first)
    cls: type[E.ApiStatusError] = E.BadRequestError
    if kind in RESOURCE_KINDS:
        cls = E.NotFoundError
    elif kind in FIELD_KINDS or kind == "disallowed-resource":
        cls = E.PermissionDeniedError
    elif kind == "internal-error":
        cls = E.ServerError
    raise cls(
        f"X {method} {path} answered {response.status_code} with errors only: "
        f"{_short(first, kind or 'unknown error')}",
        platform="twitter",
        status_code=response.status_code,
        method=method,
        path=path,
        code=kind,
    )
