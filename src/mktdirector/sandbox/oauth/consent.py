"""The authorize step: a consent page, and the redirect back to the app's loopback URI.

`GET /oauth/<p>/authorize` checks the client id and the redirect URI before anything else
(an unknown client or a non-loopback URI gets an error page, never a redirect), then the
response type, the scopes and, on X, PKCE; problems after that go back to the app as
`error=` on its redirect URI, as RFC 6749 says. The page's "Allow" and "Deny" buttons post a
one-time ticket; "Allow" redirects with `code` and `state`.
"""

from __future__ import annotations

import html
import secrets
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from mktdirector.sandbox.base import Request, Response, html_response, route
from mktdirector.sandbox.oauth.server import APPS

if TYPE_CHECKING:
    from mktdirector.sandbox.emulator import Emulator

_PAGE = """<!doctype html><html lang="en"><meta charset="utf-8"><title>{title}</title>
<body style="font-family:sans-serif;max-width:34em;margin:3em auto">
<h2>{title}</h2><p>Signed in to the mktd sandbox as <b>{who}</b>.</p>
<p><b>{client}</b> wants to:</p><ul id="scopes">{scopes}</ul>
<form method="post" action="{action}">
<input type="hidden" name="ticket" value="{ticket}">
<button type="submit" name="decision" value="allow" id="allow">Allow</button>
<button type="submit" name="decision" value="deny" id="deny">Deny</button>
</form><p style="color:#666">This is a local sandbox; no real account is involved.</p></body></html>"""


def _loopback(uri: str) -> bool:
    u = urlsplit(uri)
    return (
        u.scheme == "http"
        and (u.hostname or "") in ("127.0.0.1", "localhost", "::1")
        and not u.fragment
    )


def _redirect(uri: str, **params: str | None) -> Response:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    sep = "&" if urlsplit(uri).query else "?"
    return Response(302, b"", {"Location": f"{uri}{sep}{query}", "Cache-Control": "no-store"})


def _page_error(status: int, text: str) -> Response:
    return html_response(status, f"<!doctype html><title>Error</title><h2>{html.escape(text)}</h2>")


def authorize(emu: Emulator, req: Request, p: str) -> Response:
    """The consent page (GET) and the user's decision (POST)."""
    app = APPS[p]
    if req.method == "POST":
        form = req.form()
        ticket = emu.memory.setdefault("tickets", {}).pop(form.get("ticket", ""), None)
        if ticket is None:
            return _page_error(
                400, "This authorization request has expired or was already answered."
            )
        if form.get("decision") != "allow":
            return _redirect(
                ticket["redirect_uri"],
                error=app["deny_error"],
                state=ticket["state"],
                error_description="The user denied the request",
            )
        code = secrets.token_urlsafe(24)
        emu.memory.setdefault("codes", {})[code] = dict(ticket, expires=emu.now() + app["code_ttl"])
        return _redirect(ticket["redirect_uri"], code=code, state=ticket["state"])
    q = {k: v[0] for k, v in req.query.items()}
    if q.get("client_id") != app["client_id"]:
        return _page_error(400, f"Unknown client_id for {app['label']}: {q.get('client_id')!r}.")
    uri = q.get("redirect_uri", "")
    if not _loopback(uri):
        return _page_error(
            400, "redirect_uri must be a registered loopback URL (http://127.0.0.1:PORT/...)."
        )
    state = q.get("state")
    if q.get("response_type") != "code":
        return _redirect(uri, error="unsupported_response_type", state=state)
    scopes = [s for s in q.get("scope", "").replace(",", " ").split() if s]
    unknown = [s for s in scopes if s not in app["scopes"]]
    if not scopes or unknown:
        return _redirect(
            uri,
            error=app["scope_error"],
            state=state,
            error_description=f"Scope {unknown[0] if unknown else '(none)'!r} is not "
            "authorized for your application",
        )
    challenge, method = q.get("code_challenge"), q.get("code_challenge_method", "plain")
    if (app["pkce_required"] and not challenge) or (challenge and method not in ("S256", "plain")):
        return _redirect(
            uri,
            error="invalid_request",
            state=state,
            error_description="code_challenge (S256 or plain) is required",
        )
    ticket = secrets.token_urlsafe(16)
    emu.memory.setdefault("tickets", {})[ticket] = {
        "platform": p,
        "client_id": app["client_id"],
        "redirect_uri": uri,
        "state": state,
        "scopes": scopes,
        "challenge": challenge,
        "method": method,
    }
    page = _PAGE.format(
        title=f"Authorize access to your {app['label']} sandbox account",
        who=html.escape(app["who"]),
        client=html.escape(app["client_id"]),
        scopes="".join(f"<li>{html.escape(s)}</li>" for s in scopes),
        action=f"/oauth/{p}/authorize",
        ticket=ticket,
    )
    return html_response(200, page)


ROUTES = [
    route("GET", r"/(?P<p>x|linkedin|salesforce)/authorize", "{p}.authorize", authorize),
    route("POST", r"/(?P<p>x|linkedin|salesforce)/authorize", "{p}.authorize", authorize),
]
