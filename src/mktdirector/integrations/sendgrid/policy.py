"""SendGrid's rules for the choke point: its `{"errors": [...]}` bodies, explained.

Its rate headers are the generic `X-RateLimit-*` family core reads already.
"""

from __future__ import annotations

import httpx

from mktdirector.core import errors as E
from mktdirector.core.policy import GenericPolicy
from mktdirector.integrations._api_helpers import error_body, rebuild

SEND = "/v3/mail/send"
KEY_STEPS = (
    "In SendGrid: Settings → API Keys → Create API Key (Restricted Access: Mail Send full, "
    "Stats read), then `mktd authorize sendgrid` or set SENDGRID_API_KEY"
)
# The permission a 403 on each endpoint most likely means is missing.
_SCOPE_FOR = {
    SEND: "mail.send",
    "/v3/mail/batch": "mail.batch.create",
    "/v3/user/scheduled_sends": "user.scheduled_sends.create",
    "/v3/stats": "stats.read",
    "/v3/categories/stats": "categories.stats.read",
    "/v3/scopes": "(any valid key may read its scopes)",
}


class SenderIdentityError(E.ApiStatusError):
    """403: the from address is not a verified Sender Identity. The key itself is fine."""

    exit_code = E.ExitCode.CONFIG
    kind = "sender_identity"


class SendGridPolicy(GenericPolicy):
    def classify(
        self, response: httpx.Response, error: E.ApiStatusError
    ) -> E.ApiStatusError | None:
        """SendGrid's `{"errors": [{message, field, help}]}` bodies, explained."""
        errs = [e for e in error_body(response).get("errors") or [] if isinstance(e, dict)]
        text = "; ".join(
            f"{e['field']}: {e.get('message')}"
            if e.get("field") not in (None, "null")
            else str(e.get("message"))
            for e in errs
        )
        status = response.status_code
        path = error.path
        if status == 401:
            return rebuild(
                error,
                E.AuthenticationError,
                "SendGrid rejected the API key (HTTP 401): wrong, revoked, or the plan's "
                "email quota is used up.",
                hint=KEY_STEPS,
            )
        if status == 403 and (
            any(e.get("field") == "from" for e in errs) or "sender identity" in text.lower()
        ):
            return rebuild(
                error,
                SenderIdentityError,
                "SendGrid refused the from address: it is not a verified Sender Identity.",
                hint="In SendGrid: Settings → Sender Authentication → verify this address "
                "(Single Sender) or authenticate its domain; the API key is fine",
            )
        if status == 403:
            scope = _SCOPE_FOR.get(path, "the matching permission")
            return rebuild(
                error,
                E.PermissionDeniedError,
                f"The SendGrid API key may not call {error.method} {path} (needs {scope}).",
                hint="Edit the key's permissions in SendGrid (Settings → API Keys), or create "
                "one with them and run `mktd authorize sendgrid`",
            )
        if status == 413:
            return rebuild(
                error,
                E.BadRequestError,
                "The email is too large for SendGrid (30 MB in all, attachments included).",
            )
        if status == 400 and text:
            return rebuild(error, E.BadRequestError, f"SendGrid refused the request: {text[:400]}")
        if status == 429 and error.retry_after is None:  # type: ignore[attr-defined]
            error.retry_after = 1.0  # type: ignore[attr-defined]
        if status >= 500 and path == SEND:
            return rebuild(
                error,
                E.ServerError,
                f"SendGrid failed (HTTP {status}) while taking the email; it may or may not "
                "have been queued.",
                hint="mktd did not resend it. Check Activity in SendGrid before sending again",
            )
        return None
