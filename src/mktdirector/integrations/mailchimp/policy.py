"""Mailchimp's rules for the choke point: problem-JSON errors explained, 429 from concurrency.

Errors are `application/problem+json`: `{type, title, status, detail, instance}` plus
`errors: [{field, message}]` on validation failures (reference card api-crm-email.md §5.6).
Mailchimp publishes no per-minute quota and sends no rate headers: its limit is 10
simultaneous connections per API key, so a 429 clears as soon as a connection frees up.
"""

from __future__ import annotations

import httpx

from mktdirector.core import errors as E
from mktdirector.core.policy import GenericPolicy
from mktdirector.integrations._api_helpers import error_body, rebuild

KEY_STEPS = (
    "In Mailchimp: Profile → Extras → API keys → Create A Key, then `mktd authorize mailchimp` "
    "or set MAILCHIMP_API_KEY"
)
# The most simultaneous connections Mailchimp allows per API key (its batch guide).
MAX_CONNECTIONS = 10
# A 429 without Retry-After means "too many connections right now": wait briefly.
CONCURRENCY_WAIT_S = 1.0
SEND_ACTIONS = (
    "/campaigns/{campaign_id}/actions/send",
    "/campaigns/{campaign_id}/actions/schedule",
)


def problem(response: httpx.Response) -> tuple[str, str, str]:
    """(title, detail, field errors) of a problem-JSON body; empty strings when absent."""
    body = error_body(response)
    fields = "; ".join(
        f"{e.get('field') or '?'}: {e.get('message')}"
        for e in body.get("errors") or []
        if isinstance(e, dict)
    )
    return str(body.get("title") or ""), str(body.get("detail") or ""), fields


class MailchimpPolicy(GenericPolicy):
    request_id_headers: tuple[str, ...] = ("x-request-id",)

    def classify(
        self, response: httpx.Response, error: E.ApiStatusError
    ) -> E.ApiStatusError | None:
        title, detail, fields = problem(response)
        status = response.status_code
        said = ": ".join(dict.fromkeys(x for x in (title, detail) if x))[:400]
        if status == 401:
            return rebuild(
                error, E.AuthenticationError,
                f"Mailchimp rejected the API key (HTTP 401{': ' + title if title else ''}).",
                hint=KEY_STEPS,
            )  # fmt: skip
        if status == 403:
            return rebuild(
                error, E.PermissionDeniedError,
                f"Mailchimp refused {error.method} {error.path} (HTTP 403"
                f"{': ' + said if said else ''}): the user is disabled or lacks permission.",
                hint="Check the account's user role in Mailchimp, or use a key of an admin user",
            )  # fmt: skip
        if status == 404:
            return rebuild(
                error, E.NotFoundError, f"Mailchimp has no such resource ({said or error.path}).",
                hint="mktd email audiences list   (audience ids), or check the campaign id",
            )  # fmt: skip
        if status in (400, 422) and (said or fields):
            text = "; ".join(x for x in (said, fields) if x)
            return rebuild(error, E.BadRequestError, f"Mailchimp refused the request: {text}")
        if status == 429 and error.retry_after is None:  # type: ignore[attr-defined]
            error.retry_after = CONCURRENCY_WAIT_S  # type: ignore[attr-defined]
        if status >= 500 and error.path in SEND_ACTIONS:
            return rebuild(
                error, E.ServerError,
                f"Mailchimp failed (HTTP {status}) while taking the send; it may or may not "
                "have started.",
                hint="mktd did not send it again; run the same command: it reads the campaign "
                "back first",
            )  # fmt: skip
        return None
