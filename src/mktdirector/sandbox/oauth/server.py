"""The sandbox's OAuth 2.0 authorization server for X and LinkedIn (and GA4's token endpoint).

`GET /oauth/<p>/authorize` validates the request and shows a consent page whose "Allow" form
posts back and redirects to the app's loopback `redirect_uri` with `code` and `state` ("Deny"
sends `error`). `POST /oauth/<p>/token` exchanges a code (single use; X codes live 30 s;
`redirect_uri` must match; PKCE S256 or plain verified when a challenge was sent, and
required on X; LinkedIn's confidential client must send its secret) and refreshes. X rotates:
each refresh returns a new pair and the old refresh token stops working; presenting an
already-rotated one revokes the whole family (as a scheduler maintainer reports X doing).
LinkedIn does not rotate: a refresh mints a new access token and the refresh token's life
keeps counting down from 365 days. `POST /oauth/<p>/revoke` (RFC 7009) revokes a token, and
with a refresh token its whole family.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from mktdirector.sandbox import env as sbenv
from mktdirector.sandbox.base import (
    Request,
    Response,
    empty,
    iso,
    json_response,
    route,
)
from mktdirector.sandbox.google_analytics import api as ga
from mktdirector.sandbox.oauth.tokens import store_token
from mktdirector.sandbox.state import token_hash

if TYPE_CHECKING:
    from mktdirector.sandbox.emulator import Emulator

PLATFORM = "oauth"
DAY = 86_400
APPS: dict[str, dict[str, Any]] = {
    "x": {
        "label": "X",
        "client_id": sbenv.X_CLIENT_ID,
        "secret": None,
        "user": sbenv.X_USER["id"],
        "who": "@" + sbenv.X_USER["username"],
        "pkce_required": True,
        "rotate": True,
        "code_ttl": 30,
        "access_ttl": 7200,
        "refresh_ttl": 180 * DAY,
        "sep": " ",
        "scopes": {
            "tweet.read",
            "tweet.write",
            "users.read",
            "offline.access",
            "media.write",
            "follows.read",
            "like.read",
            "list.read",
            "bookmark.read",
            "space.read",
        },
        "scope_error": "invalid_scope",
        "deny_error": "access_denied",
    },
    "linkedin": {
        "label": "LinkedIn",
        "client_id": sbenv.LINKEDIN_CLIENT_ID,
        "secret": sbenv.LINKEDIN_CLIENT_SECRET,
        "user": sbenv.LINKEDIN_MEMBER["sub"],
        "who": sbenv.LINKEDIN_MEMBER["name"],
        "pkce_required": False,
        "rotate": False,
        "code_ttl": 1800,
        "access_ttl": 60 * DAY,
        "refresh_ttl": 365 * DAY,
        "sep": ",",
        "scopes": set(sbenv.LINKEDIN_SCOPES),
        "scope_error": "unauthorized_scope_error",
        "deny_error": "user_cancelled_authorize",
    },
    # Salesforce (reference card 4.2): the answer carries instance_url, id, issued_at and a
    # signature, no expires_in (the session lives as long as the org's timeout says); the
    # refresh token does not rotate unless the org's policy says so (`rotate`).
    "salesforce": {
        "label": "Salesforce",
        "client_id": sbenv.SALESFORCE_CLIENT_ID,
        "secret": sbenv.SALESFORCE_CLIENT_SECRET,
        "user": sbenv.SALESFORCE_USER["Id"],
        "who": sbenv.SALESFORCE_USER["Username"],
        "pkce_required": False,
        "rotate": False,
        "code_ttl": 900,
        "access_ttl": 7200,
        "refresh_ttl": None,
        "sep": " ",
        "scopes": {"api", "refresh_token", "offline_access", "id", "profile", "openid", "web"},
        "scope_error": "invalid_scope",
        "deny_error": "access_denied",
    },
}


def error(emu: Emulator, status: int, message: str | None, platform: str = "x") -> Response:
    kind = "temporarily_unavailable" if status >= 500 else "invalid_request"
    return json_response(status, {"error": kind, "error_description": message or f"HTTP {status}"})


def unauthorized(emu: Emulator, reason: str, platform: str = "x") -> Response:
    return json_response(
        401, {"error": "invalid_client", "error_description": "Client authentication failed"}
    )


def rate_limited(emu: Emulator, reset: float | None, platform: str = "x") -> Response:
    headers = {"Retry-After": str(int(reset))} if reset is not None else {}
    return json_response(
        429, {"error": "rate_limited", "error_description": "Too Many Requests"}, headers
    )


def _client(app: dict[str, Any], req: Request, form: dict[str, str]) -> str | None:
    """The authenticated client id, or None when client authentication fails."""
    cid, secret = form.get("client_id"), form.get("client_secret")
    auth = req.header("Authorization") or ""
    if auth.lower().startswith("basic "):
        try:
            cid, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        except ValueError:
            return None
        from urllib.parse import unquote

        cid, secret = unquote(cid), unquote(secret)
    if cid != app["client_id"]:
        return None
    if app["secret"] is None:
        return cid if not secret else None  # a public client has no secret to send
    return cid if secret and secrets.compare_digest(secret, app["secret"]) else None


def _issue(
    emu: Emulator,
    p: str,
    user: str,
    scopes: list[str],
    family: str,
    refresh: str | None = None,
    refresh_doc: dict[str, Any] | None = None,
) -> dict[str, Any]:
    app = APPS[p]
    prefix = f"sbx-{ {'x': 'x', 'salesforce': 'sf'}.get(p, 'li') }"
    access = f"{prefix}-at-{secrets.token_urlsafe(32)}"
    store_token(
        emu,
        access,
        platform=p,
        kind="access",
        user=user,
        scopes=scopes,
        client_id=app["client_id"],
        ttl=app["access_ttl"],
        family=family,
    )
    out: dict[str, Any] = {
        "access_token": access,
        "expires_in": app["access_ttl"],
        "scope": app["sep"].join(scopes),
    }
    out["token_type"] = "bearer" if p == "x" else "Bearer"
    if p == "salesforce":
        _salesforce_fields(emu, out, user)
    if refresh_doc is not None and refresh is not None:  # LinkedIn: same refresh token, same clock
        out.update(
            refresh_token=refresh,
            refresh_token_expires_in=int(refresh_doc["expires_at"] - emu.now()),
        )
    elif p == "salesforce" and (refresh is not None or not {"refresh_token", "offline_access"}
                                & set(scopes)):  # fmt: skip
        pass  # no refresh token: a refresh answer (the old one stays) or none was asked for
    elif p != "x" or "offline.access" in scopes:
        new = f"{prefix}-rt-{secrets.token_urlsafe(32)}"
        store_token(
            emu,
            new,
            platform=p,
            kind="refresh",
            user=user,
            scopes=scopes,
            client_id=app["client_id"],
            ttl=app["refresh_ttl"],
            family=family,
        )
        out["refresh_token"] = new
        if p == "linkedin":
            out["refresh_token_expires_in"] = app["refresh_ttl"]
    return out


def _salesforce_fields(emu: Emulator, out: dict[str, Any], user: str) -> None:
    """What Salesforce adds to a token answer, and what it leaves out (expires_in)."""
    import hmac

    out.pop("expires_in", None)
    base = emu.base_url.rstrip("/")
    out["instance_url"] = f"{base}/salesforce"
    out["id"] = f"{base}/oauth/salesforce/id/{sbenv.SALESFORCE_ORG}/{user}"
    out["issued_at"] = str(int(emu.now() * 1000))
    mac = hmac.new(sbenv.SALESFORCE_CLIENT_SECRET.encode(),
                   (out["id"] + out["issued_at"]).encode(), hashlib.sha256)  # fmt: skip
    out["signature"] = base64.b64encode(mac.digest()).decode()


def _grant_error(p: str, status: int = 400, kind: str = "invalid_request") -> Response:
    desc = (
        "Value passed for the token was invalid."
        if p == "x"
        else "Unable to retrieve access token: appid/redirect uri/code verifier does not match "
        "authorization code. Or authorization code expired."
    )
    return json_response(status, {"error": kind, "error_description": desc})


def revoke_family(emu: Emulator, family: str) -> int:
    n = 0
    for doc in emu.state.find("token", owner=family):
        if not doc["revoked"]:
            doc["revoked"] = True
            emu.state.put("token", doc["id"], doc, owner=family, key=doc["platform"])
            n += 1
    return n


def token(emu: Emulator, req: Request, p: str) -> Response:
    app = APPS[p]
    form = req.form()
    if _client(app, req, form) is None:
        return unauthorized(emu, "invalid", p)
    grant = form.get("grant_type")
    if grant == "authorization_code":
        code = emu.memory.setdefault("codes", {}).pop(form.get("code", ""), None)
        if code is None or code["expires"] < emu.now() or code.get("platform") != p:
            return _grant_error(p)
        if form.get("redirect_uri") != code["redirect_uri"]:
            return _grant_error(p)
        if code["challenge"]:
            verifier = form.get("code_verifier", "")
            digest = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .rstrip(b"=")
                .decode()
            )
            want = digest if code["method"] == "S256" else verifier
            if not verifier or not secrets.compare_digest(want, code["challenge"]):
                return _grant_error(p)
        return json_response(
            200,
            _issue(emu, p, app["user"], code["scopes"], secrets.token_hex(8)),
            {"Cache-Control": "no-store"},
        )
    if grant == "refresh_token":
        doc = emu.state.get("token", token_hash(form.get("refresh_token", "")))
        if doc is None or doc["kind"] != "refresh" or doc["platform"] != p:
            return _grant_error(p)
        if doc["rotated"]:  # an old refresh token came back: someone else may hold the family
            revoke_family(emu, doc["family"])
            return _grant_error(p)
        if doc["revoked"] or (doc["expires_at"] is not None and doc["expires_at"] <= emu.now()):
            return _grant_error(p)
        if p == "salesforce" and not app["rotate"]:
            out = _issue(emu, p, doc["user"], doc["scopes"], doc["family"], refresh="kept")
        elif app["rotate"]:
            doc["rotated"] = True
            emu.state.put("token", doc["id"], doc, owner=doc["family"], key=p)
            out = _issue(emu, p, doc["user"], doc["scopes"], doc["family"])
        else:
            out = _issue(
                emu,
                p,
                doc["user"],
                doc["scopes"],
                doc["family"],
                refresh=form["refresh_token"],
                refresh_doc=doc,
            )
        return json_response(200, out, {"Cache-Control": "no-store"})
    return json_response(
        400,
        {
            "error": "unsupported_grant_type",
            "error_description": f"grant_type {grant!r} is not supported",
        },
    )


def revoke(emu: Emulator, req: Request, p: str) -> Response:
    app = APPS[p]
    form = req.form()
    if _client(app, req, form) is None:
        return unauthorized(emu, "invalid", p)
    doc = emu.state.get("token", token_hash(form.get("token", "")))
    if doc is not None and doc["platform"] == p:
        if doc["kind"] == "refresh":
            revoke_family(emu, doc["family"])
        elif not doc["revoked"]:
            doc["revoked"] = True
            emu.state.put("token", doc["id"], doc, owner=doc["family"], key=p)
    # RFC 7009: an unknown token is not an error.
    return json_response(200, {"revoked": True}) if p == "x" else empty(200)


def ga_token(emu: Emulator, req: Request, p: str) -> Response:
    return ga.token(emu, req)


def snapshot(emu: Emulator, out: dict[str, Any]) -> None:
    out["tokens"] = [
        {
            "id": t["id"][:12],
            "platform": t["platform"],
            "kind": t["kind"],
            "user": t["user"],
            "client_id": t["client_id"],
            "scopes": t["scopes"],
            "issued_at": iso(t["issued_at"]),
            "expires_at": iso(t["expires_at"]) if t["expires_at"] else None,
            "revoked": t["revoked"],
            "rotated": t["rotated"],
            "family": t["family"],
        }
        for t in emu.state.find("token")
    ]


ROUTES = [
    route("POST", r"/(?P<p>x|linkedin|salesforce)/token", "{p}.token", token),
    route("POST", r"/(?P<p>x|linkedin|salesforce)/revoke", "{p}.revoke", revoke),
    route("POST", r"/(?P<p>ga)/token", "{p}.token", ga_token),
]
